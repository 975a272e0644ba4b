/**
 * Calico (Felix and BIRD): a /32 per pod routed to its cali* veth, proxy ARP for
 * 169.254.1.1, a blackhole for the node's own blocks, and a route per remote block through
 * tunl0 (ipip; CrossSubnet: direct within a subnet), vxlan.calico (vxlan) or the NIC (bgp).
 */
import { type Ip, cidr } from '../address';
import { caliName, macFor } from '../names';
import { defaultRoute, route, sameSubnet } from '../netns';
import { derivedOrigin } from '../origin';
import type { FdbEntry, Link, Neighbor, Network, Node, Origin, Pod, Route } from '../types';
import { type CniGenerator, type CniModel, type PodPlumbing, SharedRemote, primary } from './cni';
import { nodeRangeRoutes } from './flannel';

/** Calico's fixed next hop inside every pod, answered by proxy ARP on the host side. */
export const CALICO_GATEWAY: Ip = (169 << 24 | 254 << 16 | 1 << 8 | 1) >>> 0;
export const CALICO_VXLAN_VNI = 4096;
export const CALICO_VXLAN_PORT = 4789;

export class Calico implements CniGenerator {
    readonly author = 'calico' as const;

    hostIface(pod: Pod): string {
        return caliName(pod.key);
    }

    private readonly origin: Origin;

    constructor(private readonly model: CniModel) {
        this.origin = derivedOrigin('calico', model.cni.origin);
    }

    private get backend(): 'ipip' | 'vxlan' | 'bgp' {
        const b = this.model.cni.backend;
        return b === 'vxlan' || b === 'bgp' ? b : 'ipip';
    }

    get device(): string | undefined {
        return this.backend === 'ipip' ? 'tunl0' : this.backend === 'vxlan' ? 'vxlan.calico' : undefined;
    }

    mtu(node: Node): number {
        return (primary(node)?.network.mtu ?? 1500) - this.model.cni.overhead;
    }

    /** The tunnel address: the first address of the node's first block. */
    tunnelAddress(node: Node): Ip | undefined {
        const b = node.blocks[0];
        return b ? b.network : undefined;
    }

    overlayDevice(): string | undefined {
        return this.device;
    }

    nodeLinks(node: Node): Link[] {
        const p = primary(node);
        const tunnel = this.tunnelAddress(node);
        const addresses = tunnel === undefined ? [] : [cidr(tunnel, 32)];
        if (this.backend === 'ipip') {
            return [{ name: 'tunl0', kind: 'ipip', mtu: this.mtu(node), addresses, parent: p?.nic, origin: this.origin }];
        }
        if (this.backend === 'vxlan') {
            return [{
                name: 'vxlan.calico', kind: 'vxlan', mtu: this.mtu(node), addresses, vni: this.model.cni.vni,
                port: this.model.cni.port, parent: p?.nic, local: p?.address, origin: this.origin,
            }];
        }
        return [];
    }

    nodeDeviceAddresses(node: Node): { device: string; address: Ip }[] {
        const t = this.tunnelAddress(node);
        return t === undefined || !this.device ? [] : [{ device: this.device, address: t }];
    }

    private shared?: SharedRemote;

    /**
     * ipip (Always) and vxlan: every node with an address holds the same route (and, for
     * vxlan, neighbour and FDB entry) toward each other node's blocks.
     */
    sharedRemote(node: Node): SharedRemote | undefined {
        const alike = this.backend === 'vxlan' || (this.backend === 'ipip' && this.model.cni.ipipMode === 'Always');
        if (!alike || !primary(node)) return undefined;
        this.shared ??= new SharedRemote(this.model.nodes.map(other => {
            const via = primary(other);
            const vtep = this.tunnelAddress(other);
            const routes: Route[] = [];
            const neighbors: Neighbor[] = [];
            const fdb: FdbEntry[] = [];
            if (via) {
                for (const b of other.blocks) {
                    const dst = cidr(b.network, b.length);
                    if (this.backend === 'ipip') routes.push(route({ destination: dst, gateway: via.address, dev: 'tunl0', proto: 'bird', onlink: true, origin: this.origin }));
                    else if (vtep !== undefined) routes.push(route({ destination: dst, gateway: vtep, dev: 'vxlan.calico', proto: '80', onlink: true, origin: this.origin }));
                }
                if (this.backend === 'vxlan' && vtep !== undefined) {
                    const mac = macFor('calico-vtep:' + other.name);
                    neighbors.push({ address: vtep, mac, dev: 'vxlan.calico', origin: this.origin });
                    fdb.push({ mac, dev: 'vxlan.calico', dst: via.address, origin: this.origin });
                }
            }
            return { node: other, routes, neighbors, fdb };
        }));
        return this.shared;
    }

    /** Routes that are the node's own: a /32 per local pod, a blackhole per own block. */
    localRoutes(node: Node): Route[] {
        return this.nodeRoutes(node, false);
    }

    nodeRoutes(node: Node, remote = true): Route[] {
        const routes: Route[] = [];
        const self = primary(node);
        for (const pod of node.pods) {
            if (pod.hostNetwork || pod.noNetwork || pod.address === undefined) continue;
            routes.push(route({
                destination: cidr(pod.address, 32), dev: pod.hostIface, scope: 'link',
                origin: derivedOrigin('calico', pod.origin),
            }));
        }
        const bird = this.backend === 'vxlan' ? '80' : 'bird';
        for (const b of node.blocks) {
            routes.push(route({ type: 'blackhole', destination: cidr(b.network, b.length), proto: bird, origin: this.origin }));
        }
        for (const other of remote ? this.model.nodes : []) {
            if (other === node) continue;
            const via = primary(other);
            if (!via || !self) continue;
            for (const b of other.blocks) {
                const dst = cidr(b.network, b.length);
                if (this.backend === 'vxlan') {
                    const vtep = this.tunnelAddress(other);
                    if (vtep !== undefined) routes.push(route({ destination: dst, gateway: vtep, dev: 'vxlan.calico', proto: '80', onlink: true, origin: this.origin }));
                } else if (this.backend === 'bgp' || (this.model.cni.ipipMode === 'CrossSubnet'
                    && self.network === via.network && sameSubnet(self.address, via.address, self.network.cidr.length))
                    || this.model.cni.ipipMode === 'Never') {
                    routes.push(route({ destination: dst, gateway: via.address, dev: self.nic, proto: 'bird', origin: this.origin }));
                } else {
                    routes.push(route({ destination: dst, gateway: via.address, dev: 'tunl0', proto: 'bird', onlink: true, origin: this.origin }));
                }
            }
        }
        return routes;
    }

    nodeNeighbors(node: Node): { neighbors: Neighbor[]; fdb: FdbEntry[] } {
        const neighbors: Neighbor[] = [];
        const fdb: FdbEntry[] = [];
        if (this.backend !== 'vxlan') return { neighbors, fdb };
        for (const other of this.model.nodes) {
            const via = primary(other);
            const vtep = this.tunnelAddress(other);
            if (other === node || !via || vtep === undefined) continue;
            const mac = macFor('calico-vtep:' + other.name);
            neighbors.push({ address: vtep, mac, dev: 'vxlan.calico', origin: this.origin });
            fdb.push({ mac, dev: 'vxlan.calico', dst: via.address, origin: this.origin });
        }
        return { neighbors, fdb };
    }

    pod(pod: Pod): PodPlumbing {
        return {
            mtu: this.mtu(pod.node), addressLength: 32, gateway: CALICO_GATEWAY,
            get routes() {
                const o = derivedOrigin('calico', pod.origin);
                return [
                    defaultRoute(CALICO_GATEWAY, 'eth0', o),
                    route({ destination: cidr(CALICO_GATEWAY, 32), dev: 'eth0', scope: 'link', origin: o }),
                ];
            },
        };
    }

    networkRoutes(network: Network): Route[] {
        return this.backend === 'bgp' && network.kind === 'routed' ? nodeRangeRoutes(this.model, network) : [];
    }
}
