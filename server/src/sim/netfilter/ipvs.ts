/**
 * kube-proxy in ipvs mode: every ClusterIP is an address of the dummy `kube-ipvs0`, so the
 * route lookup finds it local; IPVS picks a real server at LOCAL_IN (after the filter
 * table's INPUT) and sends the packet on, DNATed, through POSTROUTING. iptables keeps only
 * the masquerade decisions, matched against ipsets (KUBE-CLUSTER-IP, KUBE-NODE-PORT-TCP,
 * KUBE-LOOP-BACK …) as kube-proxy's ipvs proxier writes them.
 */
import { type Ip, formatIp, formatPrefix } from '../../model/address';
import type { ClusterModel, IpvsScheduler, Node } from '../../model/types';
import { type Endpoint, type ServicePortInfo, nodePortKey, servicePorts, vipKey } from '../../model/generate/kube-proxy/service-ports';
import { newState, walkEnv, walkTables } from './chain-walk';
import { cniChains } from './cni-chains';
import { baseChains, PORT_UNREACHABLE, toResult } from './iptables';
import { kubeProxyChains } from './kube-proxy-chains';
import { ALWAYS, type Rule, comment } from './rule';
import type { Alternative } from '../../protocol/trace';
import type { Hook, HookContext, HookResult, PacketView } from './types';

export const IPVS_DEVICE = 'kube-ipvs0';

const localCache = new WeakMap<ClusterModel, ReadonlySet<Ip>>();

/** The addresses kube-ipvs0 holds on every node in ipvs mode (every ClusterIP); empty in other modes. */
export function ipvsLocalAddresses(model: ClusterModel): ReadonlySet<Ip> {
    let s = localCache.get(model);
    if (!s) {
        const set = new Set<Ip>();
        if (model.proxy.mode === 'ipvs') for (const sp of servicePorts(model).ports) if (sp.vip !== undefined) set.add(sp.vip);
        localCache.set(model, s = set);
    }
    return s;
}

const SCHEDULER_RULE: Record<IpvsScheduler, string> = {
    rr: 'rr (round robin): each new connection takes the next real server in turn; a fresh virtual server starts at the first',
    lc: 'lc (least connection): the real server with the fewest active connections; all idle, the first wins the tie',
    dh: 'dh (destination hashing): a hash of the destination address picks the real server from a 256-bucket table',
    sh: 'sh (source hashing): a hash of the client address picks the real server from a 256-bucket table, so a client sticks to one',
    sed: 'sed (shortest expected delay): the smallest (active + 1) / weight; all idle, the first',
    nq: 'nq (never queue): an idle real server if there is one, else shortest expected delay; all idle, the first',
};

/** The real server IPVS picks for the first connection, as the kernel's scheduler would. */
export function schedule(scheduler: IpvsScheduler, n: number, src: Ip, dst: Ip): number {
    if (scheduler === 'sh') return ((Math.imul(src, 0x61c88647) >>> 0) >>> 24) % n; // hash_32(addr, 8)
    if (scheduler === 'dh') return ((Math.imul(dst, 2654435761 | 0) >>> 0) & 255) % n;
    return 0;
}

/** `TCP  10.107.254.44:80 rr` as ipvsadm -Ln prints a virtual server. */
export function virtualServerText(sp: ServicePortInfo, address: Ip, port: number, scheduler: string): string {
    const persistent = sp.service.sessionAffinity === 'ClientIP' ? ' persistent 10800' : '';
    return `${sp.protocol.toUpperCase()}  ${formatIp(address)}:${port} ${scheduler}${persistent}`;
}

/** `  -> 10.244.2.5:80    Masq    1      0          0`: a real server as ipvsadm -Ln prints it under its virtual server. */
export function realServerLine(ep: Endpoint): string {
    return `  -> ${ep.text.padEnd(28)} ${'Masq'.padEnd(7)} ${'1'.padEnd(6)} ${'0'.padEnd(10)} 0`;
}

/** The real servers of a virtual server: all endpoints, or for a Local NodePort this node's only. */
export function realServers(model: ClusterModel, sp: ServicePortInfo, node: Node, nodePort: boolean): readonly Endpoint[] {
    return nodePort && sp.service.externalTrafficPolicy === 'Local' ? kubeProxyChains(model).localEndpoints(sp, node) : sp.endpoints();
}

interface IpvsChains {
    readonly services: readonly Rule[];
    readonly nodePort: readonly Rule[];
    readonly postrouting: readonly Rule[];
}

const chainCache = new WeakMap<ClusterModel, IpvsChains>();

/** The nat chains of kube-proxy's ipvs mode (the same on every node). */
export function ipvsChains(model: ClusterModel): IpvsChains {
    let c = chainCache.get(model);
    if (c) return c;
    const sps = servicePorts(model);
    const kp = kubeProxyChains(model);
    const span = model.proxy.origin.span;
    const by = 'kube-proxy' as const;
    const net = model.podNetwork;
    const podNet = net ? formatPrefix(net) : undefined;
    const isClusterIp = (p: PacketView) => p.dstPort !== undefined && sps.byVip.has(vipKey(p.dst, p.dstPort, p.protocol));
    const isNodePort = (p: PacketView, local: boolean) => {
        const sp = p.dstPort === undefined ? undefined : sps.byNodePort.get(nodePortKey(p.dstPort, p.protocol));
        return !!sp && (sp.service.externalTrafficPolicy === 'Local') === local;
    };
    const markMasq = { kind: 'jump' as const, chain: 'KUBE-MARK-MASQ', rules: () => kp.markMasq };
    const base = { table: 'nat' as const, by, span, nft: undefined };
    // kube-proxy writes a KUBE-NODE-PORT rule only for the ipsets that have members.
    const present = new Set<string>();
    for (const sp of sps.ports) if (sp.nodePort !== undefined) present.add(`${sp.protocol}${sp.service.externalTrafficPolicy === 'Local' ? '-local' : ''}`);
    const nodePort: Rule[] = [];
    for (const proto of ['tcp', 'udp', 'sctp']) {
        const P = proto.toUpperCase();
        if (present.has(`${proto}-local`)) {
            nodePort.push({
                ...base, chain: 'KUBE-NODE-PORT', nftChain: 'KUBE-NODE-PORT', position: nodePort.length + 1,
                text: `-A KUBE-NODE-PORT -p ${proto} ${comment(`Kubernetes nodeport ${P} port with externalTrafficPolicy=local`)} -m set --match-set KUBE-NODE-PORT-LOCAL-${P} dst -j RETURN`,
                match: (p: PacketView) => p.protocol === proto && isNodePort(p, true), target: { kind: 'return' as const },
            });
        }
        if (present.has(proto) || present.has(`${proto}-local`)) {
            // The LOCAL set's ports are members of the plain set too: RETURN above keeps them unmarked.
            nodePort.push({
                ...base, chain: 'KUBE-NODE-PORT', nftChain: 'KUBE-NODE-PORT', position: nodePort.length + 1,
                text: `-A KUBE-NODE-PORT -p ${proto} ${comment(`Kubernetes nodeport ${P} port for masquerade purpose`)} -m set --match-set KUBE-NODE-PORT-${P} dst -j KUBE-MARK-MASQ`,
                match: (p: PacketView) => p.protocol === proto && isNodePort(p, false), target: markMasq,
            });
        }
    }
    const services: Rule[] = [];
    if (podNet && net) {
        services.push({
            ...base, chain: 'KUBE-SERVICES', nftChain: 'KUBE-SERVICES',
            text: `-A KUBE-SERVICES ! -s ${podNet} ${comment('Kubernetes service cluster ip + port for masquerade purpose')} -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ`,
            match: p => !(p.src >= net.network && p.src <= net.last) && isClusterIp(p), target: markMasq,
        });
    }
    services.push(
        {
            ...base, chain: 'KUBE-SERVICES', nftChain: 'KUBE-SERVICES',
            text: '-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT',
            match: (p, env) => env.ctx.isLocal(p.dst) && !isClusterIp(p), target: { kind: 'jump', chain: 'KUBE-NODE-PORT', rules: () => nodePort },
        },
        {
            ...base, chain: 'KUBE-SERVICES', nftChain: 'KUBE-SERVICES',
            text: '-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT',
            match: isClusterIp, target: { kind: 'accept' },
        },
    );
    const postrouting: Rule[] = [
        {
            ...base, chain: 'KUBE-POSTROUTING', nftChain: 'KUBE-POSTROUTING',
            text: `-A KUBE-POSTROUTING ${comment('Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose')} -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE`,
            match: p => p.src === p.dst && model.owners.get(p.src)?.kind === 'pod', target: { kind: 'masquerade' },
        },
        ...kp.postrouting,
    ];
    c = { services: number(services), nodePort, postrouting: number(postrouting) };
    chainCache.set(model, c);
    return c;
}

function number(rules: Rule[]): Rule[] {
    return rules.map((r, i) => ({ ...r, position: i + 1 }));
}

export function ipvsHook(hook: Hook, ctx: HookContext, packet: PacketView): HookResult {
    const model = ctx.model;
    const chains = ipvsChains(model);
    const base = baseChains(model, ctx.node);
    const by = 'kube-proxy' as const;
    const span = model.proxy.origin.span;
    const jumpServices = (chain: 'PREROUTING' | 'OUTPUT'): Rule => ({
        table: 'nat', chain, by, span, nft: undefined, nftChain: chain, position: 1,
        text: `-A ${chain} ${comment('kubernetes service portals')} -j KUBE-SERVICES`, match: ALWAYS,
        target: { kind: 'jump', chain: 'KUBE-SERVICES', rules: () => chains.services },
    });
    const tables: (readonly Rule[])[] = [];
    switch (hook) {
        case 'PREROUTING': tables.push([jumpServices('PREROUTING')]); break;
        case 'OUTPUT': tables.push([jumpServices('OUTPUT')], base.filter.OUTPUT.filter(r => r.text.includes('KUBE-FIREWALL'))); break;
        case 'INPUT': tables.push(base.filter.INPUT.filter(r => r.text.includes('KUBE-FIREWALL'))); break;
        case 'FORWARD': tables.push(base.filter.FORWARD.filter(r => !r.text.includes('KUBE-SERVICES') && !r.text.includes('KUBE-EXTERNAL-SERVICES'))); break;
        case 'POSTROUTING': tables.push([
            ...cniChains(model, ctx.node).postrouting,
            {
                table: 'nat', chain: 'POSTROUTING', by, span, nft: undefined, nftChain: 'POSTROUTING',
                text: `-A POSTROUTING ${comment('kubernetes postrouting rules')} -j KUBE-POSTROUTING`, match: ALWAYS,
                target: { kind: 'jump', chain: 'KUBE-POSTROUTING', rules: () => chains.postrouting },
            },
        ]); break;
    }
    const state = newState(packet);
    const env = walkEnv(ctx, state, () => packet.src);
    const result = toResult(state, walkTables(tables, state, env), false);
    if (hook !== 'INPUT' || result.verdict !== 'ACCEPT') return result;
    return localIn(ctx, result);
}

/** IPVS at LOCAL_IN: a virtual server for (ClusterIP | node address, port, protocol) picks a real server. */
function localIn(ctx: HookContext, before: HookResult): HookResult {
    const model = ctx.model;
    const p = before.packet;
    if (p.dstPort === undefined) return before;
    const sps = servicePorts(model);
    let sp = sps.byVip.get(vipKey(p.dst, p.dstPort, p.protocol));
    let nodePort = false;
    if (!sp && ctx.node.addresses.some(a => a.address === p.dst)) {
        sp = sps.byNodePort.get(nodePortKey(p.dstPort, p.protocol));
        nodePort = !!sp;
    }
    if (!sp) return before;
    const scheduler = model.proxy.scheduler;
    const vs = virtualServerText(sp, p.dst, p.dstPort, scheduler);
    const span = nodePort ? sp.port.nodePortSpan ?? sp.span : sp.span;
    const servers = realServers(model, sp, ctx.node, nodePort);
    const vsHit = { table: 'ipvs' as const, chain: 'LOCAL_IN', rule: vs, by: 'kube-proxy' as const, span };
    if (servers.length === 0) {
        const local = sp.hasEndpoints;
        return {
            ...before, verdict: 'REJECT', reject: PORT_UNREACHABLE,
            hits: [...before.hits, { ...vsHit, rule: `${vs}  # no real servers${local ? ` on ${ctx.node.name} (externalTrafficPolicy Local)` : ''}: IPVS answers ICMP port unreachable` }],
            disposition: local ? 'NO_LOCAL_ENDPOINT' : 'NO_ENDPOINTS',
            ipvs: { virtualServer: vs, scheduler, realServer: '(none)' },
        };
    }
    const n = servers.length;
    const chosen = ctx.choice !== undefined ? Math.abs(Math.trunc(ctx.choice)) % n : schedule(scheduler, n, p.src, p.dst);
    const ep = servers[chosen];
    const rs = realServerLine(ep);
    const alternatives: Alternative[] = servers.map((e, i) => ({
        description: `${e.text} (pod ${e.pod.key} on ${e.node.name})`,
        rule: SCHEDULER_RULE[scheduler] + (sp!.service.sessionAffinity === 'ClientIP' ? '; persistent 10800: later connections of the client stay on it' : ''),
        choice: i, chosen: i === chosen,
    }));
    return {
        ...before,
        packet: { ...p, dst: ep.ip, dstPort: ep.port },
        dnat: { to: ep.ip, port: ep.port },
        hits: [...before.hits, vsHit, { table: 'ipvs', chain: 'LOCAL_IN', rule: rs.trim(), by: 'kube-proxy', span: ep.span }],
        alternatives,
        ipvs: { virtualServer: vs, scheduler, realServer: ep.text },
    };
}

