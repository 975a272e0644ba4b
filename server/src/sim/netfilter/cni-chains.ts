/**
 * The CNI daemons' own iptables rules: flanneld's ipMasq (`FLANNEL-POSTRTG`) and forward
 * accepts (`FLANNEL-FWD`), Calico Felix's natOutgoing (`cali-nat-outgoing`) and its
 * masquerade of host-originated traffic leaving by the tunnel device.
 */
import { type Cidr, contains, formatPrefix } from '../../model/address';
import type { ClusterModel, Node, Span } from '../../model/types';
import { ALWAYS, MASQ_MARK, type Rule, comment } from './rule';

export interface CniChains {
    /** Jumps from nat POSTROUTING into the CNI's chains (before kube-proxy's). */
    readonly postrouting: readonly Rule[];
    /** Jumps from filter FORWARD into the CNI's chains. */
    readonly forward: readonly Rule[];
    /** Every chain, for the ruleset listing: name → rules. */
    readonly chains: ReadonlyMap<string, { table: 'nat' | 'filter'; rules: readonly Rule[] }>;
}

const cache = new WeakMap<ClusterModel, Map<Node, CniChains>>();
const sharedCache = new WeakMap<ClusterModel, FlannelShared | { readonly same: CniChains }>();

/**
 * The node's CNI chains. Most rules are alike on every node and built once per model;
 * only flanneld's masquerade exemptions name the node's own lease.
 */
export function cniChains(model: ClusterModel, node: Node): CniChains {
    let m = cache.get(model);
    if (!m) cache.set(model, m = new Map());
    let c = m.get(node);
    if (!c) m.set(node, c = build(model, node));
    return c;
}

const EMPTY: CniChains = { postrouting: [], forward: [], chains: new Map() };

function build(model: ClusterModel, node: Node): CniChains {
    let shared = sharedCache.get(model);
    if (!shared) {
        shared = model.cni.plugin === 'flannel' ? flannelShared(model) : { same: model.cni.plugin === 'calico' ? calico(model) : EMPTY };
        sharedCache.set(model, shared);
    }
    return 'same' in shared ? shared.same : flannel(shared, node);
}

const RETURN = { kind: 'return' } as const;

function numbered(rules: Omit<Rule, 'position'>[]): Rule[] {
    return rules.map((r, i) => ({ ...r, position: i + 1 }));
}

/** flanneld's rules that do not depend on the node, and what the node's own are made of. */
interface FlannelShared {
    readonly net: Cidr;
    readonly cluster: string;
    readonly base: { readonly by: 'flannel'; readonly span: Span | undefined; readonly nft: undefined };
    readonly forward: readonly Rule[];
    readonly fwdRules: readonly Rule[];
    /** ipMasq's rules before and after the node's lease exemptions; undefined without ipMasq. */
    readonly masq?: { readonly comment: string; readonly before: readonly Omit<Rule, 'position'>[]; readonly after: readonly Omit<Rule, 'position'>[] };
}

function flannelShared(model: ClusterModel): FlannelShared | { readonly same: CniChains } {
    const net = model.podNetwork;
    if (!net) return { same: EMPTY };
    const span = model.cni.origin.span;
    const cluster = formatPrefix(net);
    const base = { by: 'flannel' as const, span, nft: undefined };
    const masq = comment('flanneld masq');
    const fwdComment = comment('flanneld forward');
    const fwdRules = numbered([
        { ...base, table: 'filter', chain: 'FLANNEL-FWD', nftChain: 'FLANNEL-FWD', text: `-A FLANNEL-FWD -s ${cluster} ${fwdComment} -j ACCEPT`, match: p => contains(net, p.src), target: { kind: 'accept' } },
        { ...base, table: 'filter', chain: 'FLANNEL-FWD', nftChain: 'FLANNEL-FWD', text: `-A FLANNEL-FWD -d ${cluster} ${fwdComment} -j ACCEPT`, match: p => contains(net, p.dst), target: { kind: 'accept' } },
    ]);
    const forward: Rule[] = [{
        ...base, table: 'filter', chain: 'FORWARD', nftChain: 'FORWARD', text: `-A FORWARD ${fwdComment} -j FLANNEL-FWD`,
        match: ALWAYS, target: { kind: 'jump', chain: 'FLANNEL-FWD', rules: () => fwdRules },
    }];
    const multicastFirst = 0xe0000000, multicastLast = 0xefffffff;
    return {
        net, cluster, base, forward, fwdRules,
        masq: model.cni.ipMasq ? {
            comment: masq,
            before: [
                // kube-proxy's marked packets are kube-proxy's to masquerade: no double NAT.
                { ...base, table: 'nat', chain: 'FLANNEL-POSTRTG', nftChain: 'FLANNEL-POSTRTG', text: `-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 ${masq} -j RETURN`, match: p => (p.mark & MASQ_MARK) !== 0, target: { kind: 'return' } },
            ],
            after: [
                { ...base, table: 'nat', chain: 'FLANNEL-POSTRTG', nftChain: 'FLANNEL-POSTRTG', text: `-A FLANNEL-POSTRTG -s ${cluster} ! -d 224.0.0.0/4 ${masq} -j MASQUERADE --random-fully`, match: p => contains(net, p.src) && !(p.dst >= multicastFirst && p.dst <= multicastLast), target: { kind: 'masquerade' } },
                { ...base, table: 'nat', chain: 'FLANNEL-POSTRTG', nftChain: 'FLANNEL-POSTRTG', text: `-A FLANNEL-POSTRTG ! -s ${cluster} -d ${cluster} ${masq} -j MASQUERADE --random-fully`, match: p => !contains(net, p.src) && contains(net, p.dst), target: { kind: 'masquerade' } },
            ],
        } : undefined,
    };
}

function flannel(shared: FlannelShared, node: Node): CniChains {
    const { net, cluster, base, forward, fwdRules, masq } = shared;
    const chains = new Map<string, { table: 'nat' | 'filter'; rules: readonly Rule[] }>();
    chains.set('FLANNEL-FWD', { table: 'filter', rules: fwdRules });
    if (!masq) return { postrouting: [], forward, chains };
    const lease = node.podCidr;
    const own: Omit<Rule, 'position'>[] = [];
    if (lease) {
        const pod = formatPrefix(lease);
        // Written out, not spread from a base: these are made for every node a trace visits.
        const exempt = (text: string, match: Rule['match']): Omit<Rule, 'position'> => ({
            by: 'flannel', span: base.span, nft: undefined, table: 'nat', chain: 'FLANNEL-POSTRTG', nftChain: 'FLANNEL-POSTRTG',
            text, match, target: RETURN,
        });
        own.push(
            exempt(`-A FLANNEL-POSTRTG -s ${pod} -d ${cluster} ${masq.comment} -j RETURN`, p => contains(lease, p.src) && contains(net, p.dst)),
            exempt(`-A FLANNEL-POSTRTG -s ${cluster} -d ${pod} ${masq.comment} -j RETURN`, p => contains(net, p.src) && contains(lease, p.dst)),
            exempt(`-A FLANNEL-POSTRTG ! -s ${cluster} -d ${pod} ${masq.comment} -j RETURN`, p => !contains(net, p.src) && contains(lease, p.dst)),
        );
    }
    const post = numbered([...masq.before, ...own, ...masq.after]);
    chains.set('FLANNEL-POSTRTG', { table: 'nat', rules: post });
    const postrouting: Rule[] = [{
        ...base, table: 'nat', chain: 'POSTROUTING', nftChain: 'POSTROUTING', text: `-A POSTROUTING ${masq.comment} -j FLANNEL-POSTRTG`,
        match: ALWAYS, target: { kind: 'jump', chain: 'FLANNEL-POSTRTG', rules: () => post },
    }];
    return { postrouting, forward, chains };
}

/**
 * Felix tags each rule `cali:` + a hash of the chain and rule; these are the tags a real
 * node shows for these rules (they do not depend on the cluster).
 */
const CALI_TAG = {
    postrouting: 'cali:O3lYWMrLQYEMJtB5',
    fipSnat: 'cali:Z-c7XtVd2Bq7s_hA',
    natOutgoingJump: 'cali:nYKhEzDlr11Jccal',
    natOutgoing: 'cali:flqWnvo8yq4ULQLa',
    vxlanMasq: 'cali:e9dnSgSVNmIcpVhP',
    ipipMasq: 'cali:JHlpT-eSqR1TvyYm',
};

function calico(model: ClusterModel): CniChains {
    const net = model.podNetwork;
    const span = model.cni.origin.span;
    const base = { by: 'calico' as const, span, nft: undefined, table: 'nat' as const };
    const chains = new Map<string, { table: 'nat' | 'filter'; rules: readonly Rule[] }>();
    const natOut: Rule[] = [];
    if (net && model.cni.natOutgoing) {
        natOut.push({
            ...base, chain: 'cali-nat-outgoing', nftChain: 'cali-nat-outgoing', position: 1,
            text: `-A cali-nat-outgoing ${comment(CALI_TAG.natOutgoing)} -m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40all-ipam-pools dst -j MASQUERADE --random-fully`,
            match: p => contains(net, p.src) && !contains(net, p.dst), target: { kind: 'masquerade' },
        });
    }
    chains.set('cali-nat-outgoing', { table: 'nat', rules: natOut });
    const tunnel = model.cni.backend === 'ipip' ? 'tunl0' : model.cni.backend === 'vxlan' ? 'vxlan.calico' : undefined;
    const fipSnat: Rule[] = [];
    chains.set('cali-fip-snat', { table: 'nat', rules: fipSnat });
    const post: Rule[] = [
        {
            ...base, chain: 'cali-POSTROUTING', nftChain: 'cali-POSTROUTING', position: 1,
            text: `-A cali-POSTROUTING ${comment(CALI_TAG.fipSnat)} -j cali-fip-snat`,
            match: ALWAYS, target: { kind: 'jump', chain: 'cali-fip-snat', rules: () => fipSnat },
        },
        {
            ...base, chain: 'cali-POSTROUTING', nftChain: 'cali-POSTROUTING', position: 2,
            text: `-A cali-POSTROUTING ${comment(CALI_TAG.natOutgoingJump)} -j cali-nat-outgoing`,
            match: ALWAYS, target: { kind: 'jump', chain: 'cali-nat-outgoing', rules: () => natOut },
        },
    ];
    if (tunnel) {
        // Host-originated traffic leaving by the tunnel takes the tunnel's address.
        const tag = tunnel === 'tunl0' ? CALI_TAG.ipipMasq : CALI_TAG.vxlanMasq;
        post.push({
            ...base, chain: 'cali-POSTROUTING', nftChain: 'cali-POSTROUTING', position: 3,
            text: `-A cali-POSTROUTING -o ${tunnel} ${comment(tag)} -m addrtype ! --src-type LOCAL --limit-iface-out -m addrtype --src-type LOCAL -j MASQUERADE${tunnel === 'tunl0' ? '' : ' --random-fully'}`,
            match: (p, env) => {
                if (env.ctx.outDev !== tunnel || !env.ctx.isLocal(p.src)) return false;
                const link = env.ctx.node.netns().links.get(tunnel);
                return !(link?.addresses.some(a => a.address === p.src) ?? false);
            },
            target: { kind: 'masquerade' },
        });
    }
    chains.set('cali-POSTROUTING', { table: 'nat', rules: post });
    const postrouting: Rule[] = [{
        ...base, chain: 'POSTROUTING', nftChain: 'POSTROUTING', text: `-A POSTROUTING ${comment(CALI_TAG.postrouting)} -j cali-POSTROUTING`,
        match: ALWAYS, target: { kind: 'jump', chain: 'cali-POSTROUTING', rules: () => post },
    }];
    return { postrouting, forward: [], chains };
}
