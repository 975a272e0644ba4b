/**
 * What every node's part of a check may read besides the node: the CNI and kube-proxy
 * settings, the pod and service networks, the underlay networks, the node port range and
 * whether the cluster has more than one node. Two versions with the same settings share one
 * token, so a verdict kept under it (see `CleanNodes`) still holds.
 */
import type { ClusterModel, Node } from '../model/types';
import { sameList } from '../model/identity';

export class ClusterSettings {
    private constructor(
        /** Stands for these settings: the same object in every version that has them. */
        readonly token: object,
        private readonly values: readonly unknown[],
        private readonly calico: boolean,
    ) { }

    /**
     * Whether a verdict on `node` may be kept: Calico hands out undeclared blocks across the
     * cluster in node order, so such a node's ranges depend on the others.
     */
    keepsVerdictsOf(node: Node): boolean {
        return !this.calico || node.blocksDeclared;
    }

    /** The settings of `model`, with the token of an earlier version that had the same. */
    static of(model: ClusterModel): ClusterSettings {
        const values = signature(model);
        for (const s of recent) if (sameList(s.values, values)) return s;
        const made = new ClusterSettings({}, values, model.cni.plugin === 'calico');
        recent.unshift(made);
        if (recent.length > RECENT) recent.pop();
        return made;
    }
}

/** Settings of the last few versions seen (several documents may be open). */
const recent: ClusterSettings[] = [];
const RECENT = 8;

function signature(model: ClusterModel): unknown[] {
    const primitives = (o: object) => Object.values(o).filter(v => typeof v !== 'object');
    return [
        model.cni.origin.ast, ...primitives(model.cni), model.proxy.origin.ast, ...primitives(model.proxy),
        model.podNetwork?.network, model.podNetwork?.length, model.serviceNetwork?.network, model.serviceNetwork?.length,
        model.nodePortRange.from, model.nodePortRange.to, model.clusterDomain, model.nodes.length > 1,
        // Network objects are kept while their block is: identity says their CIDR, gateway, MTU and kind.
        model.networks.length, ...model.networks,
    ];
}
