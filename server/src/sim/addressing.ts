/**
 * What the kernel answers about addresses inside one namespace: is it local (table local,
 * plus kube-ipvs0's ClusterIPs in ipvs mode), which source address a route gives, who
 * answers ARP for a next hop on a segment, and the per-model lookups the walk needs
 * (a routed network's table, the node that leased a pod range) built once per model.
 */
import { type Cidr, type Ip, cidr, contains } from '../model/address';
import { cniGenerator } from '../model/generate';
import { route as makeRoute } from '../model/netns';
import { RouteTable } from '../model/route-table';
import type { ClusterModel, Link, Netns, Network, Node, Pod, Route } from '../model/types';
import { IPVS_DEVICE, ipvsLocalAddresses } from './netfilter';


/** The local route for `ip`, as `ip route get` finds it in table local (local or broadcast). */
export function localRoute(model: ClusterModel, ns: Netns, ip: Ip): Route | undefined {
    const r = ns.local.lookup(ip);
    if (r && (r.type === 'local' || r.type === 'broadcast') && (r.destination.length === 32 || r.type === 'local')) return r;
    // kube-ipvs0 holds every ClusterIP in ipvs mode; the model's node namespace may not list it.
    if (ns.kind === 'node' && model.proxy.mode === 'ipvs' && !ns.links.has(IPVS_DEVICE) && ipvsLocalAddresses(model).has(ip)) {
        return ipvsLocal(model, ip);
    }
    return undefined;
}

const ipvsRoutes = new WeakMap<ClusterModel, Map<Ip, Route>>();

/** kube-proxy (ipvs) binds every ClusterIP to kube-ipvs0, so table local holds them. */
function ipvsLocal(model: ClusterModel, ip: Ip): Route {
    let m = ipvsRoutes.get(model);
    if (!m) ipvsRoutes.set(model, m = new Map());
    let r = m.get(ip);
    if (!r) {
        const owner = model.owners.get(ip);
        r = makeRoute({
            type: 'local', destination: cidr(ip, 32), dev: IPVS_DEVICE, table: 'local', proto: 'kernel', scope: 'host', src: ip,
            origin: { generated: true, by: 'kube-proxy', span: owner?.kind === 'service' ? owner.service.origin.span : model.proxy.origin.span },
        });
        m.set(ip, r);
    }
    return r;
}

export function isLocal(model: ClusterModel, ns: Netns, ip: Ip): boolean {
    const r = localRoute(model, ns, ip);
    return r !== undefined && r.type === 'local';
}

/** The primary address of a device (the first `ip addr` lists). */
export function primaryAddress(link: Link | undefined): Ip | undefined {
    return link?.addresses[0]?.address;
}

/**
 * Source address selection for a packet the namespace itself sends: the route's `src`,
 * else the primary address of the device it leaves by, else (a device without
 * addresses) the first global address of the namespace, as inet_select_addr falls back.
 */
export function sourceAddress(ns: Netns, r: Route | undefined, dev: string | undefined): Ip | undefined {
    if (r?.src !== undefined) return r.src;
    const own = primaryAddress(dev ? ns.links.get(dev) : undefined);
    if (own !== undefined) return own;
    for (const l of ns.links.values()) {
        if (l.kind === 'loopback') continue;
        const a = primaryAddress(l);
        if (a !== undefined) return a;
    }
    return undefined;
}

/** The address an answer from this namespace to `to` would carry (ICMP errors: the route back's source). */
export function replySource(model: ClusterModel, ns: Netns, to: Ip): Ip | undefined {
    const local = localRoute(model, ns, to);
    if (local) return to;
    const r = ns.main.lookup(to);
    return sourceAddress(ns, r, r?.dev ?? r?.nexthops?.[0]?.dev);
}

/** The pod behind a bridge port of `node` that owns `ip`, if any. */
export function podOnBridge(model: ClusterModel, node: Node, bridge: string, ip: Ip): { pod: Pod; port: Link } | undefined {
    const owner = model.owners.get(ip);
    if (owner?.kind !== 'pod') return undefined;
    const pod = owner.pod;
    if (pod.node !== node || pod.hostNetwork || pod.noNetwork) return undefined;
    const port = node.netns().links.get(pod.hostIface);
    return port && port.master === bridge ? { pod, port } : undefined;
}

/** The node whose address on `network` is `ip`, with the NIC it sits on. */
export function nodeOnNetwork(model: ClusterModel, network: Network, ip: Ip): { node: Node; nic: string } | undefined {
    const owner = model.owners.get(ip);
    const candidates: Node[] = owner?.kind === 'node' ? [owner.node] : [];
    for (const node of candidates) {
        const a = node.addresses.find(x => x.address === ip && x.network === network);
        if (a) return { node, nic: a.nic };
    }
    return undefined;
}

interface ModelIndex {
    networkTables: Map<Network, RouteTable>;
    /** Pod ranges (podCIDR or blocks) → node, sorted by network for a binary search. */
    ranges: { range: Cidr; node: Node }[];
}

const indexes = new WeakMap<ClusterModel, ModelIndex>();

function index(model: ClusterModel): ModelIndex {
    let ix = indexes.get(model);
    if (!ix) {
        const ranges: { range: Cidr; node: Node }[] = [];
        for (const node of model.nodes) {
            if (node.podCidr) ranges.push({ range: node.podCidr, node });
            for (const b of node.blocks) ranges.push({ range: b, node });
        }
        ranges.sort((a, b) => a.range.network - b.range.network || b.range.length - a.range.length);
        ix = { networkTables: new Map(), ranges };
        indexes.set(model, ix);
    }
    return ix;
}

/** A routed network's route table (the cloud's routes toward node ranges), built on first use. */
export function networkTable(model: ClusterModel, network: Network): RouteTable {
    const ix = index(model);
    let t = ix.networkTables.get(network);
    if (!t) {
        let routes: Route[] = [];
        try {
            routes = cniGenerator(model).networkRoutes(network);
        } catch {
            routes = [];
        }
        ix.networkTables.set(network, t = new RouteTable(routes));
    }
    return t;
}

/** The node whose pod range (flannel lease or Calico block) holds `ip`: what flanneld's subnet lookup answers. */
export function nodeLeasing(model: ClusterModel, ip: Ip): Node | undefined {
    const ranges = index(model).ranges;
    let lo = 0, hi = ranges.length - 1, found = -1;
    while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (ranges[mid].range.network <= ip) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    // Ranges are disjoint in a valid file; look back a few for nested ones in a broken one.
    for (let i = found; i >= 0 && i > found - 8; i--) if (contains(ranges[i].range, ip)) return ranges[i].node;
    return undefined;
}

/** True when `ip` is inside the cluster's own ranges (pods, services): what an underlay gateway does not route. */
export function clusterInternal(model: ClusterModel, ip: Ip): boolean {
    return (model.podNetwork !== undefined && contains(model.podNetwork, ip))
        || (model.serviceNetwork !== undefined && contains(model.serviceNetwork, ip))
        || nodeLeasing(model, ip) !== undefined;
}

/** The model network whose range holds `ip`. */
export function networkHolding(model: ClusterModel, ip: Ip): Network | undefined {
    let best: Network | undefined;
    for (const n of model.networks) if (contains(n.cidr, ip) && (!best || n.cidr.length > best.cidr.length)) best = n;
    return best;
}
