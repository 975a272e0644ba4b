/**
 * Netfilter for the packet walk: kube-proxy's rules (iptables, nftables, ipvs, userspace)
 * and the CNI's (flannel ipMasq, Calico natOutgoing) evaluated at a node's hooks.
 *
 * - `runHook(hook, ctx, packet)`: the walk calls it at each hook a connection's first
 *   packet passes in a node's root namespace. The result carries the verdict, the packet
 *   after NAT, every rule hit (iptables-save text, or nft rules in nftables mode), the
 *   endpoints kube-proxy chose among (`alternatives`; `ctx.choice` picks another), and the
 *   disposition when the packet goes no further.
 * - Replies: the nat table is not walked again. Record `conntrackEntry(node, original,
 *   translated)` when a hook changed the packet, and map the reply back with
 *   `reverseNat(entry, reply)` (see conntrack.ts).
 * - `nodeRuleset(model, node, {table})`: the generated rules of one node as text, for
 *   `knet rules`; `serviceRules(model, service, node)`: one Service's rules, for hovers.
 * - `ipvsLocalAddresses(model)`: the ClusterIPs kube-ipvs0 holds in ipvs mode (local
 *   addresses: the route lookup delivers them to INPUT, where IPVS acts).
 *
 * Everything is generated lazily once per ClusterModel (WeakMaps) and indexed by
 * (ClusterIP, port, protocol) and (nodePort, protocol): a hook costs O(rules that match).
 */
import { iptablesHook } from './iptables';
import { ipvsHook } from './ipvs';
import { userspaceHook } from './userspace';
import type { Hook, HookContext, HookResult, PacketView } from './types';

export type { Hook, HookContext, HookResult, PacketView, RuleHit, ConntrackEntry } from './types';
export { conntrackEntry, reverseNat, isReply, isNatted } from './conntrack';
export { ipvsLocalAddresses, IPVS_DEVICE } from './ipvs';
export { nodeRuleset, serviceRules, type RulesetOptions, type TableName } from './ruleset';

export function runHook(hook: Hook, ctx: HookContext, packet: PacketView): HookResult {
    try {
        switch (ctx.model.proxy.mode) {
            case 'nftables': return iptablesHook(hook, ctx, packet, true);
            case 'ipvs': return ipvsHook(hook, ctx, packet);
            case 'userspace': return userspaceHook(hook, ctx, packet);
            default: return iptablesHook(hook, ctx, packet, false);
        }
    } catch (e) {
        // Bad input never crashes a trace: report the hook as passing, with the reason.
        return { verdict: 'ACCEPT', packet, hits: [{ table: 'filter', chain: hook, rule: `# netfilter could not evaluate this hook: ${(e as Error).message}`, by: 'kube-proxy' }] };
    }
}
