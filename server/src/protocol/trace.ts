/**
 * The trace object of TRACE.md: what the simulator produces for one flow and what the CLI
 * (`knet trace --format json`), the language server's custom request, hovers, CodeLens and
 * the webview all consume. Plain data (JSON-serialisable), declared once, imported on
 * every side.
 */

/** Offsets into the document text (0-based, end exclusive) plus 0-based line/character. */
export interface SourceRange {
    start: { line: number; character: number };
    end: { line: number; character: number };
}

export type Disposition =
    // success
    | 'DELIVERED'
    | 'EXITS_NETWORK'
    // failure
    | 'NO_ROUTE'
    | 'BLACKHOLE'
    | 'UNDERLAY_DROP'
    | 'NEIGHBOR_UNREACHABLE'
    | 'MTU_EXCEEDED'
    | 'NO_ENDPOINTS'
    | 'NO_LOCAL_ENDPOINT'
    | 'LOOP'
    | 'NO_INTERFACE'
    | 'FORWARD_DISABLED'
    | 'FILTERED'
    | 'DENIED';

export const SUCCESS_DISPOSITIONS: readonly Disposition[] = ['DELIVERED', 'EXITS_NETWORK'];

export function isSuccess(d: Disposition): boolean {
    return d === 'DELIVERED' || d === 'EXITS_NETWORK';
}

export type StepKind =
    | 'resolve' | 'originate' | 'route' | 'nat' | 'bridge' | 'veth'
    | 'encap' | 'decap' | 'transmit' | 'deliver' | 'drop';

/** One header of the stack, outermost first in `Packet.headers`. */
export type Header =
    | { kind: 'ethernet'; src?: string; dst?: string; vlan?: number }
    | { kind: 'ipv4'; src: string; dst: string; ttl: number; df: boolean; protocol: number; length: number; id?: number }
    | { kind: 'tcp'; srcPort: number; dstPort: number; flags?: string; mss?: number }
    | { kind: 'udp'; srcPort: number; dstPort: number; length?: number }
    | { kind: 'sctp'; srcPort: number; dstPort: number }
    | { kind: 'icmp'; type: number; code: number; description?: string; mtu?: number }
    | { kind: 'vxlan'; vni: number; flags: string }
    | { kind: 'gre'; key?: number }
    | { kind: 'flannel-udp'; port: number };

export interface Packet {
    headers: Header[];
    /** Length of the outermost IP packet in bytes (what an MTU counts). */
    length: number;
}

/** A field that a step changed (NAT, encapsulation, TTL): drawn highlighted. */
export interface FieldChange {
    /** e.g. "ipv4.dst", "tcp.dstPort", "ipv4.src", "ipv4.ttl" */
    field: string;
    from: string;
    to: string;
}

export interface Step {
    kind: StepKind;
    /** Namespace the step happens in (same as the hop's). */
    namespace: string;
    inDevice?: string;
    outDevice?: string;
    /** One line a network engineer reads: "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink". */
    summary: string;
    /** Longer lines: each iptables rule hit, FDB/neighbour entries used, and so on. */
    details?: string[];
    /** The packet as it is after the step. */
    packet: Packet;
    /** The packet as it was before the step, where the step changed it (NAT, encap, decap). */
    before?: Packet;
    changes?: FieldChange[];
    /** MTU of the device the packet leaves by. */
    mtu?: number;
    /** What decided this step: the route/rule text, e.g. "KUBE-SEP-XYZ: -j DNAT --to-destination 10.244.2.5:80". */
    decidedBy?: string;
    /** Whether what decided it was written in the file or generated (CNI/kube-proxy defaults). */
    generated: boolean;
    /** The declaration that decided it (or the nearest declared parent), for reveal in the editor. */
    source?: SourceRange;
}

export type NamespaceKind = 'pod' | 'node' | 'host' | 'network' | 'outside';

export interface Hop {
    /** Display name of the namespace: a pod, a node's root namespace, an underlay segment. */
    namespace: string;
    kind: NamespaceKind;
    /** For pods: the node they run on. */
    node?: string;
    steps: Step[];
}

export interface Alternative {
    /** What it chose: "10.244.2.5:80 (KUBE-SEP-…)". */
    description: string;
    /** iptables statistic probability, where random; undefined for a scheduler rule. */
    probability?: number;
    /** IPVS scheduler rule or affinity explanation. */
    rule?: string;
    /** Index into the endpoint list: pass as `choice` to trace another branch. */
    choice: number;
    chosen: boolean;
}

export interface FlowInfo {
    name: string;
    /** As written: "busybox3 -> nginx-deployment:80". */
    text: string;
    source: string;
    destination: string;
    /** Addresses after resolution (DNS name → ClusterIP). */
    sourceAddress?: string;
    destinationAddress?: string;
    protocol: 'tcp' | 'udp' | 'sctp' | 'icmp';
    sourcePort?: number;
    destinationPort?: number;
    size: number;
    df: boolean;
    range?: SourceRange;
}

export interface Trace {
    flow: FlowInfo;
    disposition: Disposition;
    /** Where the disposition happened: namespace and device, in words. */
    dispositionAt?: string;
    /** A sentence on why it ended so. */
    dispositionReason: string;
    /** Smallest MTU the packet's inner IP layer met. */
    pathMtu: number;
    hops: Hop[];
    alternatives?: Alternative[];
    reply?: Trace;
}
