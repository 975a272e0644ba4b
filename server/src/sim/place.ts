/**
 * The namespaces a walk visits, as the trace names them: a pod (on its node), a node's
 * root namespace, a host, an underlay segment, or the outside world.
 */
import type { ClusterModel, Host, Netns, Network, Node, Pod } from '../model/types';
import type { NamespaceKind } from '../protocol/trace';

/** A namespace as the walk visits it. */
export interface Place {
    /** Netns id ("node:node01", "pod:default/web", "host:client") or "net:lan" / "outside". */
    readonly id: string;
    readonly kind: NamespaceKind;
    readonly label: string;
    readonly ns?: Netns;
    /** The node whose root namespace this is (iptables lives here). */
    readonly node?: Node;
    readonly pod?: Pod;
    readonly host?: Host;
    readonly network?: Network;
}

export function placeOf(model: ClusterModel, ns: Netns): Place {
    if (ns.kind === 'node') {
        const node = model.nodeByName.get(ns.name) ?? model.nodes.find(n => `node:${n.name}` === ns.id);
        return { id: ns.id, kind: 'node', label: ns.name, ns, node };
    }
    if (ns.kind === 'pod') {
        const pod = model.podByKey.get(ns.id.slice(4));
        return { id: ns.id, kind: 'pod', label: pod?.name ?? ns.name, ns, pod };
    }
    const host = model.hostByName.get(ns.name);
    return { id: ns.id, kind: 'host', label: ns.name, ns, host };
}

export function podPlace(model: ClusterModel, pod: Pod): Place {
    return pod.hostNetwork ? placeOf(model, pod.node.netns()) : placeOf(model, pod.netns());
}

export function networkPlace(network: Network): Place {
    return { id: `net:${network.name}`, kind: 'network', label: network.name, network };
}

export const OUTSIDE: Place = { id: 'outside', kind: 'outside', label: 'outside' };
