/**
 * overlapping-cidr: ranges that must be disjoint and are not. The routed ranges (pod
 * network, service network, underlay networks, node podCIDRs and blocks) are swept once
 * in address order (a sort, then a walk keeping the ranges still open), so 5,000 nodes
 * cost a sort, not 12.5 million comparisons. Declared link addresses are node-local: they
 * are compared with the routed ranges and their own node's other links, never across nodes.
 *
 * Not faults: a node's range inside the pod network (expected; one outside it is
 * address-outside-range), and a node range inside the pod network meeting a range that
 * the pod network itself already overlaps (derived: the pod network's overlap is reported).
 */
import { type Cidr, formatCidr, formatPrefix, overlaps, within } from '../model/address';
import type { Link, Node, Span } from '../model/types';
import { type Finding, Codes } from './finding';
import type { CheckContext } from './context';
import { type NodeRange, nodeRanges } from './ranges';
import { CleanNodes } from './clean-nodes';

/** Nodes whose links were found clean, kept across versions (see `CleanNodes`). */
const cleanLinks = new CleanNodes();

type Kind = 'podNetwork' | 'serviceNetwork' | 'network' | 'nodeRange';

interface Item {
    readonly cidr: Cidr;
    readonly kind: Kind;
    readonly label: string;
    readonly span?: Span;
    readonly node?: Node;
    /** For an underlay network: its name. */
    readonly network?: string;
}

const WHY: Record<string, string> = {
    'nodeRange/nodeRange': 'two nodes would own the same pod addresses, and the CNI routes each address to one node',
    serviceNetwork: 'kube-proxy rewrites every packet to a service address, so those addresses could never reach anything else',
    network: 'nodes route those addresses to the underlay by their connected route, not to the pods',
    podNetwork: 'the CNI routes the whole pod network between nodes and to the pods',
};

function why(a: Item, b: Item): string {
    if (a.kind === 'nodeRange' && b.kind === 'nodeRange') return WHY['nodeRange/nodeRange'];
    if (a.kind === 'serviceNetwork' || b.kind === 'serviceNetwork') return WHY.serviceNetwork;
    if (a.kind === 'network' || b.kind === 'network') return WHY.network;
    return WHY.podNetwork;
}

export function checkOverlaps(ctx: CheckContext): Finding[] {
    const { model } = ctx;
    const out: Finding[] = [];
    const items: Item[] = [];
    if (model.podNetwork) items.push({ cidr: model.podNetwork, kind: 'podNetwork', label: `pod network ${formatPrefix(model.podNetwork)}`, span: model.podNetworkSpan });
    if (model.serviceNetwork) items.push({ cidr: model.serviceNetwork, kind: 'serviceNetwork', label: `service network ${formatPrefix(model.serviceNetwork)}`, span: model.serviceNetworkSpan });
    for (const n of model.networks) items.push({ cidr: n.cidr, kind: 'network', label: `network ${n.name} ${formatPrefix(n.cidr)}`, span: n.spans.cidr, network: n.name });
    for (const node of model.nodes) {
        for (const r of nodeRanges(model, node)) {
            if (ctx.isFaulted(r.cidr)) continue;
            items.push(new NodeRangeItem(r, node));
        }
    }
    // The big ranges the pod network already collides with: node ranges meeting them are derived.
    const pod = items.find(i => i.kind === 'podNetwork');
    const podCollides = new Set(items.filter(i => pod && i !== pod && i.kind !== 'nodeRange' && overlaps(i.cidr, pod.cidr)));

    const report = (a: Item, b: Item) => {
        // Report on the later declaration, pointing at the earlier one.
        const [first, later] = (a.span?.start ?? -1) <= (b.span?.start ?? -1) ? [a, b] : [b, a];
        if (!later.span) return;
        if (later.kind === 'nodeRange') ctx.fault(later.cidr);
        out.push({
            code: Codes.overlappingCidr, severity: 'error', span: later.span,
            message: `${later.label} overlaps ${first.label}: ${why(a, b)}`,
            related: first.span ? [{ span: first.span, message: first.label }] : undefined,
        });
    };
    const reportable = (a: Item, b: Item): boolean => {
        if (a.node && a.node === b.node) return false;
        const [x, y] = a.kind === 'nodeRange' ? [a, b] : [b, a];
        if (x.kind !== 'nodeRange') return true;
        if (y.kind === 'podNetwork') return false;
        if (y.kind === 'nodeRange') return true;
        return !(pod && within(x.cidr, pod.cidr) && podCollides.has(y));
    };

    items.sort((a, b) => a.cidr.network - b.cidr.network || a.cidr.length - b.cidr.length);
    let open: Item[] = [];
    for (const item of items) {
        open = open.filter(o => o.cidr.last >= item.cidr.network);
        let clashed = false;
        for (const o of open) {
            if (!reportable(o, item)) continue;
            report(o, item);
            clashed = true;
            if (item.kind === 'nodeRange') break; // one diagnostic per range
        }
        // A node range already reported stays out of the sweep: copies of one range do not pile up.
        if (!(clashed && item.kind === 'nodeRange')) open.push(item);
    }

    const big = items.filter(i => i.kind !== 'nodeRange');
    for (const node of model.nodes) {
        // What a node's links meet is the node's own matter and the settings' (the routed ranges but node ranges).
        if (node.declaredLinks.length > 0) cleanLinks.check(ctx, node, out, () => out.push(...linkOverlaps(ctx, node, big)));
    }
    return out;
}

/** A node's range in the sweep. Label and span are made for the few ranges reported, not for every node's. */
class NodeRangeItem implements Item {
    readonly kind = 'nodeRange';
    readonly cidr: Cidr;

    constructor(private readonly range: NodeRange, readonly node: Node) {
        this.cidr = range.cidr;
    }

    get label(): string { return `${this.range.label} of ${this.node.name}`; }
    get span(): Span | undefined { return this.range.span; }
}

/** A declared link's subnet against the routed ranges and the node's other links. */
function linkOverlaps(ctx: CheckContext, node: Node, big: Item[]): Finding[] {
    const out: Finding[] = [];
    const own = nodeRanges(ctx.model, node).map(r => r.cidr);
    const onNetworks = new Set(node.addresses.map(a => a.network.name));
    // Spans are read where a finding needs one: reading them moves the node's CST (`cst-shift.ts`).
    const seen: { link: Link; cidr: Cidr; readonly span: Span | undefined }[] = [];
    const spanOf = (link: Link, i: number) => link.spans?.addresses?.[i];
    for (const link of node.declaredLinks) {
        link.addresses.forEach((address, i) => {
            const seenAs = { link, cidr: address, get span() { return spanOf(link, i); } };
            // The node's own pod range (cni0, flannel.1, tunl0) and its own networks (a NIC) are expected.
            if (own.some(r => within(address, r))) { seen.push(seenAs); return; }
            const hit = big.find(b => overlaps(b.cidr, address)
                && !(b.kind === 'network' && within(address, b.cidr) && onNetworks.has(b.network!)));
            const twin = seen.find(s => s.link.name !== link.name && overlaps(s.cidr, address));
            const span = hit || twin ? spanOf(link, i) : undefined;
            const label = `${link.name} ${formatCidr(address)} on ${node.name}`;
            if (span && hit) {
                out.push({
                    code: Codes.overlappingCidr, severity: 'error', span,
                    message: `${label} overlaps ${hit.label}: ${node.name} would send those addresses to ${link.name}`,
                    related: hit.span ? [{ span: hit.span, message: hit.label }] : undefined,
                });
            } else if (span && twin) {
                out.push({
                    code: Codes.overlappingCidr, severity: 'error', span,
                    message: `${label} overlaps ${twin.link.name} ${formatCidr(twin.cidr)} on the same node: the kernel routes the shared addresses to one device only`,
                    related: twin.span ? [{ span: twin.span, message: `${twin.link.name} ${formatCidr(twin.cidr)}` }] : undefined,
                });
            }
            seen.push(seenAs);
        });
    }
    return out;
}
