/**
 * Markdown a network engineer reads in a hover: a namespace's routing table as `ip route`
 * prints it and its devices as `ip link` would list them, what an address or prefix is
 * and which route each node picks for it, whether a route's gateway is reachable.
 * Compact (a hover is about 60 columns wide) and bounded: big clusters are summarised,
 * never walked whole per hover.
 */
import { type Cidr, type Ip, contains, formatCidr, formatIp, formatPrefix, parseCidr, size, within } from '../model/address';
import { formatRoute } from '../model/route-table';
import type { AddressOwner, ClusterModel, Link, Netns, Node, Pod, Route, Service } from '../model/types';

/** At most this many routes or devices in one hover; the rest is counted. */
const MAX_LINES = 40;
/**
 * Route-per-node summaries look at this many nodes at most: each node's table is built on
 * first use, ~25 ms at 5,000 nodes, and a hover must stay quick.
 */
function nodeBudget(nodes: number): number {
    return nodes > 1000 ? 8 : nodes > 200 ? 16 : 64;
}

export function codeBlock(lines: readonly string[]): string {
    return '```\n' + lines.join('\n') + '\n```';
}

/** `ip route` lines, generated ones marked with who made them. */
export function routeLines(routes: readonly Route[], max = MAX_LINES): string[] {
    const out: string[] = [];
    for (const r of routes.slice(0, max)) {
        const text = formatRoute(r, { showTable: r.table !== 'main' && r.table !== 'local' });
        out.push(r.origin.generated ? `${text}  # ${r.origin.by}` : text);
    }
    if (routes.length > max) out.push(`… ${routes.length - max} more routes`);
    return out;
}

function linkLine(l: Link, width: number): string {
    const parts = [l.name.padEnd(width), l.kind.padEnd(6), `mtu ${l.mtu}`];
    if (l.addresses.length) parts.push(l.addresses.map(formatCidr).join(' '));
    if (l.vni !== undefined) parts.push(`vni ${l.vni}`);
    if (l.port !== undefined && (l.kind === 'vxlan' || l.kind === 'tun')) parts.push(`port ${l.port}`);
    if (l.parent) parts.push(`dev ${l.parent}`);
    if (l.master) parts.push(`master ${l.master}`);
    if (l.peer?.namespace) parts.push(`peer ${l.peer.device}@${l.peer.namespace.replace(/^(pod|node|host):/, '')}`);
    if (l.origin.generated) parts.push(`# ${l.origin.by}`);
    return parts.join(' ');
}

/** Devices of a namespace: the interesting ones first, veths counted when many. */
export function deviceLines(ns: Netns, max = 12): string[] {
    const links = [...ns.links.values()].filter(l => l.kind !== 'loopback' && l.name !== 'lo');
    const veths = links.filter(l => l.kind === 'veth' && ns.kind === 'node');
    const others = links.filter(l => !(l.kind === 'veth' && ns.kind === 'node'));
    const shown = [...others, ...veths.slice(0, Math.max(0, max - others.length))];
    const width = Math.min(16, Math.max(0, ...shown.map(l => l.name.length)));
    const out = shown.map(l => linkLine(l, width));
    const hidden = links.length - shown.length;
    if (hidden > 0) out.push(`… ${hidden} more veths`);
    return out;
}

function tableSection(ns: Netns, title: string): string {
    const routes = ns.main.routes;
    const parts = [`**${title}**`];
    parts.push(routes.length ? codeBlock(routeLines(routes)) : '_empty main table_');
    if (routes.some(r => r.origin.generated)) {
        parts.push(ns.routesDeclared
            ? '_unmarked lines are declared; `# who` marks what a daemon or the kernel adds_'
            : '_no routes declared: what the kernel and daemons would program (`# who`)_');
    }
    const devices = deviceLines(ns);
    if (devices.length) parts.push(codeBlock(devices));
    return parts.join('\n\n');
}

export function describeNode(node: Node): string {
    const ns = node.netns();
    const addr = node.addresses.map(a => `${formatIp(a.address)}/${a.length} on ${a.network.name} (${a.nic})`).join(', ');
    const ranges = node.podCidr ? `podCIDR ${formatPrefix(node.podCidr)}` : node.blocks.length ? `blocks ${node.blocks.map(formatPrefix).join(' ')}` : '';
    const header = [`**node ${node.name}**`, addr, ranges, `${node.pods.length} pod${node.pods.length === 1 ? '' : 's'}`].filter(Boolean).join(' · ');
    return header + '\n\n' + tableSection(ns, 'ip route');
}

export function describePod(pod: Pod, model: ClusterModel): string {
    const head = [`**pod ${pod.key}**`, `on ${pod.node.name}`];
    if (pod.address !== undefined) head.push(formatIp(pod.address));
    if (pod.hostNetwork) head.push('hostNetwork (the node\'s namespace)');
    if (pod.noNetwork) head.push('network none');
    const lines = [head.join(' · ')];
    if (!pod.hostNetwork && !pod.noNetwork) lines.push(`host side \`${pod.hostIface}\``);
    if (pod.labels.size) lines.push(`labels ${[...pod.labels].map(([k, v]) => `${k}=${v}`).join(',')}`);
    const of = model.services.filter(s => s.endpoints.includes(pod)).slice(0, 5).map(s => s.key);
    if (of.length) lines.push(`endpoint of ${of.join(', ')}`);
    if (pod.noNetwork) return lines.join('  \n');
    return lines.join('  \n') + '\n\n' + tableSection(pod.netns(), pod.hostNetwork ? `ip route (node ${pod.node.name})` : 'ip route');
}

export function describeHost(ns: Netns, name: string, address: Ip, network?: string): string {
    return `**host ${name}** · ${formatIp(address)} ${network ? `on ${network}` : 'beyond the gateway'}\n\n` + tableSection(ns, 'ip route');
}

export function describeService(s: Service): string {
    const head = [`**service ${s.key}**`, s.type];
    head.push(s.headless ? 'headless' : s.clusterIP !== undefined ? `ClusterIP ${formatIp(s.clusterIP)}` : 'no ClusterIP');
    const lines = [head.join(' · ')];
    for (const p of s.ports) {
        lines.push(`port ${p.port}/${p.protocol} → ${p.targetPort}${p.nodePort !== undefined ? ` · nodePort ${p.nodePort}` : ''}`);
    }
    const eps = s.endpoints.slice(0, 8).map(p => `${p.name} ${p.address !== undefined ? formatIp(p.address) : '(host)'} on ${p.node.name}`);
    lines.push(s.endpoints.length ? `endpoints: ${eps.join('; ')}${s.endpoints.length > 8 ? `; … ${s.endpoints.length - 8} more` : ''}` : 'no endpoints: kube-proxy REJECTs its traffic');
    if (s.externalTrafficPolicy === 'Local') lines.push('externalTrafficPolicy Local');
    return lines.join('  \n');
}

export function ownerText(owner: AddressOwner): string {
    switch (owner.kind) {
        case 'pod': return `pod ${owner.pod.key} on ${owner.pod.node.name}`;
        case 'node': return `node ${owner.node.name} (${owner.device})`;
        case 'host': return `host ${owner.host.name}`;
        case 'gateway': return `gateway of network ${owner.network.name}`;
        case 'service': return `ClusterIP of service ${owner.service.key}`;
    }
}

/** The ranges the file declares, each with what it is. Linear in the number of nodes. */
export function declaredRanges(model: ClusterModel): { what: string; cidr: Cidr }[] {
    const out: { what: string; cidr: Cidr }[] = [];
    if (model.podNetwork) out.push({ what: 'podNetwork', cidr: model.podNetwork });
    if (model.serviceNetwork) out.push({ what: 'serviceNetwork', cidr: model.serviceNetwork });
    for (const n of model.networks) out.push({ what: `network ${n.name}`, cidr: n.cidr });
    for (const node of model.nodes) {
        if (node.podCidr) out.push({ what: `podCIDR of ${node.name}`, cidr: node.podCidr });
        for (const b of node.blocks) out.push({ what: `block of ${node.name}`, cidr: b });
        for (const l of node.declaredLinks) for (const a of l.addresses) {
            if (a.length < 32) out.push({ what: `${l.name} on ${node.name}`, cidr: { ...a } });
        }
    }
    return out;
}

/** The route each node picks for `ip`, nodes grouped by the route's text. */
export function routePerNode(model: ClusterModel, ip: Ip, first?: Node): string[] {
    const nodes = first ? [first, ...model.nodes.filter(n => n !== first)] : [...model.nodes];
    const looked = nodes.slice(0, nodeBudget(nodes.length));
    const groups = new Map<string, string[]>();
    for (const node of looked) {
        const ns = node.netns();
        const local = ns.local.lookup(ip);
        const r = local && local.type === 'local' ? local : ns.main.lookup(ip);
        const text = r ? formatRoute(r, { showTable: r.table !== 'main' }).split('\n')[0] : 'no route (unreachable)';
        const list = groups.get(text);
        if (list) list.push(node.name); else groups.set(text, [node.name]);
    }
    const out: string[] = [];
    for (const [text, names] of groups) {
        const who = names.length > 3 ? `${names.slice(0, 2).join(', ')} +${names.length - 2} nodes` : names.join(', ');
        out.push(`${who}: ${text}`);
    }
    if (nodes.length > looked.length) out.push(`(${looked.length} of ${nodes.length} nodes looked at)`);
    return out;
}

/** Hover over an address or prefix literal. */
export function describeAddress(model: ClusterModel, text: string, hint?: { node?: Node }): string | undefined {
    const c = parseCidr(text);
    if (!c) return undefined;
    const isPrefix = text.includes('/');
    const lines: string[] = [];
    if (isPrefix) {
        const n = size(c);
        lines.push(`**${formatPrefix(c)}** · ${formatIp(c.network)} – ${formatIp(c.last)} · ${n.toLocaleString('en-US')} address${n === 1 ? '' : 'es'}`);
        if (c.address !== c.network) lines.push(`address ${formatIp(c.address)} with a /${c.length} prefix`);
    } else {
        lines.push(`**${formatIp(c.address)}**`);
    }
    const owner = model.owners.get(c.address);
    if (owner && (!isPrefix || c.address !== c.network || c.length === 32)) lines.push(`owner: ${ownerText(owner)}`);
    const ranges = declaredRanges(model);
    const inside = ranges.filter(r => isPrefix ? within(c, r.cidr) && !(r.cidr.network === c.network && r.cidr.length === c.length) : contains(r.cidr, c.address));
    const same = isPrefix ? ranges.filter(r => r.cidr.network === c.network && r.cidr.length === c.length) : [];
    if (same.length) lines.push(`is: ${same.slice(0, 4).map(r => r.what).join(', ')}`);
    if (inside.length) {
        inside.sort((a, b) => b.cidr.length - a.cidr.length);
        lines.push(`inside: ${inside.slice(0, 4).map(r => `${r.what} ${formatPrefix(r.cidr)}`).join(', ')}`);
    }
    if (isPrefix && c.length < 32) {
        const holds = ranges.filter(r => within(r.cidr, c) && !(r.cidr.network === c.network && r.cidr.length === c.length));
        if (holds.length) lines.push(`holds: ${holds.slice(0, 4).map(r => r.what).join(', ')}${holds.length > 4 ? `, … ${holds.length - 4} more` : ''}`);
    }
    let out = lines.join('  \n');
    if (!isPrefix && model.nodes.length) {
        out += '\n\n**route each node picks**\n\n' + codeBlock(routePerNode(model, c.address, hint?.node));
        const isService = owner?.kind === 'service' || (model.serviceNetwork !== undefined && contains(model.serviceNetwork, c.address));
        if (isService && model.proxy.mode !== 'ipvs') {
            out += `\n\n_a service address: kube-proxy (${model.proxy.mode}) DNATs it to an endpoint before this lookup; the route is what a packet it does not match would take_`;
        }
    }
    return out;
}

/** Whether a route's gateway is reachable as the kernel checks it (fib_check_nh): on a connected subnet, or onlink. */
export function gatewayReachability(ns: Netns, route: Route): string | undefined {
    const gw = route.gateway;
    if (gw === undefined) return route.dev ? `direct: on-link on ${route.dev}` : undefined;
    if (route.onlink) return `gateway ${formatIp(gw)}: \`onlink\`, taken as on ${route.dev ?? 'the device'} without a subnet check ✓`;
    // The kernel (fib_check_nh) looks the gateway up with a scope that skips routes via
    // other gateways, through the route's device when it names one: it takes the nexthop
    // only if a direct route (a connected subnet) holds the gateway.
    const direct = ns.main.matches(gw).find(r => r !== route && r.gateway === undefined && r.type === 'unicast' && !r.dead
        && (!route.dev || r.dev === route.dev));
    if (direct) return `gateway ${formatIp(gw)} is on ${direct.dev}'s connected subnet ${formatPrefix(direct.destination)} ✓`;
    return `✗ gateway ${formatIp(gw)} is on no connected subnet${route.dev ? ` of ${route.dev}` : ''} and the route has no \`onlink\`: the kernel refuses it ("Nexthop has invalid gateway")`;
}
