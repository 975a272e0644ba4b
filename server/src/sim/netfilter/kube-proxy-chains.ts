/**
 * kube-proxy's iptables (and nftables) rules as current kube-proxy writes them
 * (pkg/proxy/iptables/proxier.go, pkg/proxy/nftables/proxier.go), per service port:
 * KUBE-SERVICES capture, KUBE-SVC-/KUBE-SVL- load balancing, KUBE-SEP- hairpin + DNAT,
 * KUBE-NODEPORTS → KUBE-EXT-, KUBE-MARK-MASQ, KUBE-POSTROUTING; filter REJECT/DROP.
 *
 * Cluster-wide chains (KUBE-SVC, KUBE-SEP, KUBE-EXT under policy Cluster) are built once
 * per service port and cached; node-dependent ones (KUBE-SVL, KUBE-EXT under Local) are
 * built per call from the node's local endpoints — never a per-node copy of everything.
 */
import { formatIp, formatPrefix } from '../../model/address';
import type { ClusterModel, Node } from '../../model/types';
import { type Endpoint, type ServicePortInfo, nodePortKey } from '../../model/generate/kube-proxy/service-ports';
import type { PacketView } from './types';
import { servicePorts } from '../../model/generate/kube-proxy/service-ports';
import { ALWAYS, MASQ_MARK, type Rule, type Target, comment, statisticProbability } from './rule';

const HEX_MARK = '0x4000';

export interface KubeProxyChains {
    readonly model: ClusterModel;
    /** nat: `-A KUBE-SERVICES -d VIP/32 -p P --dport N -j KUBE-SVC-…` */
    capture(sp: ServicePortInfo): Rule;
    /** nat KUBE-SERVICES' last rule: `-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`. */
    nodePortsJump(node: Node): Rule;
    /** nat: `-A KUBE-NODEPORTS -p P --dport NP -j KUBE-EXT-…` */
    nodePort(sp: ServicePortInfo, node: Node): Rule;
    svc(sp: ServicePortInfo): readonly Rule[];
    svl(sp: ServicePortInfo, node: Node): readonly Rule[];
    ext(sp: ServicePortInfo, node: Node): readonly Rule[];
    sep(sp: ServicePortInfo, ep: Endpoint): readonly Rule[];
    readonly markMasq: readonly Rule[];
    readonly postrouting: readonly Rule[];
    /** filter KUBE-SERVICES: REJECT a ClusterIP port without endpoints. */
    rejectClusterIp(sp: ServicePortInfo): Rule;
    /** filter KUBE-EXTERNAL-SERVICES: REJECT (no endpoints) or DROP (Local, none on this node). */
    externalFilter(sp: ServicePortInfo, node: Node): Rule | undefined;
    localEndpoints(sp: ServicePortInfo, node: Node): readonly Endpoint[];
}

const cache = new WeakMap<ClusterModel, KubeProxyChains>();

export function kubeProxyChains(model: ClusterModel): KubeProxyChains {
    let c = cache.get(model);
    if (!c) {
        c = new Chains(model);
        cache.set(model, c);
    }
    return c;
}

function jump(chain: string, rules: (p: PacketView) => readonly Rule[]): Target {
    return { kind: 'jump', chain, rules };
}

function p(protocol: string): string {
    return `-p ${protocol}`;
}

class Chains implements KubeProxyChains {
    private readonly svcCache = new Map<ServicePortInfo, readonly Rule[]>();
    private readonly sepCache = new Map<string, readonly Rule[]>();
    private readonly extCache = new Map<ServicePortInfo, readonly Rule[]>();
    private readonly captureCache = new Map<ServicePortInfo, Rule>();
    private readonly podNet?: string;
    private readonly nodePortsPosition: number;
    readonly markMasq: readonly Rule[];
    readonly postrouting: readonly Rule[];
    private readonly span;
    /**
     * kube-proxy's largeClusterMode: past 1,000 endpoints it leaves the comments off the
     * KUBE-SVC → KUBE-SEP and KUBE-SEP rules to keep iptables-restore fast.
     */
    private readonly large: boolean;

    constructor(readonly model: ClusterModel) {
        let total = 0;
        for (const s of model.services) total += s.endpoints.length * s.ports.length;
        this.large = total > 1000;
        this.podNet = model.podNetwork ? formatPrefix(model.podNetwork) : undefined;
        this.span = model.proxy.origin.span;
        this.markMasq = [{
            table: 'nat', chain: 'KUBE-MARK-MASQ', position: 1, by: 'kube-proxy', span: this.span,
            text: `-A KUBE-MARK-MASQ -j MARK --or-mark ${HEX_MARK}`,
            nftChain: 'mark-for-masquerade', nft: 'meta mark set meta mark | 0x00004000',
            match: ALWAYS, target: { kind: 'mark-or', mark: MASQ_MARK },
        }];
        this.postrouting = [
            {
                table: 'nat', chain: 'KUBE-POSTROUTING', position: 1, by: 'kube-proxy', span: this.span,
                text: `-A KUBE-POSTROUTING -m mark ! --mark ${HEX_MARK}/${HEX_MARK} -j RETURN`,
                nftChain: 'masquerading', nft: `meta mark & 0x00004000 == 0x00000000 return`,
                match: pk => (pk.mark & MASQ_MARK) === 0, target: { kind: 'return' },
            },
            {
                table: 'nat', chain: 'KUBE-POSTROUTING', position: 2, by: 'kube-proxy', span: this.span,
                text: `-A KUBE-POSTROUTING -j MARK --xor-mark ${HEX_MARK}`,
                nftChain: 'masquerading', nft: `meta mark set meta mark ^ 0x00004000`,
                match: ALWAYS, target: { kind: 'mark-xor', mark: MASQ_MARK },
            },
            {
                table: 'nat', chain: 'KUBE-POSTROUTING', position: 3, by: 'kube-proxy', span: this.span,
                text: `-A KUBE-POSTROUTING ${comment('kubernetes service traffic requiring SNAT')} -j MASQUERADE --random-fully`,
                nftChain: 'masquerading', nft: `masquerade fully-random`,
                match: ALWAYS, target: { kind: 'masquerade' },
            },
        ];
        this.nodePortsPosition = servicePorts(model).natServicesRules + 1;
    }

    private readonly nodePortsJumps = new Map<Node, Rule>();

    nodePortsJump(node: Node): Rule {
        let rule = this.nodePortsJumps.get(node);
        if (!rule) this.nodePortsJumps.set(node, rule = this.makeNodePortsJump(node));
        return rule;
    }

    private makeNodePortsJump(node: Node): Rule {
        const index = servicePorts(this.model).byNodePort;
        return {
            table: 'nat', chain: 'KUBE-SERVICES', position: this.nodePortsPosition, by: 'kube-proxy', span: this.span,
            text: `-A KUBE-SERVICES ${comment('kubernetes service nodeports; NOTE: this must be the last rule in this chain')} -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`,
            nftChain: 'services', nft: undefined,
            match: (pk, env) => this.acceptsNodePorts(node, pk.dst, env.ctx.isLocal),
            target: jump('KUBE-NODEPORTS', pk => {
                const sp = pk.dstPort === undefined ? undefined : index.get(nodePortKey(pk.dstPort, pk.protocol));
                return sp && sp.hasEndpoints ? [this.nodePort(sp, node)] : [];
            }),
        };
    }

    /**
     * Where NodePorts answer: iptables mode, every local address (`--dst-type LOCAL`);
     * nftables mode, the node's primary addresses (its default `--nodeport-addresses primary`).
     */
    private acceptsNodePorts(node: Node, ip: number, isLocal: (ip: number) => boolean): boolean {
        if (this.model.proxy.mode === 'nftables') return node.addresses.some(a => a.address === ip);
        return isLocal(ip);
    }

    /** The comment on endpoint rules (with a trailing space), or nothing in largeClusterMode. */
    private epComment(text: string): string {
        return this.large ? '' : comment(text) + ' ';
    }

    private isPod(ip: number): boolean {
        const n = this.model.podNetwork;
        return !!n && ip >= n.network && ip <= n.last;
    }

    capture(sp: ServicePortInfo): Rule {
        let r = this.captureCache.get(sp);
        if (r) return r;
        const vip = formatIp(sp.vip ?? 0);
        const port = sp.port.port;
        r = {
            table: 'nat', chain: 'KUBE-SERVICES', position: sp.servicesPosition, by: 'kube-proxy', span: sp.span,
            text: `-A KUBE-SERVICES -d ${vip}/32 ${p(sp.protocol)} ${comment(`${sp.name} cluster IP`)} -m ${sp.protocol} --dport ${port} -j ${sp.svcChain}`,
            nftChain: 'services',
            nft: `ip daddr . meta l4proto . th dport vmap @service-ips  # element ${vip} . ${sp.protocol} . ${port} : goto service-${sp.nftBase}`,
            match: pk => pk.dst === sp.vip && pk.dstPort === port && pk.protocol === sp.protocol,
            target: jump(sp.svcChain, () => this.svc(sp)),
        };
        this.captureCache.set(sp, r);
        return r;
    }

    nodePort(sp: ServicePortInfo, node: Node): Rule {
        const np = sp.nodePort ?? 0;
        return {
            table: 'nat', chain: 'KUBE-NODEPORTS', position: sp.nodePortPosition, by: 'kube-proxy', span: sp.port.nodePortSpan ?? sp.span,
            text: `-A KUBE-NODEPORTS ${p(sp.protocol)} ${comment(sp.name)} -m ${sp.protocol} --dport ${np} -j ${sp.extChain}`,
            nftChain: 'services',
            nft: `ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports  # element ${sp.protocol} . ${np} : goto external-${sp.nftBase}`,
            match: pk => pk.dstPort === np && pk.protocol === sp.protocol,
            target: jump(sp.extChain, () => this.ext(sp, node)),
        };
    }

    /** `KUBE-MARK-MASQ` as a jump target. */
    private toMarkMasq(): Target {
        return jump('KUBE-MARK-MASQ', () => this.markMasq);
    }

    svc(sp: ServicePortInfo): readonly Rule[] {
        let rules = this.svcCache.get(sp);
        if (rules) return rules;
        const out: Rule[] = [];
        const vip = formatIp(sp.vip ?? 0);
        const port = sp.port.port;
        const masqAll = this.model.proxy.masqueradeAll;
        if (sp.vip !== undefined && (masqAll || this.podNet)) {
            const src = masqAll ? '' : `! -s ${this.podNet} `;
            out.push({
                table: 'nat', chain: sp.svcChain, by: 'kube-proxy', span: masqAll ? this.span ?? sp.span : sp.span,
                text: `-A ${sp.svcChain} ${src}-d ${vip}/32 ${p(sp.protocol)} ${comment(`${sp.name} cluster IP`)} -m ${sp.protocol} --dport ${port} -j KUBE-MARK-MASQ`,
                nftChain: `service-${sp.nftBase}`,
                nft: masqAll ? `ip daddr ${vip} ${sp.protocol} dport ${port} jump mark-for-masquerade` : `ip daddr ${vip} ip saddr != ${this.podNet} jump mark-for-masquerade`,
                match: pk => pk.dst === sp.vip && pk.dstPort === port && (masqAll || !this.isPod(pk.src)),
                target: this.toMarkMasq(),
            });
        }
        out.push(...this.balance(sp, sp.svcChain, `service-${sp.nftBase}`, sp.endpoints()));
        rules = number(out);
        this.svcCache.set(sp, rules);
        return rules;
    }

    localEndpoints(sp: ServicePortInfo, node: Node): readonly Endpoint[] {
        return sp.endpoints().filter(e => e.node === node);
    }

    svl(sp: ServicePortInfo, node: Node): readonly Rule[] {
        return number(this.balance(sp, sp.svlChain, `local-${sp.nftBase}`, this.localEndpoints(sp, node)));
    }

    /** Affinity checks, then `statistic --mode random` rules 1/n, 1/(n−1) … and an unconditional last. */
    private balance(sp: ServicePortInfo, chain: string, nftChain: string, eps: readonly Endpoint[]): Rule[] {
        const out: Rule[] = [];
        const n = eps.length;
        const affinity = sp.service.sessionAffinity === 'ClientIP';
        const describe = (i: number) => ({
            description: `${eps[i].text} (${eps[i].chain}, pod ${eps[i].pod.key} on ${eps[i].node.name})`,
            probability: 1 / n,
            rule: affinity
                ? `sessionAffinity ClientIP: the client's first connection picks at random; -m recent --name ${eps[i].chain} --rcheck --seconds 10800 then keeps it on this endpoint`
                : undefined,
        });
        if (affinity) {
            for (const ep of eps) {
                out.push({
                    table: 'nat', chain, by: 'kube-proxy', span: sp.service.origin.span,
                    text: `-A ${chain} ${this.epComment(`${sp.name} -> ${ep.text}`)}-m recent --rcheck --seconds 10800 --reap --name ${ep.chain} --mask 255.255.255.255 --rsource -j ${ep.chain}`,
                    nftChain, nft: `ip saddr @affinity-${ep.nftChain.slice('endpoint-'.length)} goto ${ep.nftChain}`,
                    // A trace follows a connection's first packet: no affinity entry exists yet.
                    match: () => false,
                    target: jump(ep.chain, () => this.sep(sp, ep)),
                });
            }
        }
        const vmap = `numgen random mod ${n} vmap { ${eps.map((e, i) => `${i} : goto ${e.nftChain}`).join(' , ')} }`;
        eps.forEach((ep, i) => {
            const stat = i < n - 1 ? ` -m statistic --mode random --probability ${statisticProbability(1 / (n - i))}` : '';
            out.push({
                table: 'nat', chain, by: 'kube-proxy', span: ep.span,
                text: `-A ${chain} ${this.epComment(`${sp.name} -> ${ep.text}`).trimEnd()}${stat} -j ${ep.chain}`.replace(/ {2,}/g, ' '),
                nftChain, nft: vmap,
                match: (_pk, env) => env.pick(chain, n, describe, affinity) === i,
                target: jump(ep.chain, () => this.sep(sp, ep)),
            });
        });
        return out;
    }

    sep(sp: ServicePortInfo, ep: Endpoint): readonly Rule[] {
        const key = `${sp.name}|${sp.protocol}|${ep.text}`;
        let rules = this.sepCache.get(key);
        if (rules) return rules;
        const affinity = sp.service.sessionAffinity === 'ClientIP';
        const ip = formatIp(ep.ip);
        rules = [
            {
                table: 'nat', chain: ep.chain, position: 1, by: 'kube-proxy', span: ep.span,
                text: `-A ${ep.chain} -s ${ip}/32 ${this.epComment(sp.name)}-j KUBE-MARK-MASQ`,
                nftChain: ep.nftChain, nft: `ip saddr ${ip} jump mark-for-masquerade`,
                match: pk => pk.src === ep.ip, target: this.toMarkMasq(),
            },
            {
                table: 'nat', chain: ep.chain, position: 2, by: 'kube-proxy', span: sp.span,
                text: `-A ${ep.chain} ${p(sp.protocol)} ${this.epComment(sp.name).trimEnd()}${affinity ? ` -m recent --set --name ${ep.chain} --mask 255.255.255.255 --rsource` : ''} -m ${sp.protocol} -j DNAT --to-destination ${ep.text}`.replace(/ {2,}/g, ' '),
                nftChain: ep.nftChain,
                nft: `${affinity ? `update @affinity-${ep.nftChain.slice('endpoint-'.length)} { ip saddr } ` : ''}meta l4proto ${sp.protocol} dnat to ${ep.text}`,
                match: pk => pk.protocol === sp.protocol, target: { kind: 'dnat', ip: ep.ip, port: ep.port },
            },
        ];
        this.sepCache.set(key, rules);
        return rules;
    }

    ext(sp: ServicePortInfo, node: Node): readonly Rule[] {
        const cached = this.extCache.get(sp);
        if (cached) return cached;
        const chain = sp.extChain;
        const nftChain = `external-${sp.nftBase}`;
        const toSvc = jump(sp.svcChain, () => this.svc(sp));
        const out: Rule[] = [];
        if (sp.service.externalTrafficPolicy !== 'Local') {
            out.push({
                table: 'nat', chain, by: 'kube-proxy', span: sp.span,
                text: `-A ${chain} ${comment(`masquerade traffic for ${sp.name} external destinations`)} -j KUBE-MARK-MASQ`,
                nftChain, nft: 'jump mark-for-masquerade', match: ALWAYS, target: this.toMarkMasq(),
            }, {
                table: 'nat', chain, by: 'kube-proxy', span: sp.span,
                text: `-A ${chain} -j ${sp.svcChain}`,
                nftChain, nft: `goto service-${sp.nftBase}`, match: ALWAYS, target: toSvc,
            });
            const rules = number(out);
            this.extCache.set(sp, rules);
            return rules;
        }
        const policySpan = sp.service.origin.span;
        if (this.podNet) {
            out.push({
                table: 'nat', chain, by: 'kube-proxy', span: policySpan,
                text: `-A ${chain} -s ${this.podNet} ${comment(`pod traffic for ${sp.name} external destinations`)} -j ${sp.svcChain}`,
                nftChain, nft: `ip saddr ${this.podNet} goto service-${sp.nftBase} comment "short-circuit pod traffic"`,
                match: pk => this.isPod(pk.src), target: toSvc,
            });
        }
        out.push({
            table: 'nat', chain, by: 'kube-proxy', span: policySpan,
            text: `-A ${chain} ${comment(`masquerade LOCAL traffic for ${sp.name} external destinations`)} -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
            nftChain, nft: 'fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"',
            match: (pk, env) => env.ctx.isLocal(pk.src), target: this.toMarkMasq(),
        }, {
            table: 'nat', chain, by: 'kube-proxy', span: policySpan,
            text: `-A ${chain} ${comment(`route LOCAL traffic for ${sp.name} external destinations`)} -m addrtype --src-type LOCAL -j ${sp.svcChain}`,
            nftChain, nft: `fib saddr type local goto service-${sp.nftBase} comment "short-circuit local traffic"`,
            match: (pk, env) => env.ctx.isLocal(pk.src), target: toSvc,
        });
        if (this.localEndpoints(sp, node).length > 0) {
            out.push({
                table: 'nat', chain, by: 'kube-proxy', span: policySpan,
                text: `-A ${chain} -j ${sp.svlChain}`,
                nftChain, nft: `goto local-${sp.nftBase}`, match: ALWAYS,
                target: jump(sp.svlChain, () => this.svl(sp, node)),
            });
        }
        return number(out);
    }

    rejectClusterIp(sp: ServicePortInfo): Rule {
        const vip = formatIp(sp.vip ?? 0);
        const port = sp.port.port;
        return {
            table: 'filter', chain: 'KUBE-SERVICES', position: sp.servicesPosition, by: 'kube-proxy', span: sp.service.selectorSpan ?? sp.span,
            text: `-A KUBE-SERVICES -d ${vip}/32 ${p(sp.protocol)} ${comment(`${sp.name} has no endpoints`)} -m ${sp.protocol} --dport ${port} -j REJECT --reject-with icmp-port-unreachable`,
            nftChain: 'service-endpoints-check',
            nft: `ip daddr . meta l4proto . th dport vmap @no-endpoint-services  # element ${vip} . ${sp.protocol} . ${port} comment "${sp.name}" : goto reject-chain`,
            match: pk => pk.dst === sp.vip && pk.dstPort === port && pk.protocol === sp.protocol,
            target: { kind: 'reject' }, disposition: 'NO_ENDPOINTS',
        };
    }

    externalFilter(sp: ServicePortInfo, node: Node): Rule | undefined {
        if (sp.nodePort === undefined) return undefined;
        let verdict: 'reject' | 'drop';
        let why: string;
        if (!sp.hasEndpoints) { verdict = 'reject'; why = 'has no endpoints'; }
        else if (sp.service.externalTrafficPolicy === 'Local' && this.localEndpoints(sp, node).length === 0) { verdict = 'drop'; why = 'has no local endpoints'; }
        else return undefined;
        const np = sp.nodePort;
        return {
            table: 'filter', chain: 'KUBE-EXTERNAL-SERVICES', by: 'kube-proxy',
            span: verdict === 'reject' ? sp.service.selectorSpan ?? sp.span : sp.service.origin.span,
            text: `-A KUBE-EXTERNAL-SERVICES ${p(sp.protocol)} ${comment(`${sp.name} ${why}`)} -m addrtype --dst-type LOCAL -m ${sp.protocol} --dport ${np} -j ${verdict === 'reject' ? 'REJECT --reject-with icmp-port-unreachable' : 'DROP'}`,
            nftChain: 'nodeport-endpoints-check',
            nft: `ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports  # element ${sp.protocol} . ${np} comment "${sp.name}" : ${verdict === 'reject' ? 'goto reject-chain' : 'drop'}`,
            match: (pk, env) => this.acceptsNodePorts(node, pk.dst, env.ctx.isLocal) && pk.dstPort === np && pk.protocol === sp.protocol,
            target: { kind: verdict }, disposition: verdict === 'reject' ? 'NO_ENDPOINTS' : 'NO_LOCAL_ENDPOINT',
        };
    }
}

/** Gives each rule its 1-based position in its chain. */
function number(rules: Rule[]): Rule[] {
    return rules.map((r, i) => ({ ...r, position: i + 1 }));
}
