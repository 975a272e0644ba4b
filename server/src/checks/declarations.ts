/**
 * invalid-declaration for what parses but cannot be and needs the whole model to see
 * (the builder reports the rest: properties given twice, hostNetwork with an address,
 * DNS names from nodes, tiny flows):
 * - a route whose destination has host bits set (the kernel: "Invalid prefix for given prefix length");
 * - a `master` that names a link which is not a bridge;
 * - a node address written with a prefix other than its network's;
 * - a node with pods but no podCIDR under flannel or the bridge plugin (no lease, no pod addresses).
 */
import { formatIp, formatPrefix } from '../model/address';
import type { Node, Route } from '../model/types';
import { type Finding, Codes } from './finding';
import type { CheckContext } from './context';
import { CleanNodes } from './clean-nodes';

/** Nodes found clean, kept across versions: an edit re-checks the node it changed. */
const cleanNodes = new CleanNodes();

export function checkDeclarations(ctx: CheckContext): Finding[] {
    const { model } = ctx;
    const out: Finding[] = [];
    const routeDestinations = (owner: string, routes: readonly Route[] | undefined) => {
        for (const r of routes ?? []) {
            if (r.isDefault || r.destination.address === r.destination.network) continue;
            const span = r.spans?.destination;
            if (!span) continue;
            const written = `${formatIp(r.destination.address)}/${r.destination.length}`;
            ctx.fault(r);
            out.push({
                code: Codes.invalidDeclaration, severity: 'error', span,
                message: `route ${written} on ${owner} has host bits set: the kernel refuses it ("Invalid prefix for given prefix length"); the network is ${formatPrefix(r.destination)}`,
                fixes: [{ title: `Use the network ${formatPrefix(r.destination)}`, edits: [{ span, newText: formatPrefix(r.destination) }] }],
            });
        }
    };
    const needsPodCidr = model.cni.plugin === 'flannel' || model.cni.plugin === 'bridge';
    for (const node of model.nodes) cleanNodes.check(ctx, node, out, () => {
        routeDestinations(node.name, node.declaredRoutes);
        for (const pod of node.pods) if (pod.declaredRoutes) routeDestinations(`pod ${pod.name}`, pod.declaredRoutes);
        masters(node, out);
        for (const a of node.addresses) {
            if (a.length === a.network.cidr.length || !a.spans.address) continue;
            ctx.fault(a);
            out.push({
                code: Codes.invalidDeclaration, severity: 'error', span: a.spans.address,
                message: `address ${formatIp(a.address)}/${a.length} of ${node.name} contradicts network ${a.network.name} ${formatPrefix(a.network.cidr)}: a node on it has a /${a.network.cidr.length}`,
                related: a.network.spans.cidr ? [{ span: a.network.spans.cidr, message: `network ${a.network.name}` }] : undefined,
                fixes: [{ title: `Write ${formatIp(a.address)} (the network's /${a.network.cidr.length})`, edits: [{ span: a.spans.address, newText: formatIp(a.address) }] }],
            });
        }
        const plumbed = needsPodCidr && !node.podCidr && !node.podCidrSpan ? node.pods.filter(p => !p.hostNetwork && !p.noNetwork) : [];
        if (plumbed.length > 0 && node.nameSpan && !ctx.hasErrorWithin(node.nameSpan)) {
            ctx.fault(node);
            for (const p of plumbed) ctx.fault(p);
            const who = model.cni.plugin === 'flannel' ? 'flanneld gets no subnet lease for it' : 'the bridge plugin has no range to give';
            out.push({
                code: Codes.invalidDeclaration, severity: 'error', span: node.nameSpan,
                message: `node ${node.name} has pods (${plumbed.map(p => p.name).slice(0, 3).join(', ')}${plumbed.length > 3 ? ', …' : ''}) but no podCIDR: ${who}, so its pods get no network`,
            });
        }
    });
    return out;
}

/** A `master` must name a bridge of the same node. Unknown names are unknown-device's. */
function masters(node: Node, out: Finding[]): void {
    const byName = new Map(node.declaredLinks.map(l => [l.name, l]));
    for (const l of node.declaredLinks) {
        const target = l.master !== undefined ? byName.get(l.master) : undefined;
        if (!target || target.kind === 'bridge' || !l.spans?.master) continue;
        out.push({
            code: Codes.invalidDeclaration, severity: 'error', span: l.spans.master,
            message: `${l.name} on ${node.name} names ${target.name} as its master, but ${target.name} is a ${target.kind} link, not a bridge: the kernel refuses it`,
            related: target.spans?.kind ? [{ span: target.spans.kind, message: `${target.name} is a ${target.kind}` }] : undefined,
        });
    }
}
