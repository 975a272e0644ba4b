/**
 * The iptables rules a node holds (kube-proxy's nat and filter chains, the CNI's masquerade
 * and forward rules) as `iptables-restore` input, from the very rules the simulator walks
 * (`sim/netfilter`), so the kernel runs what the trace reasons about. In iptables mode it
 * is netfilter's own export (`nodeRuleset`); for the other modes, which this kernel cannot
 * run as such, the same rule objects assembled here as their iptables equivalents.
 */
import { formatPrefix } from '../model/address';
import { servicePorts } from '../model/generate/kube-proxy/service-ports';
import type { ClusterModel, Node } from '../model/types';
import { cniChains } from '../sim/netfilter/cni-chains';
import { baseChains } from '../sim/netfilter/iptables';
import { kubeProxyChains } from '../sim/netfilter/kube-proxy-chains';
import type { Rule } from '../sim/netfilter/rule';
import { nodeRuleset } from '../sim/netfilter/ruleset';

export interface NatRuleset {
    /** iptables-restore input for a node, or undefined when the lab loads none for it. */
    readonly forNode?: (node: Node) => string;
    /** Why the lab loads no rules, or loads stand-ins (proxy modes it cannot build). */
    readonly reason?: string;
    /** True when service flows cannot be reproduced (ipvs, userspace). */
    readonly servicesUnsupported?: string;
}

const BUILTIN = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

export function natRuleset(model: ClusterModel): NatRuleset {
    switch (model.proxy.mode) {
        case 'ipvs':
            return {
                forNode: node => iptablesRestore(model, node),
                reason: 'kube-proxy ipvs: this kernel has no ip_vs module here, so only the CNI rules are loaded and flows to services are skipped',
                servicesUnsupported: 'kube-proxy ipvs needs the ip_vs module, which this kernel lacks here',
            };
        case 'userspace':
            return {
                forNode: node => iptablesRestore(model, node),
                reason: 'kube-proxy userspace: the lab runs no kube-proxy process to take REDIRECTed connections; flows to services are skipped',
                servicesUnsupported: 'kube-proxy userspace mode proxies in a user-space process the lab does not run',
            };
        case 'nftables':
            return {
                forNode: node => iptablesRestore(model, node),
                reason: 'kube-proxy nftables: the lab loads the iptables-mode rules, which make the same decisions',
            };
        default:
            return { forNode: node => nodeRuleset(model, node) };
    }
}

/**
 * The ipsets the rules match on, as `ipset restore` input: Felix keeps the IP pools in
 * `cali40masq-ipam-pools` (pools with natOutgoing) and `cali40all-ipam-pools` (all pools).
 */
export function ipsetRestore(model: ClusterModel): string | undefined {
    if (model.cni.plugin !== 'calico' || !model.podNetwork) return undefined;
    const pool = formatPrefix(model.podNetwork);
    const lines = ['create cali40all-ipam-pools hash:net family inet', `add cali40all-ipam-pools ${pool}`, 'create cali40masq-ipam-pools hash:net family inet'];
    if (model.cni.natOutgoing) lines.push(`add cali40masq-ipam-pools ${pool}`);
    return lines.join('\n') + '\n';
}

/** The nat and filter tables of `node` as iptables-save prints them, kube-proxy's in their iptables form whatever the mode. */
export function iptablesRestore(model: ClusterModel, node: Node): string {
    const base = baseChains(model, node);
    const services = model.proxy.mode === 'iptables' || model.proxy.mode === 'nftables';
    const kp = kubeProxyChains(model);
    const cni = cniChains(model, node);
    const nat = new Table();
    const filter = new Table();

    const skipProxy = (r: Rule) => !services && r.by === 'kube-proxy';
    for (const r of base.nat.PREROUTING) if (!skipProxy(r)) nat.add(r);
    for (const r of base.nat.OUTPUT) if (!skipProxy(r)) nat.add(r);
    for (const r of base.nat.POSTROUTING) if (!skipProxy(r)) nat.add(r);
    for (const r of base.filter.INPUT) if (!skipProxy(r)) filter.add(r);
    for (const r of base.filter.FORWARD) if (!skipProxy(r)) filter.add(r);
    for (const r of base.filter.OUTPUT) if (!skipProxy(r)) filter.add(r);
    for (const { table, rules } of cni.chains.values()) {
        const t = table === 'nat' ? nat : filter;
        for (const r of rules) t.add(r);
    }
    if (services) {
        const ports = servicePorts(model).ports;
        nat.declare('KUBE-SERVICES'); nat.declare('KUBE-NODEPORTS'); nat.declare('KUBE-POSTROUTING'); nat.declare('KUBE-MARK-MASQ');
        filter.declare('KUBE-SERVICES'); filter.declare('KUBE-EXTERNAL-SERVICES');
        for (const sp of ports) if (sp.hasEndpoints && sp.vip !== undefined) nat.add(kp.capture(sp));
        nat.add(kp.nodePortsJump(node));
        for (const sp of ports) if (sp.hasEndpoints && sp.nodePort !== undefined) nat.add(kp.nodePort(sp, node));
        for (const sp of ports) {
            if (!sp.hasEndpoints) continue;
            for (const r of kp.svc(sp)) nat.add(r);
            for (const ep of sp.endpoints()) for (const r of kp.sep(sp, ep)) nat.add(r);
            if (sp.nodePort !== undefined) {
                for (const r of kp.ext(sp, node)) nat.add(r);
                if (sp.service.externalTrafficPolicy === 'Local' && kp.localEndpoints(sp, node).length > 0) {
                    for (const r of kp.svl(sp, node)) nat.add(r);
                }
            }
        }
        for (const r of kp.markMasq) nat.add(r);
        for (const r of kp.postrouting) nat.add(r);
        for (const sp of ports) if (!sp.hasEndpoints && sp.vip !== undefined) filter.add(kp.rejectClusterIp(sp));
        for (const sp of ports) {
            const r = kp.externalFilter(sp, node);
            if (r) filter.add(r);
        }
        for (const rules of base.fixed.values()) for (const r of rules) filter.add(r);
    }
    return `*nat\n${nat.text()}COMMIT\n*filter\n${filter.text()}COMMIT\n`;
}

/** One table's chains in first-seen order; each rule once (shared chains are reached from several places). */
class Table {
    private readonly chains = new Map<string, string[]>();
    private readonly seen = new Set<string>();

    declare(chain: string): void {
        if (!this.chains.has(chain)) this.chains.set(chain, []);
    }

    add(rule: Rule): void {
        this.declare(rule.chain);
        if (rule.target.kind === 'jump') this.declare(rule.target.chain);
        if (this.seen.has(rule.text)) return;
        this.seen.add(rule.text);
        this.chains.get(rule.chain)!.push(rule.text);
    }

    text(): string {
        let out = '';
        for (const chain of this.chains.keys()) out += BUILTIN.has(chain) ? `:${chain} ACCEPT [0:0]\n` : `:${chain} - [0:0]\n`;
        for (const rules of this.chains.values()) for (const r of rules) out += r + '\n';
        return out;
    }
}
