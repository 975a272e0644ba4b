/**
 * The contract between the packet walk (`server/src/sim/walk*.ts`) and netfilter
 * (`server/src/sim/netfilter/`): kube-proxy's rules (iptables, nftables, ipvs, userspace)
 * and the CNI's masquerade rules, evaluated at a node's hooks as the kernel would.
 *
 * The walk calls `runHook` at each hook a packet passes in a node's root namespace;
 * netfilter answers with the verdict, the packet after NAT, every rule hit (for the trace's
 * `nat` step), and the load-balancing alternatives where it chose among endpoints.
 */
import type { Ip } from '../../model/address';
import type { ClusterModel, Node, Span } from '../../model/types';
import type { Alternative } from '../../protocol/trace';

export type L4Protocol = 'tcp' | 'udp' | 'sctp' | 'icmp';

/** The five-tuple (and mark) netfilter matches on. */
export interface PacketView {
    readonly src: Ip;
    readonly dst: Ip;
    readonly protocol: L4Protocol;
    readonly srcPort?: number;
    readonly dstPort?: number;
    /** skb mark (KUBE-MARK-MASQ sets 0x4000). */
    readonly mark: number;
}

export type Hook = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

export interface HookContext {
    readonly model: ClusterModel;
    /** The node whose root namespace the packet is in (hostNetwork pods use their node's). */
    readonly node: Node;
    readonly inDev?: string;
    readonly outDev?: string;
    /** The address MASQUERADE would take: the primary address of outDev (set for POSTROUTING). */
    readonly outDevAddress?: Ip;
    /** True while a frame is bridged (br_netfilter: bridge-nf-call-iptables). */
    readonly bridged?: boolean;
    /** Which endpoint to follow where kube-proxy balances (index into the alternatives); default 0. */
    readonly choice?: number;
    /** True when `ip` is local to this node (table local), for `-m addrtype --dst-type LOCAL`. */
    isLocal(ip: Ip): boolean;
}

/** One rule that matched, as `iptables -t nat -S` would print it (or the nft/ipvs equivalent). */
export interface RuleHit {
    readonly table: 'nat' | 'filter' | 'mangle' | 'ipvs' | 'userspace';
    readonly chain: string;
    /** e.g. "-A KUBE-SVC-XYZ -m statistic --mode random --probability 0.5 -j KUBE-SEP-ABC" */
    readonly rule: string;
    /** Who wrote it: kube-proxy, flannel, calico, or the file. */
    readonly by: 'kube-proxy' | 'flannel' | 'calico' | 'file';
    /** The declaration behind it (the service, its port line, the cni line) for reveal in the editor. */
    readonly span?: Span;
    /** 1-based position in its chain (`iptables -L CHAIN --line-numbers`), where known. */
    readonly position?: number;
}

export interface HookResult {
    readonly verdict: 'ACCEPT' | 'DROP' | 'REJECT';
    /** The packet after this hook (DNAT/SNAT/REDIRECT/mark applied). */
    readonly packet: PacketView;
    readonly hits: readonly RuleHit[];
    readonly dnat?: { readonly to: Ip; readonly port?: number };
    readonly snat?: { readonly to: Ip; readonly port?: number; readonly masquerade: boolean };
    /** REJECT: what the sender hears back (kube-proxy: ICMP port unreachable). */
    readonly reject?: { readonly icmpType: number; readonly icmpCode: number; readonly description: string };
    /** Where kube-proxy chose among endpoints (iptables random, ipvs scheduler, affinity). */
    readonly alternatives?: readonly Alternative[];
    /** userspace mode: the packet was REDIRECTed to kube-proxy, which opens a new connection. */
    readonly redirectedToProxy?: { readonly port: number; readonly endpoint: Ip; readonly endpointPort: number };
    /** ipvs: the virtual server and real server chosen (acts at LOCAL_IN after the route lookup). */
    readonly ipvs?: { readonly virtualServer: string; readonly scheduler: string; readonly realServer: string };
    /** The disposition to report when the verdict is not ACCEPT. */
    readonly disposition?: 'NO_ENDPOINTS' | 'NO_LOCAL_ENDPOINT' | 'FILTERED' | 'DENIED';
}

/** A connection as conntrack holds it, to un-NAT the reply. */
export interface ConntrackEntry {
    readonly original: PacketView;
    /** The tuple the reply will carry (src/dst swapped and NAT reversed). */
    readonly reply: PacketView;
    readonly node: string;
}
