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

/**
 * One of a node's ranges; its span and label are made when a finding asks (checks list the
 * ranges of every node on each build, and report a few).
 */
class RangeOfNode implements NodeRange {
    constructor(readonly cidr: Cidr, private readonly node: Node, private readonly block: number) { }
    get span(): Span | undefined { return this.block < 0 ? this.node.podCidrSpan : this.node.blockSpans[this.block]; }
    get label(): string { return `${this.block < 0 ? 'podCIDR' : 'block'} ${formatPrefix(this.cidr)}`; }
}

/** Every range the node's pods live in, as the CNI routes them between nodes. */
export function nodeRanges(model: ClusterModel, node: Node): readonly NodeRange[] {
    const calico = model.cni.plugin === 'calico';
    // Asked for by several checks on every run; a node kept across versions keeps its list
    // while its blocks (Calico allocates them per version) and the plugin are the same.
    const made = rangesOf.get(node);
    if (made && made.calico === calico && made.blocks === node.blocks && made.count === node.blocks.length && made.podCidr === node.podCidr) return made.ranges;
    const ranges = calico ? node.blocks.map((b, i) => new RangeOfNode(b, node, i)) : node.podCidr ? [new RangeOfNode(node.podCidr, node, -1)] : [];
    rangesOf.set(node, { calico, blocks: node.blocks, count: node.blocks.length, podCidr: node.podCidr, ranges });
    return ranges;
}

const NO_RANGES: readonly NodeRange[] = [];
const rangesOf = new WeakMap<Node, { readonly calico: boolean; readonly blocks: readonly Cidr[]; readonly count: number; readonly podCidr?: Cidr; readonly ranges: readonly NodeRange[] }>();

/** The ranges a pod address must lie in: for Calico only declared blocks count. */
export function podRanges(model: ClusterModel, node: Node): readonly NodeRange[] {
    if (model.cni.plugin === 'calico' && !node.blocksDeclared) return NO_RANGES;
    return nodeRanges(model, node);
}

/** `a, b, c and 4 more` for messages naming many parties. */
export function listOf(items: readonly string[], max = 4): string {
    if (items.length <= max) {
        return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
    }
    return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
