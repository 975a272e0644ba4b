/**
 * flanneld and the bridge plugin it delegates to: vxlan (flannel.VNI, a route, a neighbour
 * and an FDB entry per other node), udp (TUN flannel0 and flanneld in user space), host-gw
 * (a route via each other node on the shared L2 network).
 */
import { type Ip, cidr } from '../address';
import { macFor, vethName } from '../names';
import { defaultRoute, firstHost, route } from '../netns';
import { derivedOrigin } from '../origin';
import type { FdbEntry, Link, Neighbor, Network, Node, Origin, Pod, Route } from '../types';
import { type CniGenerator, type CniModel, type PodPlumbing, SharedRemote, plumbedPods, primary } from './cni';

export const FLANNEL_VXLAN_OVERHEAD = 50;
export const FLANNEL_UDP_OVERHEAD = 28;

export class Flannel implements CniGenerator {
    readonly author = 'bridge-cni' as const;

    hostIface(pod: Pod): string {
        return vethName(pod.key);
    }

    private readonly origin: Origin;

    constructor(private readonly model: CniModel) {
        this.origin = derivedOrigin('flannel', model.cni.origin);
    }

    private get backend(): 'vxlan' | 'udp' | 'host-gw' {
        const b = this.model.cni.backend;
        return b === 'udp' || b === 'host-gw' ? b : 'vxlan';
    }

    get device(): string {
        return this.backend === 'udp' ? 'flannel0' : `flannel.${this.model.cni.vni}`;
    }

    /** The MTU flanneld computes and hands the pods (subnet.env FLANNEL_MTU). */
    mtu(node: Node): number {
        const net = primary(node)?.network.mtu ?? 1500;
        return net - this.model.cni.overhead;
    }

    overlayDevice(): string | undefined {
        return this.backend === 'host-gw' ? undefined : this.device;
    }

    nodeLinks(node: Node): Link[] {
        const p = primary(node);
        const links: Link[] = [];
        const podCidr = node.podCidr;
        if (this.backend === 'vxlan' && podCidr) {
            links.push({
                name: this.device, kind: 'vxlan', mtu: this.mtu(node), addresses: [cidr(podCidr.network, 32)],
                vni: this.model.cni.vni, port: this.model.cni.port, parent: p?.nic, local: p?.address, origin: this.origin,
            });
        } else if (this.backend === 'udp' && podCidr) {
            links.push({
                name: this.device, kind: 'tun', mtu: this.mtu(node), addresses: [cidr(podCidr.network, 32)],
                port: this.model.cni.port, origin: this.origin,
            });
        }
        // The bridge plugin creates cni0 with the first pod.
        if (podCidr && plumbedPods(node).length > 0) {
            links.push({
                name: 'cni0', kind: 'bridge', mtu: this.mtu(node), addresses: [cidr(firstHost(podCidr), podCidr.length)],
                origin: derivedOrigin('bridge-cni', node.origin),
            });
        }
        return links;
    }

    /** The backend and device name: the rest is the node's podCIDR and pods. */
    get nodeDevicesKey(): string {
        return `flannel ${this.backend} ${this.device}`;
    }

    nodeDeviceAddresses(node: Node): { device: string; address: Ip }[] {
        if (!node.podCidr) return [];
        const out: { device: string; address: Ip }[] = [];
        if (this.backend !== 'host-gw') out.push({ device: this.device, address: node.podCidr.network });
        if (plumbedPods(node).length > 0) out.push({ device: 'cni0', address: firstHost(node.podCidr) });
        return out;
    }

    nodeRoutes(node: Node): Route[] {
        const routes: Route[] = [];
        const self = primary(node);
        if (this.backend === 'udp') {
            if (this.model.podNetwork) routes.push(route({ destination: this.model.podNetwork, dev: this.device, origin: this.origin }));
            return routes;
        }
        for (const other of this.model.nodes) {
            if (other === node || !other.podCidr) continue;
            const dst = cidr(other.podCidr.network, other.podCidr.length);
            if (this.backend === 'vxlan') {
                routes.push(route({ destination: dst, gateway: other.podCidr.network, dev: this.device, onlink: true, origin: this.origin }));
            } else {
                const via = primary(other);
                if (via && self) routes.push(route({ destination: dst, gateway: via.address, dev: self.nic, origin: this.origin }));
            }
        }
        return routes;
    }

    private shared?: SharedRemote;

    /** vxlan: every node holds the same route, neighbour and FDB entry toward each other node. */
    sharedRemote(): SharedRemote | undefined {
        if (this.backend !== 'vxlan') return undefined;
        this.shared ??= new SharedRemote(this.model.nodes.filter(n => n.podCidr).map(other => {
            const range = other.podCidr!;
            const via = primary(other);
            const mac = vtepMac(other);
            return {
                node: other,
                routes: [route({ destination: cidr(range.network, range.length), gateway: range.network, dev: this.device, onlink: true, origin: this.origin })],
                neighbors: via ? [{ address: range.network, mac, dev: this.device, origin: this.origin }] : [],
                fdb: via ? [{ mac, dev: this.device, dst: via.address, origin: this.origin }] : [],
            };
        }));
        return this.shared;
    }

    /** vxlan: a node's routes are all toward other nodes. */
    localRoutes(): Route[] {
        return [];
    }

    nodeNeighbors(node: Node): { neighbors: Neighbor[]; fdb: FdbEntry[] } {
        const neighbors: Neighbor[] = [];
        const fdb: FdbEntry[] = [];
        if (this.backend !== 'vxlan') return { neighbors, fdb };
        for (const other of this.model.nodes) {
            const via = primary(other);
            if (other === node || !other.podCidr || !via) continue;
            const mac = vtepMac(other);
            neighbors.push({ address: other.podCidr.network, mac, dev: this.device, origin: this.origin });
            fdb.push({ mac, dev: this.device, dst: via.address, origin: this.origin });
        }
        return { neighbors, fdb };
    }

    pod(pod: Pod): PodPlumbing {
        const podCidr = pod.node.podCidr;
        const gateway = podCidr ? firstHost(podCidr) : 0;
        const podNetwork = this.model.podNetwork;
        return {
            mtu: this.backend === 'host-gw' ? (primary(pod.node)?.network.mtu ?? 1500) : this.mtu(pod.node),
            addressLength: podCidr?.length ?? 24, gateway, master: 'cni0',
            get routes() {
                const o = derivedOrigin('bridge-cni', pod.origin);
                const routes: Route[] = [defaultRoute(gateway, 'eth0', o)];
                if (podNetwork) routes.push(route({ destination: podNetwork, gateway, dev: 'eth0', origin: o }));
                return routes;
            },
        };
    }

    networkRoutes(network: Network): Route[] {
        // host-gw on a routed network needs the cloud to know each node's range.
        if (this.backend !== 'host-gw' || network.kind !== 'routed') return [];
        return nodeRangeRoutes(this.model, network);
    }
}

/** The VTEP MAC flanneld publishes for a node (random in flanneld; stable here). */
export function vtepMac(node: Node): string {
    return macFor('vtep:' + node.name);
}

/** A cloud route per node range (`POD_CIDR via NODE_ADDR`), as a routed network needs without an overlay. */
export function nodeRangeRoutes(model: CniModel, network: Network): Route[] {
    const out: Route[] = [];
    for (const node of model.nodes) {
        const p = primary(node);
        if (!p || p.network !== network) continue;
        for (const range of node.podCidr ? [node.podCidr] : node.blocks) {
            out.push(route({
                destination: cidr(range.network, range.length), gateway: p.address,
                origin: derivedOrigin('cloud', node.origin),
            }));
        }
    }
    return out;
}
