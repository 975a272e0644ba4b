/**
 * The network model: one cluster as its nodes' kernels hold it. Built once per document
 * version from the AST (see `build.ts`) and shared by the checks, hovers, the simulator,
 * the CLI and the lab. Plain data: nothing here refers to Langium or the editor.
 *
 * Declared things carry `origin.generated === false` and the span of their declaration;
 * everything a daemon would have programmed (flanneld, Calico, kube-proxy, the kernel
 * itself) carries `generated: true` and says who made it.
 */
import type { Cidr, Ip } from './address';
import type { RouteTable } from './route-table';
import type { AddressLookup } from './address-table';
import type { NeighborTable } from './neighbor-table';
import type { SourceRange } from '../protocol/trace';

/** Offsets into the document text, 0-based, end exclusive. */
export interface Span {
    readonly start: number;
    readonly end: number;
}

/** Who put a thing there. */
export type Author =
    | 'file'          // declared in the .knet file
    | 'kernel'        // connected and local routes the kernel adds for an address
    | 'kubelet'       // the node's NIC and default route as a standard install has them
    | 'flannel'
    | 'calico'
    | 'bridge-cni'    // the bridge CNI plugin (cni0, cbr0, veths)
    | 'kube-proxy'
    | 'cloud';        // a routed network's route table

export interface Origin {
    readonly generated: boolean;
    readonly by: Author;
    /** The declaration: for generated items, the one that caused them (the node, the cni line). */
    readonly span?: Span;
    /** The AST node behind the declaration; opaque outside the language layer. */
    readonly ast?: unknown;
}

export type LinkKind = 'nic' | 'bridge' | 'veth' | 'vxlan' | 'ipip' | 'tun' | 'vlan' | 'gre' | 'dummy' | 'loopback';
export const LINK_KINDS: readonly LinkKind[] = ['nic', 'bridge', 'veth', 'vxlan', 'ipip', 'tun', 'vlan', 'gre', 'dummy'];

export interface Link {
    readonly name: string;
    readonly kind: LinkKind;
    readonly mtu: number;
    /** Own addresses with their prefix (10.244.1.1/24), as `ip addr` shows them. */
    readonly addresses: readonly Cidr[];
    /** The bridge this device is a port of. */
    readonly master?: string;
    /** veth: the namespace and device at the other end. */
    readonly peer?: { readonly namespace: string; readonly device: string };
    readonly vni?: number;
    /** vxlan/flannel-udp destination port. */
    readonly port?: number;
    /** The parent device (`dev` of a vxlan/vlan/ipip link). */
    readonly parent?: string;
    readonly vlanId?: number;
    readonly local?: Ip;
    readonly remote?: Ip;
    /** nic: the underlay network the device is plugged into. */
    readonly network?: string;
    /** A bridge answers ARP for any address (Calico's cali* host side, proxy_arp=1). */
    readonly proxyArp?: boolean;
    readonly origin: Origin;
    /** Spans of the written attributes (declared links only), for diagnostics on the exact token. */
    readonly spans?: {
        readonly name?: Span; readonly kind?: Span; readonly mtu?: Span; readonly master?: Span;
        readonly parent?: Span; readonly vni?: Span; readonly port?: Span; readonly peer?: Span;
        /** One per entry of `addresses`, in order. */
        readonly addresses?: readonly (Span | undefined)[];
    };
}

export type RouteType = 'unicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'local' | 'broadcast' | 'throw';

export interface Nexthop {
    readonly gateway?: Ip;
    readonly dev?: string;
    readonly weight: number;
    readonly onlink: boolean;
    readonly dead: boolean;
    readonly linkdown: boolean;
    readonly span?: Span;
}

export interface Route {
    readonly type: RouteType;
    readonly destination: Cidr;
    /** True when written `default`, so it prints that way. */
    readonly isDefault: boolean;
    readonly gateway?: Ip;
    readonly dev?: string;
    readonly proto?: string;
    readonly scope?: string;
    readonly src?: Ip;
    readonly metric?: number;
    /** 'main' unless the line says otherwise (local routes live in 'local'). */
    readonly table: string;
    readonly mtu?: number;
    readonly mtuLocked?: boolean;
    readonly pref?: string;
    readonly expires?: string;
    readonly onlink: boolean;
    readonly linkdown: boolean;
    readonly dead: boolean;
    readonly nexthops?: readonly Nexthop[];
    readonly origin: Origin;
    /** Spans of the attributes, for diagnostics on the exact token (declared routes only). */
    readonly spans?: {
        readonly destination?: Span;
        readonly gateway?: Span;
        readonly dev?: Span;
        readonly src?: Span;
    };
}

/** A permanent neighbour entry (`ip neigh`), e.g. flanneld's VTEP MAC for a remote node. */
export interface Neighbor {
    readonly address: Ip;
    readonly mac: string;
    readonly dev: string;
    readonly origin: Origin;
}

/** A bridge/VXLAN forwarding entry (`bridge fdb`): MAC → remote VTEP address. */
export interface FdbEntry {
    readonly mac: string;
    readonly dev: string;
    readonly dst: Ip;
    readonly origin: Origin;
}

export interface Sysctls {
    /** net.ipv4.ip_forward */
    readonly ipForward: boolean;
    /** net.bridge.bridge-nf-call-iptables */
    readonly bridgeNfCallIptables: boolean;
    /** net.ipv4.conf.all.rp_filter (0 off, 1 strict, 2 loose), taken as the effective value */
    readonly rpFilter: 0 | 1 | 2;
}

export type NetnsKind = 'pod' | 'node' | 'host';

/**
 * One network namespace as the kernel holds it: devices, routing tables (local is looked
 * up before main), neighbour and FDB entries, the sysctls that change a packet's path.
 */
export interface Netns {
    /** Unique across the cluster: "node:node01", "pod:default/web", "host:client". */
    readonly id: string;
    readonly kind: NetnsKind;
    readonly name: string;
    readonly links: ReadonlyMap<string, Link>;
    readonly local: RouteTable;
    readonly main: RouteTable;
    /** Other tables by name or number, when declared. */
    readonly tables: ReadonlyMap<string, RouteTable>;
    /** True when the main table was declared (`routes { … }`) rather than generated. */
    readonly routesDeclared: boolean;
    /** Neighbour and FDB entries (`ip neigh`, `bridge fdb`). */
    readonly neigh: NeighborTable;
    readonly sysctls: Sysctls;
}

export type CniPlugin = 'flannel' | 'calico' | 'bridge' | 'none';
export type CniBackend = 'vxlan' | 'udp' | 'host-gw' | 'ipip' | 'bgp' | 'none';
export type IpipMode = 'Always' | 'CrossSubnet' | 'Never';

export interface CniConfig {
    readonly plugin: CniPlugin;
    readonly backend: CniBackend;
    /** flannel vxlan VNI (1) or Calico vxlan VNI (4096). */
    readonly vni: number;
    /** vxlan 8472 (flannel) / 4789 (Calico), flannel udp 8285. */
    readonly port: number;
    readonly ipMasq: boolean;
    readonly blockSize: number;
    readonly ipipMode: IpipMode;
    readonly natOutgoing: boolean;
    /** Encapsulation overhead in bytes (VXLAN 50, UDP 28, IPIP 20, none 0). */
    readonly overhead: number;
    readonly origin: Origin;
}

export type ProxyMode = 'iptables' | 'nftables' | 'ipvs' | 'userspace';
export type IpvsScheduler = 'rr' | 'lc' | 'dh' | 'sh' | 'sed' | 'nq';

export interface ProxyConfig {
    readonly mode: ProxyMode;
    readonly masqueradeAll: boolean;
    readonly scheduler: IpvsScheduler;
    readonly origin: Origin;
}

export type NetworkKind = 'l2' | 'routed';

/** An underlay segment: an L2 network with a gateway, or a routed cloud VPC. */
export interface Network {
    readonly name: string;
    readonly cidr: Cidr;
    readonly mtu: number;
    /** True when `mtu` was written. */
    readonly mtuDeclared: boolean;
    readonly gateway?: Ip;
    readonly kind: NetworkKind;
    readonly routeLimit?: number;
    readonly origin: Origin;
    readonly spans: { readonly name?: Span; readonly cidr?: Span; readonly mtu?: Span; readonly gateway?: Span; readonly routeLimit?: Span };
}

/** A node's address on an underlay network. */
export interface NodeAddress {
    readonly address: Ip;
    /** The prefix length (written, or the network's). */
    readonly length: number;
    readonly network: Network;
    readonly nic: string;
    readonly spans: { readonly address?: Span; readonly network?: Span; readonly nic?: Span };
}

export interface Node {
    readonly name: string;
    readonly origin: Origin;
    readonly nameSpan?: Span;
    /** The first address is the node's InternalIP. */
    readonly addresses: readonly NodeAddress[];
    readonly podCidr?: Cidr;
    readonly podCidrSpan?: Span;
    /** Calico IPAM blocks (declared or allocated in order from the pod network). */
    readonly blocks: readonly Cidr[];
    readonly blockSpans: readonly (Span | undefined)[];
    readonly blocksDeclared: boolean;
    /** Links as written in the file (they replace generated ones of the same name). */
    readonly declaredLinks: readonly Link[];
    /** The declared main-table routes, when the node has a `routes` block. */
    readonly declaredRoutes?: readonly Route[];
    readonly routesSpan?: Span;
    readonly sysctls: Sysctls;
    readonly pods: readonly Pod[];
    /** Its root namespace with the generated state applied; built on first use, then kept. */
    netns(): Netns;
}

export interface Container {
    readonly name: string;
    readonly port: number;
}

export interface Pod {
    readonly name: string;
    readonly namespace: string;
    /** "namespace/name" */
    readonly key: string;
    readonly node: Node;
    readonly address?: Ip;
    readonly addressSpan?: Span;
    readonly nameSpan?: Span;
    readonly mtu?: number;
    readonly mtuSpan?: Span;
    /** The host-side veth (declared with `iface`, or the stable generated name). */
    readonly hostIface: string;
    readonly hostIfaceDeclared: boolean;
    readonly labels: ReadonlyMap<string, string>;
    readonly hostNetwork: boolean;
    readonly noNetwork: boolean;
    readonly hostPort?: { readonly host: number; readonly container: number };
    readonly containers: readonly Container[];
    readonly declaredRoutes?: readonly Route[];
    readonly origin: Origin;
    /** Its own namespace (for a hostNetwork pod: its node's). Built on first use. */
    netns(): Netns;
}

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer';
export type Protocol = 'tcp' | 'udp' | 'sctp';

export interface ServicePort {
    readonly port: number;
    readonly protocol: Protocol;
    /** A number, or a named container port. */
    readonly targetPort: number | string;
    readonly nodePort?: number;
    readonly span?: Span;
    readonly nodePortSpan?: Span;
}

export interface Service {
    readonly name: string;
    readonly namespace: string;
    readonly key: string;
    readonly type: ServiceType;
    /** undefined when none was given or the service is headless. */
    readonly clusterIP?: Ip;
    readonly clusterIPSpan?: Span;
    readonly headless: boolean;
    readonly ports: readonly ServicePort[];
    readonly selector?: ReadonlyMap<string, string>;
    readonly selectorSpan?: Span;
    /** Endpoints: the pods the selector matches (or the explicit list), ready ones only. */
    readonly endpoints: readonly Pod[];
    readonly externalTrafficPolicy: 'Cluster' | 'Local';
    readonly sessionAffinity: 'None' | 'ClientIP';
    readonly origin: Origin;
    readonly nameSpan?: Span;
}

export interface Host {
    readonly name: string;
    readonly address: Ip;
    readonly addressSpan?: Span;
    /** The network it sits on; undefined: beyond the gateway (the outside world). */
    readonly network?: Network;
    readonly origin: Origin;
    netns(): Netns;
}

/** The source of a flow. */
export type FlowSource =
    | { readonly kind: 'pod'; readonly pod: Pod; readonly container?: string }
    | { readonly kind: 'node'; readonly node: Node }
    | { readonly kind: 'host'; readonly host: Host };

/** The destination of a flow, as written and resolved. */
export type FlowTarget =
    | { readonly kind: 'pod'; readonly pod: Pod }
    | { readonly kind: 'service'; readonly service: Service; readonly dnsName?: string }
    | { readonly kind: 'node'; readonly node: Node }
    | { readonly kind: 'host'; readonly host: Host }
    | { readonly kind: 'address'; readonly address: Ip };

export interface Flow {
    /** The name given, or `SRC -> DST:PORT/PROTO`. */
    readonly name: string;
    readonly named: boolean;
    /** The flow as written, without its name. */
    readonly text: string;
    readonly source?: FlowSource;
    readonly target?: FlowTarget;
    /** Source and destination as written. */
    readonly sourceText: string;
    readonly targetText: string;
    readonly protocol: Protocol | 'icmp';
    readonly port?: number;
    /** The whole IP packet in bytes, if given. */
    readonly size?: number;
    readonly df: boolean;
    readonly origin: Origin;
    readonly spans: { readonly name?: Span; readonly source?: Span; readonly target?: Span; readonly size?: Span };
}

/** Who owns an address in the cluster (pods, nodes, hosts, gateways, ClusterIPs, tunnels). */
export type AddressOwner =
    | { readonly kind: 'pod'; readonly pod: Pod }
    | { readonly kind: 'node'; readonly node: Node; readonly device: string }
    | { readonly kind: 'host'; readonly host: Host }
    | { readonly kind: 'gateway'; readonly network: Network }
    | { readonly kind: 'service'; readonly service: Service };

export interface ClusterModel {
    readonly name: string;
    readonly podNetwork?: Cidr;
    readonly podNetworkSpan?: Span;
    readonly serviceNetwork?: Cidr;
    readonly serviceNetworkSpan?: Span;
    readonly clusterDomain: string;
    readonly nodePortRange: { readonly from: number; readonly to: number; readonly span?: Span };
    readonly cni: CniConfig;
    readonly proxy: ProxyConfig;
    readonly networks: readonly Network[];
    readonly nodes: readonly Node[];
    readonly pods: readonly Pod[];
    readonly services: readonly Service[];
    readonly hosts: readonly Host[];
    readonly flows: readonly Flow[];

    readonly networkByName: ReadonlyMap<string, Network>;
    readonly nodeByName: ReadonlyMap<string, Node>;
    /** By "namespace/name". */
    /** By "namespace/name". */
    readonly podByKey: { get(key: string): Pod | undefined; has(key: string): boolean };
    readonly serviceByKey: ReadonlyMap<string, Service>;
    readonly hostByName: ReadonlyMap<string, Host>;
    readonly flowByName: ReadonlyMap<string, Flow>;
    /** The first owner of each routed address (duplicates are reported by the checks). */
    readonly owners: AddressLookup<AddressOwner>;
    /** Addresses more than one of those claims (where duplicate-address has something to look at). */
    readonly contested: ReadonlySet<Ip>;
    /** Every namespace built so far or on demand, by id. */
    netns(id: string): Netns | undefined;
    /** Line/character of a span in the document, for traces and diagnostics. */
    rangeOf(span: Span): SourceRange;
    /** Where text inserted after `offset` keeps the line's trailing comment before it: the line's end when only blanks and a comment follow, else `offset`. */
    afterTrailingComment(offset: number): number;
}
