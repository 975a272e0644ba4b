/**
 * kube-proxy in userspace mode (removed in Kubernetes 1.26, kept for older clusters): each
 * service port gets a proxy port on every node; nat PREROUTING REDIRECTs pods' packets to
 * it (KUBE-PORTALS-CONTAINER, KUBE-NODEPORT-CONTAINER), nat OUTPUT DNATs the node's own to
 * NODE_IP:PORT (KUBE-PORTALS-HOST, KUBE-NODEPORT-HOST). kube-proxy accepts the connection
 * and opens a new one from the node to an endpoint (round robin, or by client with
 * ClientIP affinity).
 */
import { type Ip, formatIp } from '../../model/address';
import { fnv1a } from '../../model/names';
import type { ClusterModel, Node } from '../../model/types';
import { type ServicePortInfo, nodePortKey, servicePorts, vipKey } from '../../model/generate/kube-proxy/service-ports';
import { newState, walkEnv, walkTables } from './chain-walk';
import { cniChains } from './cni-chains';
import { baseChains, toResult } from './iptables';
import { ALWAYS, type Rule, comment } from './rule';
import type { Hook, HookContext, HookResult, PacketView } from './types';

/** The proxy port kube-proxy opened for a service port (random in reality; stable here, in the ephemeral range). */
export function proxyPort(sp: ServicePortInfo, nodePort: boolean): number {
    return 32768 + fnv1a(`${sp.name}/${sp.protocol}${nodePort ? '/nodePort' : ''}`) % 28232;
}

/** The old ServicePortName format userspace comments carry: `default/web:` (empty port name after the colon). */
function oldName(sp: ServicePortInfo): string {
    return `${sp.service.namespace}/${sp.service.name}:${sp.portName}`;
}

type Side = 'CONTAINER' | 'HOST';

/** The rule capturing `p` in KUBE-PORTALS-* (ClusterIP) or KUBE-NODEPORT-* (nodePort), if any. */
function portalRule(model: ClusterModel, node: Node, side: Side, p: PacketView, nodePort: boolean): Rule[] {
    if (p.dstPort === undefined) return [];
    const sps = servicePorts(model);
    const sp = nodePort ? sps.byNodePort.get(nodePortKey(p.dstPort, p.protocol)) : sps.byVip.get(vipKey(p.dst, p.dstPort, p.protocol));
    if (!sp) return [];
    const port = proxyPort(sp, nodePort);
    const nodeIp = node.addresses[0]?.address ?? 0;
    const chain = `KUBE-${nodePort ? 'NODEPORT' : 'PORTALS'}-${side}`;
    const dst = nodePort ? '' : `-d ${formatIp(sp.vip ?? 0)}/32 `;
    const target = side === 'CONTAINER' ? `REDIRECT --to-ports ${port}` : `DNAT --to-destination ${formatIp(nodeIp)}:${port}`;
    return [{
        table: 'nat', chain, by: 'kube-proxy', span: nodePort ? sp.port.nodePortSpan ?? sp.span : sp.span, nftChain: chain, nft: undefined,
        position: nodePort ? sp.nodePortPosition : sp.servicesPosition,
        text: `-A ${chain} ${dst}-p ${sp.protocol} ${comment(oldName(sp))} -m ${sp.protocol} --dport ${nodePort ? sp.nodePort : sp.port.port} -j ${target}`,
        match: ALWAYS,
        target: side === 'CONTAINER' ? { kind: 'redirect', port } : { kind: 'dnat', ip: nodeIp, port },
    }];
}

function baseJumps(model: ClusterModel, node: Node, hookChain: 'PREROUTING' | 'OUTPUT'): Rule[] {
    const side: Side = hookChain === 'PREROUTING' ? 'CONTAINER' : 'HOST';
    const span = model.proxy.origin.span;
    return [
        {
            table: 'nat', chain: hookChain, by: 'kube-proxy', span, nftChain: hookChain, nft: undefined, position: 1,
            text: `-A ${hookChain} ${comment('handle ClusterIPs; NOTE: this must be before the NodePort rules')} -j KUBE-PORTALS-${side}`,
            match: ALWAYS, target: { kind: 'jump', chain: `KUBE-PORTALS-${side}`, rules: p => portalRule(model, node, side, p, false) },
        },
        {
            table: 'nat', chain: hookChain, by: 'kube-proxy', span, nftChain: hookChain, nft: undefined, position: 2,
            text: `-A ${hookChain} -m addrtype --dst-type LOCAL ${comment('handle service NodePorts; NOTE: this must be the last rule in the chain')} -j KUBE-NODEPORT-${side}`,
            match: (p, env) => env.ctx.isLocal(p.dst), target: { kind: 'jump', chain: `KUBE-NODEPORT-${side}`, rules: p => portalRule(model, node, side, p, true) },
        },
    ];
}

/** Every userspace nat rule of a node (or only the portals of the service ports `only` keeps), for listings. */
export function userspaceRules(model: ClusterModel, node: Node, only?: (sp: ServicePortInfo) => boolean): Rule[] {
    const out: Rule[] = only ? [] : [...baseJumps(model, node, 'PREROUTING'), ...baseJumps(model, node, 'OUTPUT')];
    for (const sp of servicePorts(model).ports) {
        if (only && !only(sp)) continue;
        for (const side of ['CONTAINER', 'HOST'] as const) {
            if (sp.vip !== undefined) out.push(...portalRule(model, node, side, { src: 0, dst: sp.vip, dstPort: sp.port.port, protocol: sp.protocol, mark: 0 }, false));
            if (sp.nodePort !== undefined) out.push(...portalRule(model, node, side, { src: 0, dst: 0, dstPort: sp.nodePort, protocol: sp.protocol, mark: 0 }, true));
        }
    }
    return out;
}

export function userspaceHook(hook: Hook, ctx: HookContext, packet: PacketView): HookResult {
    const model = ctx.model;
    const base = baseChains(model, ctx.node);
    let tables: (readonly Rule[])[];
    switch (hook) {
        case 'PREROUTING': tables = [baseJumps(model, ctx.node, 'PREROUTING')]; break;
        case 'OUTPUT': tables = [baseJumps(model, ctx.node, 'OUTPUT'), base.filter.OUTPUT.filter(r => r.text.includes('KUBE-FIREWALL'))]; break;
        case 'POSTROUTING': tables = [[...cniChains(model, ctx.node).postrouting]]; break;
        case 'FORWARD': tables = [[...cniChains(model, ctx.node).forward]]; break;
        default: tables = [base.filter.INPUT.filter(r => r.text.includes('KUBE-FIREWALL'))];
    }
    const state = newState(packet);
    const env = walkEnv(ctx, state, () => packet.src);
    const result = toResult(state, walkTables(tables, state, env), false);
    const redirect = state.redirect ?? (state.dnat && state.hits.some(h => h.chain === 'KUBE-PORTALS-HOST' || h.chain === 'KUBE-NODEPORT-HOST') ? { port: state.dnat.port ?? 0 } : undefined);
    if (!redirect) return result;
    return proxied(ctx, packet, result, redirect.port, state.redirect !== undefined);
}

/** kube-proxy took the connection on `port`: which endpoint it connects to, and where the packet now goes. */
function proxied(ctx: HookContext, original: PacketView, result: HookResult, port: number, redirected: boolean): HookResult {
    const sps = servicePorts(ctx.model);
    const p = original;
    const sp = p.dstPort === undefined ? undefined
        : sps.byVip.get(vipKey(p.dst, p.dstPort, p.protocol)) ?? sps.byNodePort.get(nodePortKey(p.dstPort, p.protocol));
    // REDIRECT sends to the primary address of the incoming device (the node's address when none).
    const inAddr: Ip | undefined = ctx.inDev ? ctx.node.netns().links.get(ctx.inDev)?.addresses[0]?.address : undefined;
    const to = redirected ? inAddr ?? ctx.node.addresses[0]?.address ?? p.dst : result.packet.dst;
    const packet: PacketView = { ...result.packet, dst: to, dstPort: port };
    const eps = sp?.endpoints() ?? [];
    if (!sp || eps.length === 0) {
        return {
            ...result, packet, verdict: 'DROP', disposition: 'NO_ENDPOINTS',
            hits: [...result.hits, { table: 'userspace', chain: 'kube-proxy', rule: `kube-proxy accepts on :${port}, finds no endpoint for ${sp?.name ?? 'the service'} and closes the connection`, by: 'kube-proxy', span: sp?.span }],
        };
    }
    const n = eps.length;
    const affinity = sp.service.sessionAffinity === 'ClientIP';
    const chosen = ctx.choice !== undefined ? Math.abs(Math.trunc(ctx.choice)) % n : affinity ? fnv1a(formatIp(p.src)) % n : 0;
    const ep = eps[chosen];
    return {
        ...result,
        packet,
        dnat: { to, port },
        hits: [...result.hits, { table: 'userspace', chain: 'kube-proxy', rule: `kube-proxy (userspace) on ${ctx.node.name}:${port} → new connection to ${ep.text} (round robin${affinity ? ', ClientIP affinity' : ''})`, by: 'kube-proxy', span: ep.span }],
        alternatives: eps.map((e, i) => ({
            description: `${e.text} (pod ${e.pod.key} on ${e.node.name})`,
            rule: affinity ? 'userspace round robin; ClientIP affinity keeps a client on its first endpoint' : 'userspace round robin: each new connection takes the next endpoint',
            choice: i, chosen: i === chosen,
        })),
        redirectedToProxy: { port, endpoint: ep.ip, endpointPort: ep.port },
    };
}
