/**
 * `cni bridge` (kubenet style): a cbr0 bridge per node and no overlay; other nodes' pods
 * are reached through the underlay, whose routed network carries a route per node range.
 */
import { type Ip, cidr } from '../address';
import { vethName } from '../names';
import { defaultRoute, firstHost } from '../netns';
import { derivedOrigin } from '../origin';
import type { FdbEntry, Link, Neighbor, Network, Node, Pod, Route } from '../types';
import { type CniGenerator, type CniModel, type PodPlumbing, plumbedPods, primary } from './cni';
import { nodeRangeRoutes } from './flannel';

export class BridgeCni implements CniGenerator {
    readonly author = 'bridge-cni' as const;

    hostIface(pod: Pod): string {
        return vethName(pod.key);
    }

    constructor(private readonly model: CniModel, private readonly bridge = 'cbr0') { }

    overlayDevice(): string | undefined {
        return undefined;
    }

    nodeLinks(node: Node): Link[] {
        if (!node.podCidr || (this.model.cni.plugin === 'none' && plumbedPods(node).length === 0)) return [];
        return [{
            name: this.bridge, kind: 'bridge', mtu: primary(node)?.network.mtu ?? 1500,
            addresses: [cidr(firstHost(node.podCidr), node.podCidr.length)],
            origin: derivedOrigin('bridge-cni', node.origin),
        }];
    }

    /** The bridge's name: the rest is the node's podCIDR. */
    get nodeDevicesKey(): string {
        return `bridge ${this.bridge}`;
    }

    nodeDeviceAddresses(node: Node): { device: string; address: Ip }[] {
        return node.podCidr ? [{ device: this.bridge, address: firstHost(node.podCidr) }] : [];
    }

    nodeRoutes(): Route[] {
        return [];
    }

    nodeNeighbors(): { neighbors: Neighbor[]; fdb: FdbEntry[] } {
        return { neighbors: [], fdb: [] };
    }

    pod(pod: Pod): PodPlumbing {
        const podCidr = pod.node.podCidr;
        const gateway = podCidr ? firstHost(podCidr) : 0;
        return {
            mtu: primary(pod.node)?.network.mtu ?? 1500, addressLength: podCidr?.length ?? 24, gateway, master: this.bridge,
            get routes() { return [defaultRoute(gateway, 'eth0', derivedOrigin('bridge-cni', pod.origin))]; },
        };
    }

    networkRoutes(network: Network): Route[] {
        return network.kind === 'routed' ? nodeRangeRoutes(this.model, network) : [];
    }
}
