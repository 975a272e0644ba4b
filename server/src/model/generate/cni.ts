/**
 * What a CNI daemon programs on each node and in each pod. One implementation per plugin
 * and backend (flannel.ts, calico.ts, bridge.ts); the namespace assembly in
 * `../netns.ts` adds what the kernel derives from addresses.
 */
import type { Ip } from '../address';
import { RouteTable } from '../route-table';
import { type KeyedEntries, NeighborTable, fdbEntries, neighborEntries } from '../neighbor-table';
import type { ClusterModel, FdbEntry, Link, Neighbor, Network, Node, Pod, Route } from '../types';

export interface PodPlumbing {
    /** eth0 MTU (and the host side's) unless the pod declares one. */
    readonly mtu: number;
    /** Prefix length of eth0's address: the node range's (/24) for bridges, /32 for Calico. */
    readonly addressLength: number;
    /** The pod's next hop: cni0's address, or Calico's 169.254.1.1. */
    readonly gateway: Ip;
    /** Bridge the host side is a port of (cni0, cbr0), or none (Calico routes each /32). */
    readonly master?: string;
    /** Routes inside the pod, besides the connected one; built when read (the checks read the MTU of 150,000 pods, not this), a new list each time. */
    readonly routes: Route[];
}

export interface CniGenerator {
    /** Who programs the pods' plumbing (veths, pod routes). */
    readonly author: 'flannel' | 'calico' | 'bridge-cni';
    /** The host side of a pod's veth when the file names none. */
    hostIface(pod: Pod): string;
    /** Devices the daemon creates on `node` (declared links of the same name replace them). */
    nodeLinks(node: Node): Link[];
    /** Main-table routes it programs on `node`, besides the kernel's connected ones. */
    nodeRoutes(node: Node): Route[];
    nodeNeighbors(node: Node): { neighbors: Neighbor[]; fdb: FdbEntry[] };
    /** Addresses its devices hold on `node`, without building the node's namespace. */
    nodeDeviceAddresses(node: Node): { device: string; address: Ip }[];
    /**
     * What `nodeDeviceAddresses` reads besides the node's own declaration, as a key: two
     * generators with the same key give the same node the same addresses. Undefined where
     * they depend on other nodes too (Calico allocates its blocks across the cluster).
     */
    readonly nodeDevicesKey?: string;
    /** The overlay device a packet to another node's pods leaves by, if any (flannel.1, tunl0…). */
    overlayDevice(node: Node): string | undefined;
    pod(pod: Pod): PodPlumbing;
    /** A routed network's route table entries (cloud VPC routes), for `cni bridge` / host-gw on routed networks. */
    networkRoutes(network: Network): Route[];
    /**
     * Where every node holds the same route, neighbour and FDB entry toward each other node
     * (flannel vxlan, Calico ipip Always and vxlan): those entries built once for the whole
     * cluster, so one node's namespace costs its own devices and pods rather than the
     * cluster's size. Undefined where they differ per node (host-gw, bgp, CrossSubnet).
     */
    sharedRemote?(node: Node): SharedRemote | undefined;
    /** With `sharedRemote`: the routes `nodeRoutes` gives that are not toward other nodes. */
    localRoutes?(node: Node): Route[];
}

/** What the nodes of a cluster hold alike about one another. */
export class SharedRemote {
    /** Every node's route as the others hold it, in one table. */
    readonly table: RouteTable;
    /** Neighbour and FDB entries, each node's kept together so that leaving them out is one range. */
    private readonly neighbors: KeyedEntries<Neighbor>;
    private readonly fdb: KeyedEntries<FdbEntry>;
    private readonly about = new Map<Node, { routes: Set<Route>; neighbors: [number, number]; fdb: [number, number] }>();
    private static readonly NO_ROUTES: ReadonlySet<Route> = new Set();

    /** `entries`: per node, what every other node holds toward it. */
    constructor(entries: Iterable<{ node: Node; routes: Route[]; neighbors: Neighbor[]; fdb: FdbEntry[] }>) {
        const routes: Route[] = [], neighbors: Neighbor[] = [], fdb: FdbEntry[] = [];
        for (const e of entries) {
            const n0 = neighbors.length, f0 = fdb.length;
            for (const r of e.routes) routes.push(r);
            for (const n of e.neighbors) neighbors.push(n);
            for (const f of e.fdb) fdb.push(f);
            this.about.set(e.node, { routes: new Set(e.routes), neighbors: [n0, neighbors.length], fdb: [f0, fdb.length] });
        }
        this.table = new RouteTable(routes);
        this.neighbors = neighborEntries(neighbors);
        this.fdb = fdbEntries(fdb);
    }

    /** The routes toward `node` itself, which it does not hold. */
    ownRoutes(node: Node): ReadonlySet<Route> {
        return this.about.get(node)?.routes ?? SharedRemote.NO_ROUTES;
    }

    /** The neighbour and FDB entries `node` holds: everyone's but its own. */
    neighborsOf(node: Node): NeighborTable {
        const own = this.about.get(node);
        return new NeighborTable(this.neighbors, this.fdb, own?.neighbors, own?.fdb);
    }
}

/** The part of the model a generator reads; available before namespaces are built. */
export type CniModel = Pick<ClusterModel, 'nodes' | 'podNetwork' | 'cni' | 'networks'>;

export function primary(node: Node): { address: Ip; nic: string; network: Network } | undefined {
    const a = node.addresses[0];
    return a ? { address: a.address, nic: a.nic, network: a.network } : undefined;
}

/** Pods that get their own veth (not hostNetwork, not `network none`). */
export function plumbedPods(node: Node): Pod[] {
    return node.pods.filter(p => !p.hostNetwork && !p.noNetwork);
}
