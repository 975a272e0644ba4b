/**
 * kube-proxy in iptables mode (and nftables mode, which makes the same decisions with
 * other rule text): the built-in chains of the nat and filter tables as a kubeadm node
 * has them, walked at each hook in the kernel's table order (nat before filter at OUTPUT).
 */
import { formatPrefix } from '../../model/address';
import type { ClusterModel, Node } from '../../model/types';
import { nodePortKey, servicePorts, vipKey } from '../../model/generate/kube-proxy/service-ports';
import { type Outcome, newState, toHits, walkEnv, walkTables } from './chain-walk';
import { cniChains } from './cni-chains';
import { kubeProxyChains } from './kube-proxy-chains';
import { ALWAYS, type Rule, type WalkEnv, comment } from './rule';
import type { Hook, HookContext, HookResult, PacketView } from './types';

export interface BaseChains {
    readonly nat: { readonly PREROUTING: readonly Rule[]; readonly OUTPUT: readonly Rule[]; readonly POSTROUTING: readonly Rule[] };
    readonly filter: { readonly INPUT: readonly Rule[]; readonly FORWARD: readonly Rule[]; readonly OUTPUT: readonly Rule[] };
    /** kube-proxy's fixed filter chains (KUBE-FORWARD, KUBE-FIREWALL). */
    readonly fixed: ReadonlyMap<string, readonly Rule[]>;
}

/** The chains every node holds alike: kube-proxy's jumps and fixed chains. */
interface SharedChains {
    readonly natPrerouting: readonly Rule[];
    readonly natOutput: readonly Rule[];
    /** `-j KUBE-POSTROUTING`, after the CNI's own POSTROUTING jumps. */
    readonly kubePostrouting: Rule;
    readonly filterInput: readonly Rule[];
    /** kube-proxy's FORWARD jumps, before the CNI's. */
    readonly forwardJumps: readonly Rule[];
    readonly filterOutput: readonly Rule[];
    readonly fixed: ReadonlyMap<string, readonly Rule[]>;
}

const sharedCache = new WeakMap<ClusterModel, SharedChains>();
const cache = new WeakMap<ClusterModel, Map<Node, BaseChains>>();

/**
 * A node's built-in chains. What kube-proxy writes is the same on every node (the rules
 * that depend on the node ask the walk which node they are on), so it is built once per
 * model; only the CNI's rules, which name the node's own range, are the node's.
 */
export function baseChains(model: ClusterModel, node: Node): BaseChains {
    let m = cache.get(model);
    if (!m) cache.set(model, m = new Map());
    let b = m.get(node);
    if (!b) m.set(node, b = build(model, node));
    return b;
}

const LOOPBACK = { first: 0x7f000000, last: 0x7fffffff };
const isLoopback = (ip: number) => ip >= LOOPBACK.first && ip <= LOOPBACK.last;

const numberIn = (rules: readonly Rule[]): Rule[] => rules.map((r, i) => ({ ...r, position: i + 1 }));

function build(model: ClusterModel, node: Node): BaseChains {
    const s = sharedChains(model);
    const cni = cniChains(model, node);
    return {
        nat: { PREROUTING: s.natPrerouting, OUTPUT: s.natOutput, POSTROUTING: numberIn([...cni.postrouting, s.kubePostrouting]) },
        filter: { INPUT: s.filterInput, FORWARD: numberIn([...s.forwardJumps, ...cni.forward]), OUTPUT: s.filterOutput },
        fixed: s.fixed,
    };
}

function sharedChains(model: ClusterModel): SharedChains {
    let s = sharedCache.get(model);
    if (!s) sharedCache.set(model, s = buildShared(model));
    return s;
}

function buildShared(model: ClusterModel): SharedChains {
    const kp = kubeProxyChains(model);
    const sps = servicePorts(model);
    const span = model.proxy.origin.span;
    const by = 'kube-proxy' as const;
    const portals = comment('kubernetes service portals');
    const natServices = (p: PacketView, env: WalkEnv): readonly Rule[] => {
        const sp = p.dstPort === undefined ? undefined : sps.byVip.get(vipKey(p.dst, p.dstPort, p.protocol));
        const jump = kp.nodePortsJump(env.ctx.node);
        return sp && sp.hasEndpoints ? [kp.capture(sp), jump] : [jump];
    };
    const filterServices = (p: PacketView): readonly Rule[] => {
        const sp = p.dstPort === undefined ? undefined : sps.byVip.get(vipKey(p.dst, p.dstPort, p.protocol));
        return sp && !sp.hasEndpoints ? [kp.rejectClusterIp(sp)] : [];
    };
    const externalServices = (p: PacketView, env: WalkEnv): readonly Rule[] => {
        const sp = p.dstPort === undefined ? undefined : sps.byNodePort.get(nodePortKey(p.dstPort, p.protocol));
        const r = sp && kp.externalFilter(sp, env.ctx.node);
        return r ? [r] : [];
    };
    const kubeForward: Rule[] = [
        {
            table: 'filter', chain: 'KUBE-FORWARD', position: 1, by, span, nftChain: 'filter-forward', nft: undefined,
            text: '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
            match: () => false /* a trace's packets are valid */, target: { kind: 'drop' },
        },
        {
            table: 'filter', chain: 'KUBE-FORWARD', position: 2, by, span, nftChain: 'filter-forward', nft: undefined,
            text: `-A KUBE-FORWARD ${comment('kubernetes forwarding rules')} -m mark --mark 0x4000/0x4000 -j ACCEPT`,
            match: p => (p.mark & 0x4000) !== 0, target: { kind: 'accept' },
        },
        {
            table: 'filter', chain: 'KUBE-FORWARD', position: 3, by, span, nftChain: 'filter-forward', nft: undefined,
            text: `-A KUBE-FORWARD ${comment('kubernetes forwarding conntrack rule')} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
            match: () => false /* the first packet of a connection is NEW */, target: { kind: 'accept' },
        },
    ];
    const kubeFirewall: Rule[] = [{
        table: 'filter', chain: 'KUBE-FIREWALL', position: 1, by, span, nftChain: 'filter-input', nft: undefined,
        text: `-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 ${comment('block incoming localnet connections')} -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`,
        match: p => isLoopback(p.dst) && !isLoopback(p.src), target: { kind: 'drop' }, disposition: 'FILTERED',
    }];
    const j = (table: 'nat' | 'filter', chain: string, text: string, nftChain: string, nft: string | undefined, target: string, rules: (p: PacketView, env: WalkEnv) => readonly Rule[]): Rule => ({
        table, chain, by, span, text, nftChain, nft, match: ALWAYS, target: { kind: 'jump', chain: target, rules },
    });
    const newState = '-m conntrack --ctstate NEW';
    // KUBE-PROXY-FIREWALL (loadBalancerSourceRanges) and filter KUBE-NODEPORTS (health check
    // ports) are empty for what a .knet file can declare; their jumps are there all the same.
    const firewall = comment('kubernetes load balancer firewall');
    const none = (): readonly Rule[] => [];
    return {
        natPrerouting: numberIn([j('nat', 'PREROUTING', `-A PREROUTING ${portals} -j KUBE-SERVICES`, 'nat-prerouting', 'jump services', 'KUBE-SERVICES', natServices)]),
        natOutput: numberIn([j('nat', 'OUTPUT', `-A OUTPUT ${portals} -j KUBE-SERVICES`, 'nat-output', 'jump services', 'KUBE-SERVICES', natServices)]),
        kubePostrouting: j('nat', 'POSTROUTING', `-A POSTROUTING ${comment('kubernetes postrouting rules')} -j KUBE-POSTROUTING`, 'nat-postrouting', 'jump masquerading', 'KUBE-POSTROUTING', () => kp.postrouting),
        filterInput: numberIn([
            j('filter', 'INPUT', `-A INPUT ${newState} ${firewall} -j KUBE-PROXY-FIREWALL`, 'filter-input', undefined, 'KUBE-PROXY-FIREWALL', none),
            j('filter', 'INPUT', `-A INPUT ${comment('kubernetes health check service ports')} -j KUBE-NODEPORTS`, 'filter-input', undefined, 'KUBE-NODEPORTS', none),
            j('filter', 'INPUT', `-A INPUT ${newState} ${comment('kubernetes externally-visible service portals')} -j KUBE-EXTERNAL-SERVICES`, 'filter-input', 'ct state new jump nodeport-endpoints-check', 'KUBE-EXTERNAL-SERVICES', externalServices),
            j('filter', 'INPUT', '-A INPUT -j KUBE-FIREWALL', 'filter-input', undefined, 'KUBE-FIREWALL', () => kubeFirewall),
        ]),
        forwardJumps: [
            j('filter', 'FORWARD', `-A FORWARD ${newState} ${firewall} -j KUBE-PROXY-FIREWALL`, 'filter-forward', undefined, 'KUBE-PROXY-FIREWALL', none),
            j('filter', 'FORWARD', `-A FORWARD ${comment('kubernetes forwarding rules')} -j KUBE-FORWARD`, 'filter-forward', undefined, 'KUBE-FORWARD', () => kubeForward),
            j('filter', 'FORWARD', `-A FORWARD ${newState} ${portals} -j KUBE-SERVICES`, 'filter-forward', 'ct state new jump service-endpoints-check', 'KUBE-SERVICES', filterServices),
            j('filter', 'FORWARD', `-A FORWARD ${newState} ${comment('kubernetes externally-visible service portals')} -j KUBE-EXTERNAL-SERVICES`, 'filter-forward', undefined, 'KUBE-EXTERNAL-SERVICES', externalServices),
        ],
        filterOutput: numberIn([
            j('filter', 'OUTPUT', `-A OUTPUT ${newState} ${firewall} -j KUBE-PROXY-FIREWALL`, 'filter-output', undefined, 'KUBE-PROXY-FIREWALL', none),
            j('filter', 'OUTPUT', `-A OUTPUT ${newState} ${portals} -j KUBE-SERVICES`, 'filter-output', 'ct state new jump service-endpoints-check', 'KUBE-SERVICES', filterServices),
            j('filter', 'OUTPUT', '-A OUTPUT -j KUBE-FIREWALL', 'filter-output', undefined, 'KUBE-FIREWALL', () => kubeFirewall),
        ]),
        fixed: new Map([['KUBE-FORWARD', kubeForward], ['KUBE-FIREWALL', kubeFirewall]]),
    };
}

const checkCache = new WeakMap<ClusterModel, Rule>();

/**
 * nftables mode's `cluster-ips-check` (from filter-forward and filter-output, after DNAT):
 * a ClusterIP on a port it does not serve (or ping) is rejected, an unallocated address of
 * the service range dropped.
 */
function clusterIpsCheck(model: ClusterModel, hook: 'FORWARD' | 'OUTPUT'): Rule {
    const cached = checkCache.get(model);
    const nftChain = hook === 'OUTPUT' ? 'filter-output' : 'filter-forward';
    if (cached) return { ...cached, chain: nftChain, nftChain };
    const sps = servicePorts(model);
    const vips = new Set<number>();
    for (const sp of sps.ports) if (sp.vip !== undefined) vips.add(sp.vip);
    const net = model.serviceNetwork;
    const by = 'kube-proxy' as const;
    const span = model.serviceNetworkSpan ?? model.proxy.origin.span;
    const rules: Rule[] = [
        {
            table: 'filter', chain: 'cluster-ips-check', position: 1, by, span, nftChain: 'cluster-ips-check',
            text: '', nft: 'ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"',
            match: p => vips.has(p.dst), target: { kind: 'reject' }, disposition: 'FILTERED',
        },
    ];
    if (net) {
        rules.push({
            table: 'filter', chain: 'cluster-ips-check', position: 2, by, span, nftChain: 'cluster-ips-check',
            text: '', nft: `ip daddr ${formatPrefix(net)} drop comment "Drop traffic to unallocated ClusterIPs"`,
            match: p => p.dst >= net.network && p.dst <= net.last, target: { kind: 'drop' }, disposition: 'FILTERED',
        });
    }
    const rule: Rule = {
        table: 'filter', chain: nftChain, by, span, nftChain, text: '', nft: 'ct state new jump cluster-ips-check',
        match: ALWAYS, target: { kind: 'jump', chain: 'cluster-ips-check', rules: () => rules },
    };
    checkCache.set(model, rule);
    return rule;
}

/**
 * nftables mode: kube-proxy's table and the iptables(-nft) tables the CNI and kubelet still
 * program are separate hook registrations: an ACCEPT in one does not skip the other. So
 * kube-proxy's filter rules run as their own table, then the CNI's and KUBE-FIREWALL.
 */
function nftTablesAt(hook: Hook, base: BaseChains, model: ClusterModel): readonly (readonly Rule[])[] {
    const kubeProxy = (rules: readonly Rule[]) => rules.filter(r => r.target.kind === 'jump' && (r.target.chain === 'KUBE-SERVICES' || r.target.chain === 'KUBE-EXTERNAL-SERVICES'));
    const others = (rules: readonly Rule[]) => rules.filter(r => r.by !== 'kube-proxy' || (r.target.kind === 'jump' && r.target.chain === 'KUBE-FIREWALL'));
    switch (hook) {
        case 'PREROUTING': return [base.nat.PREROUTING];
        case 'OUTPUT': return [base.nat.OUTPUT, [...kubeProxy(base.filter.OUTPUT), clusterIpsCheck(model, 'OUTPUT')], others(base.filter.OUTPUT)];
        case 'INPUT': return [kubeProxy(base.filter.INPUT), others(base.filter.INPUT)];
        case 'FORWARD': return [[...kubeProxy(base.filter.FORWARD).filter(r => r.nft !== undefined), clusterIpsCheck(model, 'FORWARD')], others(base.filter.FORWARD)];
        case 'POSTROUTING': return [base.nat.POSTROUTING];
    }
}

/** The tables a hook passes, in the kernel's priority order. */
export function tablesAt(hook: Hook, base: BaseChains): readonly (readonly Rule[])[] {
    switch (hook) {
        case 'PREROUTING': return [base.nat.PREROUTING];
        case 'OUTPUT': return [base.nat.OUTPUT, base.filter.OUTPUT];
        case 'INPUT': return [base.filter.INPUT];
        case 'FORWARD': return [base.filter.FORWARD];
        case 'POSTROUTING': return [base.nat.POSTROUTING];
    }
}

export const PORT_UNREACHABLE = { icmpType: 3, icmpCode: 3, description: 'ICMP port unreachable' } as const;

/** Runs one hook of a node in iptables or nftables mode. */
export function iptablesHook(hook: Hook, ctx: HookContext, packet: PacketView, nft: boolean): HookResult {
    const base = baseChains(ctx.model, ctx.node);
    const state = newState(packet);
    const env = walkEnv(ctx, state, () => packet.src);
    const tables = nft ? nftTablesAt(hook, base, ctx.model) : tablesAt(hook, base);
    return toResult(state, walkTables(tables, state, env), nft);
}

export function toResult(state: ReturnType<typeof newState>, outcome: Outcome, nft: boolean): HookResult {
    const last = state.hits[state.hits.length - 1];
    const verdict = outcome === 'drop' ? 'DROP' : outcome === 'reject' ? 'REJECT' : 'ACCEPT';
    return {
        verdict,
        packet: state.packet,
        hits: toHits(state.hits, nft),
        dnat: state.dnat,
        snat: state.snat,
        reject: verdict === 'REJECT' ? PORT_UNREACHABLE : undefined,
        alternatives: state.alternatives,
        disposition: verdict === 'ACCEPT' ? undefined : last?.disposition ?? 'FILTERED',
    };
}
