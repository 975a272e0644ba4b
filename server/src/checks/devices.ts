/**
 * unknown-device: a route's `dev`, a link's `master` or `dev PARENT` naming no link of
 * that namespace (declared, or created by the kubelet's NIC, the CNI, a pod's veth). The
 * kernel refuses such a line ("Cannot find device"); the message lists the devices there are.
 */
import type { Node, Pod, Route, Span } from '../model/types';
import { type Finding, Codes } from './finding';
import type { CheckContext } from './context';
import { CleanNodes } from './clean-nodes';

const cleanNodes = new CleanNodes();

/** The device names of a node's root namespace, without assembling its routing tables. */
export function nodeDevices(ctx: CheckContext, node: Node): Set<string> {
    const names = new Set<string>(['lo']);
    for (const a of node.addresses) names.add(a.nic);
    for (const l of ctx.generator.nodeLinks(node)) names.add(l.name);
    for (const p of node.pods) if (!p.hostNetwork && !p.noNetwork) names.add(p.hostIface);
    for (const l of node.declaredLinks) names.add(l.name);
    return names;
}

function known(names: Set<string>, pods: readonly Pod[]): string {
    const veths = new Set(pods.filter(p => !p.hostNetwork && !p.noNetwork).map(p => p.hostIface));
    const main = [...names].filter(n => !veths.has(n));
    return main.join(', ') + (veths.size ? ` and ${veths.size} pod veth${veths.size === 1 ? '' : 's'}` : '');
}

export function checkDevices(ctx: CheckContext): Finding[] {
    const out: Finding[] = [];
    const unknown = (span: Span | undefined, name: string, where: string, names: Set<string>, pods: readonly Pod[], what: string) => {
        if (!span) return;
        const near = closest(name, names);
        out.push({
            code: Codes.unknownDevice, severity: 'error', span,
            message: `${where} has no device ${name} (${what}): its devices are ${known(names, pods)}`,
            fixes: near ? [{ title: `Change to ${near}`, edits: [{ span, newText: near }] }] : undefined,
        });
    };
    const routes = (routes: readonly Route[] | undefined, where: string, names: Set<string>, pods: readonly Pod[]) => {
        for (const r of routes ?? []) {
            if (r.dev !== undefined && !names.has(r.dev)) {
                ctx.fault(r);
                unknown(r.spans?.dev, r.dev, where, names, pods, 'the kernel refuses the route: "Cannot find device"');
            }
            for (const nh of r.nexthops ?? []) {
                if (nh.dev !== undefined && !names.has(nh.dev)) {
                    ctx.fault(r);
                    unknown(nh.span, nh.dev, where, names, pods, 'a nexthop of this route');
                }
            }
        }
    };
    for (const node of ctx.model.nodes) cleanNodes.check(ctx, node, out, () => {
        const needed = node.declaredRoutes || node.declaredLinks.some(l => l.master !== undefined || l.parent !== undefined)
            || node.pods.some(p => p.declaredRoutes);
        if (!needed) return;
        const names = nodeDevices(ctx, node);
        routes(node.declaredRoutes, node.name, names, node.pods);
        for (const l of node.declaredLinks) {
            if (l.master !== undefined && !names.has(l.master)) unknown(l.spans?.master, l.master, node.name, names, node.pods, `the master bridge of ${l.name}`);
            if (l.parent !== undefined && !names.has(l.parent)) unknown(l.spans?.parent, l.parent, node.name, names, node.pods, `the parent device of ${l.name}`);
        }
        for (const pod of node.pods) {
            if (!pod.declaredRoutes) continue;
            const podNames = pod.hostNetwork ? names : new Set(pod.noNetwork ? ['lo'] : ['lo', 'eth0']);
            routes(pod.declaredRoutes, `pod ${pod.name}`, podNames, []);
        }
    });
    return out;
}

/** The one device name within two edits of a typo (flannel.9 → flannel.1), if exactly one is. */
function closest(name: string, names: Set<string>): string | undefined {
    let best: string | undefined;
    let count = 0;
    for (const n of names) {
        if (Math.abs(n.length - name.length) > 2 || distance(n, name) > 2) continue;
        best = n;
        count++;
    }
    return count === 1 ? best : undefined;
}

function distance(a: string, b: string): number {
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const row = [i];
        for (let j = 1; j <= b.length; j++) {
            row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        prev = row;
    }
    return prev[b.length];
}
