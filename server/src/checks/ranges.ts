/**
 * The pod ranges a node owns, as its CNI sees them: flannel and the bridge plugin use the
 * node's podCIDR; Calico hands out IPAM blocks (only declared blocks say where pods
 * really are: the model allocates undeclared ones as a deterministic stand-in).
 */
import { type Cidr, formatPrefix } from '../model/address';
import type { ClusterModel, Node, Span } from '../model/types';

export interface NodeRange {
    readonly cidr: Cidr;
    readonly span?: Span;
    /** "podCIDR 10.244.1.0/24" or "block 10.244.1.64/26" */
    readonly label: string;
}

/** Every range the node's pods live in, as the CNI routes them between nodes. */
export function nodeRanges(model: ClusterModel, node: Node): NodeRange[] {
    if (model.cni.plugin === 'calico') {
        return node.blocks.map((b, i) => ({ cidr: b, span: node.blockSpans[i], label: `block ${formatPrefix(b)}` }));
    }
    return node.podCidr ? [{ cidr: node.podCidr, span: node.podCidrSpan, label: `podCIDR ${formatPrefix(node.podCidr)}` }] : [];
}

/** The ranges a pod address must lie in: for Calico only declared blocks count. */
export function podRanges(model: ClusterModel, node: Node): NodeRange[] {
    if (model.cni.plugin === 'calico' && !node.blocksDeclared) return [];
    return nodeRanges(model, node);
}

/** `a, b, c and 4 more` for messages naming many parties. */
export function listOf(items: readonly string[], max = 4): string {
    if (items.length <= max) {
        return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
    }
    return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
