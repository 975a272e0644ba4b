/**
 * missing-route: what stops a node reaching another node's pods the way its CNI requires.
 * - A declared `routes` table (pasted `ip route`) without a route for another node's pod
 *   range (the default route toward the gateway does not count: an l2 network's gateway
 *   drops pod traffic; a routed network that carries the pod ranges does count). Found by
 *   two longest-prefix lookups per range in that node's table, never pairwise scans.
 * - A `via` gateway on no connected subnet without `onlink`: the kernel refuses the route
 *   ("Nexthop has invalid gateway").
 * - A pod whose declared routes lead nowhere beyond its own subnet.
 * - flannel host-gw nodes not sharing one L2 network; `cni bridge` on an l2 network whose
 *   nodes declare no routes (nothing routes pod ranges between them).
 * Generated tables are right by construction and are not rebuilt here.
 */
import { type Cidr, type Ip, cidr, contains, formatIp, formatPrefix } from '../model/address';
import { RouteTable, formatRoute } from '../model/route-table';
import type { Network, Node, Pod, Route, Span } from '../model/types';
import { type Finding, type Fix, Codes } from './finding';
import type { CheckContext } from './context';
import { type NodeRange, listOf, nodeRanges } from './ranges';
import { CleanNodes } from './clean-nodes';

/** Nodes whose declared routes were found clean, kept across versions (see `CleanNodes`). */
const cleanNodes = new CleanNodes();

export function checkMissingRoutes(ctx: CheckContext): Finding[] {
    const out: Finding[] = [];
    const { model } = ctx;
    let podProbes: Probe[] | undefined;
    for (const node of model.nodes) cleanNodes.check(ctx, node, out, () => {
        if (node.declaredRoutes) out.push(...gateways(ctx, node.name, node.declaredRoutes, nodeConnected(ctx, node), nodeOwn(ctx, node)));
        for (const pod of node.pods) {
            if (pod.declaredRoutes && !pod.hostNetwork && !pod.noNetwork) {
                out.push(...gateways(ctx, `pod ${pod.name}`, pod.declaredRoutes, podConnected(ctx, pod), pod.address !== undefined ? [pod.address] : []));
                // Probed at other nodes' pods, and next hops checked against every owner.
                ctx.readsOtherNodes();
                out.push(...podGateway(ctx, pod, podProbes ??= probes(ctx)));
            }
        }
    });
    out.push(...coverage(ctx));
    out.push(...hostGwPairs(ctx));
    out.push(...bridgeOnL2(ctx));
    out.push(...routedNetworks(ctx));
    return out;
}

// ------------------------------------------------------------------ gateways

/** Subnets a node is directly connected to: its NIC addresses, CNI devices, declared links. */
function nodeConnected(ctx: CheckContext, node: Node): Cidr[] {
    const out: Cidr[] = node.addresses.map(a => cidr(a.address, a.length));
    for (const l of ctx.generator.nodeLinks(node)) out.push(...l.addresses);
    for (const l of node.declaredLinks) out.push(...l.addresses);
    return out.filter(c => c.length < 32);
}

function nodeOwn(ctx: CheckContext, node: Node): Ip[] {
    return [...node.addresses.map(a => a.address), ...ctx.generator.nodeDeviceAddresses(node).map(d => d.address)];
}

function podConnected(ctx: CheckContext, pod: Pod): Cidr[] {
    if (pod.address === undefined) return [];
    const length = ctx.generator.pod(pod).addressLength;
    return length < 32 ? [cidr(pod.address, length)] : [];
}

/**
 * The kernel accepts `via GW` without onlink only when GW is reachable directly: inside a
 * connected subnet, or covered by a route with no gateway of its own (`169.254.1.1 dev
 * eth0 scope link`), and not one of the namespace's own addresses.
 */
function gateways(ctx: CheckContext, owner: string, routes: readonly Route[], connected: Cidr[], own: Ip[]): Finding[] {
    const out: Finding[] = [];
    const direct = routes.filter(r => r.type === 'unicast' && r.gateway === undefined && !r.nexthops && r.dev !== undefined && r.table === 'main');
    const ownSet = new Set(own);
    // The span is located only for a route that is reported (a pasted table holds thousands).
    const check = (gw: Ip, onlink: boolean, spanOf: () => Span | undefined, route: Route) => {
        if (onlink) return;
        const own = ownSet.has(gw);
        if (!own && (connected.some(c => contains(c, gw)) || direct.some(d => d !== route && contains(d.destination, gw)))) return;
        const span = spanOf();
        if (!span) return;
        const text = formatRoute({ ...route, nexthops: undefined }).split('\n')[0];
        if (own) {
            ctx.fault(route);
            out.push({
                code: Codes.missingRoute, severity: 'error', span,
                message: `gateway ${formatIp(gw)} of '${text}' is ${owner}'s own address: the kernel refuses it ("Nexthop has invalid gateway")`,
            });
            return;
        }
        ctx.fault(route);
        const subnets = connected.map(formatPrefix);
        out.push({
            code: Codes.missingRoute, severity: 'error', span,
            message: `gateway ${formatIp(gw)} of '${text}' is on no subnet ${owner} is connected to${subnets.length ? ` (${listOf(subnets)})` : ''}: the kernel refuses the route ("Nexthop has invalid gateway"); add 'onlink' if the next hop is really on the link, or a route to the gateway`,
        });
    };
    for (const r of routes) {
        if (r.type !== 'unicast' || ctx.isFaulted(r)) continue;
        // Generated routes carry no spans: nothing in the file to point at.
        if (r.gateway !== undefined && r.spans) check(r.gateway, r.onlink, () => r.spans?.gateway, r);
        for (const nh of r.nexthops ?? []) if (nh.gateway !== undefined && nh.span) check(nh.gateway, nh.onlink || r.onlink, () => nh.span, r);
    }
    return out;
}

// ------------------------------------------------------------------ pods

/** Addresses a pod's routes must reach: a ClusterIP, and pods on other nodes (two candidates, so one is always remote). */
interface Probe { readonly ip: Ip; readonly what: string; readonly node?: Node }

function probes(ctx: CheckContext): Probe[] {
    const { model } = ctx;
    const out: Probe[] = [];
    if (model.serviceNetwork) out.push({ ip: model.serviceNetwork.network + 1, what: `ClusterIP ${formatIp(model.serviceNetwork.network + 1)}` });
    let found = 0;
    for (const n of model.nodes) {
        const r = nodeRanges(model, n)[0];
        if (!r) continue;
        out.push({ ip: r.cidr.network + 2, what: `${n.name}'s pods`, node: n });
        if (++found === 2) break;
    }
    return out;
}

/**
 * A pod with declared routes must still reach beyond its own subnet, through its gateway
 * (cni0's address, or Calico's 169.254.1.1): a next hop nobody owns never answers ARP.
 */
function podGateway(ctx: CheckContext, pod: Pod, all: Probe[]): Finding[] {
    const routes = pod.declaredRoutes!.filter(r => r.table === 'main');
    const table = new RouteTable(routes);
    const plumbing = ctx.generator.pod(pod);
    const gw = formatIp(plumbing.gateway);
    const mine = all.filter(p => p.node !== pod.node).slice(0, 2);
    const unreachable: Probe[] = [];
    for (const p of mine) {
        const r = table.lookup(p.ip);
        if (!r || r.type !== 'unicast') { unreachable.push(p); continue; }
        if (r.gateway !== undefined && r.gateway !== plumbing.gateway && !ctx.model.owners.has(r.gateway) && r.spans?.gateway && !ctx.isFaulted(r)) {
            ctx.fault(r);
            return [{
                code: Codes.missingRoute, severity: 'error', span: r.spans.gateway,
                message: `pod ${pod.name} routes ${p.what} via ${formatIp(r.gateway)}, which nobody owns, so ARP for it goes unanswered: its gateway is ${gw}`,
                fixes: [{ title: `Route via the gateway ${gw}`, edits: [{ span: r.spans.gateway, newText: gw }] }],
            }];
        }
    }
    if (unreachable.length === 0 || !pod.nameSpan) return [];
    const lines = [`default via ${gw} dev eth0`];
    if (plumbing.addressLength === 32 && !table.lookup(plumbing.gateway)) lines.unshift(`${gw} dev eth0 scope link`);
    const fix = insertRoutes(ctx, routes, lines, `Add ${lines.join(' and ')}`);
    return [{
        code: Codes.missingRoute, severity: 'error', span: pod.nameSpan,
        message: `pod ${pod.name} has no route toward its gateway ${gw}: its routes reach nothing beyond its own subnet (${listOf(unreachable.map(u => u.what))} unreachable)`,
        fixes: fix ? [fix] : undefined,
    }];
}

// ------------------------------------------------------------------ node tables

/** Whether a default route counts: only where a routed network carries the pod ranges (cached per network). */
function defaultCounts(ctx: CheckContext, node: Node, cache: Map<Network, boolean>): boolean {
    const net = node.addresses[0]?.network;
    if (!net || net.kind !== 'routed') return false;
    let counts = cache.get(net);
    if (counts === undefined) cache.set(net, counts = ctx.generator.networkRoutes(net).length > 0);
    return counts;
}

function coverage(ctx: CheckContext): Finding[] {
    const { model } = ctx;
    const out: Finding[] = [];
    const declaring = model.nodes.filter(n => n.declaredRoutes && !ctx.isFaulted(n));
    const routedCarries = new Map<Network, boolean>();
    if (declaring.length === 0) return out;
    const peers = overlayPeers(ctx);
    for (const node of declaring) {
        const { routes, table } = mainTableOf(node.declaredRoutes!);
        const verdicts = verdictsOf(table, defaultCounts(ctx, node, routedCarries));
        // Every other node's ranges: 5,000 of them, each looked up once while both tables stand.
        const missing: Target[] = [], strayHops: Target[] = [];
        for (const t of model.nodes) {
            if (t === node || ctx.isFaulted(t)) continue;
            for (const range of nodeRanges(model, t)) {
                if (ctx.isFaulted(range.cidr)) continue;
                const v = verdicts.of(range.cidr);
                if (!v.reached) missing.push({ node: t, range });
                else if (peers && v.route && v.route.dev === peers.device && v.route.gateway !== undefined && !peers.known.has(v.route.gateway)) strayHops.push({ node: t, range });
            }
        }
        out.push(...nextHops(ctx, node, table, strayHops, peers));
        const local = localRoutes(ctx, node, table);
        if ((missing.length === 0 && local.lines.length === 0) || !node.routesSpan) continue;
        // The routes the CNI would program for those ranges, as `ip route` prints them.
        const wanted = missing.length === 0 ? [] : ctx.generator.nodeRoutes(node).filter(r => r.type === 'unicast'
            && missing.some(m => m.range.cidr.network <= r.destination.last && r.destination.network <= m.range.cidr.last));
        const remote = [...new Set(wanted.map(r => formatRoute(r)))];
        const lines = [...local.lines, ...remote];
        const problems: string[] = [];
        if (missing.length) {
            const hasDefault = !!table.lookup(missing[0].range.cidr.network);
            const names = missing.map(m => `${m.node.name} (${m.range.label})`);
            const how = remote.length ? `; ${model.cni.plugin} ${model.cni.backend} needs ${remote[0]}${remote.length > 1 ? ` and ${remote.length - 1} more like it` : ''}` : '';
            problems.push(`no way to the pods of ${listOf(names)}: ${hasDefault ? 'only the default route matches, and the gateway drops pod traffic' : 'no route matches'}${how}`);
        }
        if (local.lines.length) {
            problems.push(`no route to its own pods (${listOf(local.what)}): ${local.lines[0]}${local.lines.length > 1 ? ` and ${local.lines.length - 1} more like it are` : ' is'} missing, so their traffic goes elsewhere`);
        }
        const span = { start: node.routesSpan.start, end: node.routesSpan.start + 'routes'.length };
        const fix = lines.length ? insertRoutes(ctx, routes, lines, lines.length === 1 ? `Add ${lines[0]}` : `Add the ${lines.length} routes ${model.cni.plugin} would program`) : undefined;
        out.push({
            code: Codes.missingRoute, severity: 'error', span,
            message: `${node.name}'s routes have ${problems.join('; and ')}`,
            related: missing.slice(0, 10).filter(m => m.range.span).map(m => ({ span: m.range.span!, message: `${m.range.label} of ${m.node.name}` })),
            fixes: fix ? [fix] : undefined,
        });
    }
    return out;
}

/** Whether a table reaches a range (both its ends, by unicast routes) and the route its start takes. */
interface Verdict { readonly reached: boolean; readonly route?: Route }

/**
 * A pasted table's verdicts on other nodes' ranges, by the range's Cidr object: a node an
 * edit left alone keeps its ranges, and the table is kept while its node's routes are, so
 * an edit looks up only the ranges it changed. (Two maps: whether the default route counts.)
 */
class Verdicts {
    private readonly byRange = new WeakMap<Cidr, Verdict>();

    constructor(private readonly table: RouteTable, private readonly viaDefault: boolean) { }

    of(range: Cidr): Verdict {
        let v = this.byRange.get(range);
        if (!v) {
            const route = this.table.lookup(range.network);
            const reached = this.reaches(route) && this.reaches(range.last === range.network ? route : this.table.lookup(range.last));
            this.byRange.set(range, v = { reached, route });
        }
        return v;
    }

    private reaches(r: Route | undefined): boolean {
        return !!r && r.type === 'unicast' && (r.destination.length > 0 || this.viaDefault);
    }
}

const verdictTables = new WeakMap<RouteTable, { readonly viaDefault: Verdicts; readonly withoutDefault: Verdicts }>();

function verdictsOf(table: RouteTable, viaDefault: boolean): Verdicts {
    let both = verdictTables.get(table);
    if (!both) verdictTables.set(table, both = { viaDefault: new Verdicts(table, true), withoutDefault: new Verdicts(table, false) });
    return viaDefault ? both.viaDefault : both.withoutDefault;
}

interface Target { readonly node: Node; readonly range: NodeRange }

const mainTables = new WeakMap<readonly Route[], { readonly routes: Route[]; readonly table: RouteTable }>();

/** A pasted table's main routes and their lookup table, made once per routes list (a node an edit left alone keeps its list). */
function mainTableOf(declared: readonly Route[]): { readonly routes: Route[]; readonly table: RouteTable } {
    let made = mainTables.get(declared);
    if (!made) {
        const routes = declared.filter(r => r.table === 'main');
        mainTables.set(declared, made = { routes, table: new RouteTable(routes) });
    }
    return made;
}

/** The overlay device and, per node, the next hop its routes must name (flannel: the VTEP; tunl0: the node). */
function overlayPeers(ctx: CheckContext): { device: string; hop: Map<Node, Ip>; known: Set<Ip> } | undefined {
    const { model } = ctx;
    const cni = model.cni;
    const hop = new Map<Node, Ip>();
    let device: string | undefined;
    if (cni.plugin === 'flannel' && cni.backend === 'vxlan') {
        device = `flannel.${cni.vni}`;
        for (const n of model.nodes) if (n.podCidr) hop.set(n, n.podCidr.network);
    } else if (cni.plugin === 'calico' && cni.backend === 'vxlan') {
        device = 'vxlan.calico';
        for (const n of model.nodes) if (n.blocks[0]) hop.set(n, n.blocks[0].network);
    } else if (cni.plugin === 'calico' && cni.backend === 'ipip') {
        device = 'tunl0';
        for (const n of model.nodes) if (n.addresses[0]) hop.set(n, n.addresses[0].address);
    }
    return device ? { device, hop, known: new Set(hop.values()) } : undefined;
}

/**
 * A route into the overlay must name a next hop the daemon knows: flanneld writes a
 * neighbour entry per node's VTEP, Felix a tunnel per node. Any other next hop is never
 * resolved, and the packets are lost on the sending node.
 */
function nextHops(ctx: CheckContext, node: Node, table: RouteTable, reached: Target[], peers: ReturnType<typeof overlayPeers>): Finding[] {
    if (!peers || reached.length === 0) return [];
    const out: Finding[] = [];
    const seen = new Set<Route>();
    for (const t of reached) {
        const r = table.lookup(t.range.cidr.network);
        if (!r || r.dev !== peers.device || r.gateway === undefined || peers.known.has(r.gateway) || seen.has(r) || ctx.isFaulted(r) || !r.spans?.gateway) continue;
        seen.add(r);
        ctx.fault(r);
        const want = peers.hop.get(t.node);
        const what = peers.device === 'tunl0' ? 'a node address' : `a node's VTEP address`;
        out.push({
            code: Codes.missingRoute, severity: 'error', span: r.spans.gateway,
            message: `${node.name} routes ${t.range.label} of ${t.node.name} via ${formatIp(r.gateway)} on ${peers.device}, which is not ${what}: ${peers.device === 'tunl0' ? 'the tunnel has no such peer' : 'flanneld wrote no neighbour entry for it'}, so the packets never leave ${node.name}${want !== undefined ? `; ${t.node.name} is ${formatIp(want)}` : ''}`,
            related: t.range.span ? [{ span: t.range.span, message: `${t.range.label} of ${t.node.name}` }] : undefined,
            fixes: want !== undefined && r.destination.network === t.range.cidr.network && r.destination.length === t.range.cidr.length
                ? [{ title: `Route via ${formatIp(want)} (${t.node.name})`, edits: [{ span: r.spans.gateway, newText: formatIp(want) }] }] : undefined,
        });
    }
    return out;
}

/**
 * A pasted table holds what the kernel and the CNI put there for the node's own pods: the
 * bridge's connected route (flannel, bridge CNI) or a /32 per pod (Calico). Without it the
 * node's own pods are unreachable.
 */
function localRoutes(ctx: CheckContext, node: Node, table: RouteTable): { lines: string[]; what: string[] } {
    const pods = node.pods.filter(p => !p.hostNetwork && !p.noNetwork && p.address !== undefined && !ctx.isFaulted(p));
    const out = { lines: [] as string[], what: [] as string[] };
    if (pods.length === 0) return out;
    if (ctx.model.cni.plugin === 'calico') {
        for (const p of pods) {
            if (table.lookup(p.address!)?.destination.length === 32) continue;
            out.lines.push(`${formatIp(p.address!)} dev ${p.hostIface} scope link`);
            out.what.push(`pod ${p.name}`);
        }
        return out;
    }
    const range = node.podCidr;
    if (!range || ctx.isFaulted(range)) return out;
    const bridge = ctx.generator.nodeLinks(node).find(l => l.kind === 'bridge');
    const r = table.lookup(range.network + 1);
    if (!bridge || (r && r.destination.length >= range.length)) return out;
    out.lines.push(`${formatPrefix(range)} dev ${bridge.name} proto kernel scope link src ${formatIp(range.network + 1)}`);
    out.what.push(`podCIDR ${formatPrefix(range)} on ${bridge.name}`);
    return out;
}

/** Inserts route lines after the last route of a block, at its indentation. */
function insertRoutes(ctx: CheckContext, routes: readonly Route[], lines: string[], title: string): Fix | undefined {
    const last = [...routes].filter(r => r.origin.span).sort((a, b) => a.origin.span!.end - b.origin.span!.end).pop();
    if (!last?.origin.span) return undefined;
    const indent = ' '.repeat(ctx.model.rangeOf(last.origin.span).start.character);
    // After the whole line, so a trailing comment stays with the route it annotates.
    const at = ctx.model.afterTrailingComment(last.origin.span.end);
    return { title, edits: [{ span: { start: at, end: at }, newText: lines.map(l => `\n${indent}${l}`).join('') }] };
}

// ------------------------------------------------------------------ structure

/** flannel host-gw routes `via NODE` on the NIC: every pair of nodes must share an L2 network. */
function hostGwPairs(ctx: CheckContext): Finding[] {
    const { model } = ctx;
    if (model.cni.plugin !== 'flannel' || model.cni.backend !== 'host-gw') return [];
    const groups = new Map<string, Node[]>();
    for (const n of model.nodes) {
        const a = n.addresses[0];
        if (!a || ctx.isFaulted(n) || !n.podCidr) continue;
        const key = `${a.network.name}`;
        (groups.get(key) ?? groups.set(key, []).get(key)!).push(n);
    }
    if (groups.size < 2) return [];
    const sorted = [...groups].sort((a, b) => b[1].length - a[1].length);
    const [mainNet, mainNodes] = sorted[0];
    const out: Finding[] = [];
    for (const [net, nodes] of sorted.slice(1)) {
        for (const n of nodes) {
            const span = n.addresses[0].spans.network ?? n.nameSpan;
            if (!span) continue;
            const peer = mainNodes[0];
            out.push({
                code: Codes.missingRoute, severity: 'error', span,
                message: `${n.name} is on network ${net} but its host-gw peers (${listOf(mainNodes.map(m => m.name), 3)}) are on ${mainNet}: host-gw routes each podCIDR via the other node's address, which must be on a shared L2 network; the kernel refuses ${formatPrefix(n.podCidr!)} via ${formatIp(n.addresses[0].address)} on ${peer.name} ("Nexthop has invalid gateway")`,
                related: peer.addresses[0].spans.network ? [{ span: peer.addresses[0].spans.network, message: `${peer.name} on ${mainNet}` }] : undefined,
            });
        }
    }
    return out;
}

/** `cni bridge` leaves cross-node routing to the underlay: an l2 network's gateway has no pod routes. */
function bridgeOnL2(ctx: CheckContext): Finding[] {
    const { model } = ctx;
    if (model.cni.plugin !== 'bridge') return [];
    const stranded = model.nodes.filter(n => !n.declaredRoutes && n.podCidr && n.addresses[0]?.network.kind === 'l2' && !ctx.isFaulted(n));
    const ranged = model.nodes.filter(n => n.podCidr).length;
    if (stranded.length === 0 || ranged < 2) return [];
    const span = model.cni.origin.span;
    if (!span) return [];
    const nets = [...new Set(stranded.map(n => n.addresses[0].network.name))];
    return [{
        code: Codes.missingRoute, severity: 'error', span,
        message: `cni bridge has no overlay: other nodes' pods are reached through the underlay's routes, but ${listOf(nets.map(n => `network ${n}`))} ${nets.length === 1 ? 'is' : 'are'} l2 and ${listOf(stranded.map(n => n.name), 3)} declare${stranded.length === 1 ? 's' : ''} no routes, so pod traffic goes to the gateway, which drops it (make the network 'kind routed' or declare a route per podCIDR)`,
        related: nets.map(n => model.networkByName.get(n)!).filter(n => n.spans.name).map(n => ({ span: n.spans.name!, message: `network ${n.name} (l2)` })),
    }];
}

/**
 * A routed network (a VPC) carries routes only for the pod ranges of nodes on it. With no
 * overlay (cni bridge), nodes on it reach pods of nodes on another network through it, and
 * its table has no route for those ranges.
 */
function routedNetworks(ctx: CheckContext): Finding[] {
    const { model } = ctx;
    if (model.cni.plugin !== 'bridge') return [];
    const byNetwork = new Map<Network, Node[]>();
    for (const n of model.nodes) {
        const net = n.addresses[0]?.network;
        if (!net || !n.podCidr || ctx.isFaulted(n) || ctx.isFaulted(n.podCidr)) continue;
        (byNetwork.get(net) ?? byNetwork.set(net, []).get(net)!).push(n);
    }
    if (byNetwork.size < 2) return [];
    const out: Finding[] = [];
    for (const [net, own] of byNetwork) {
        if (net.kind !== 'routed' || !net.spans.name || own.every(n => n.declaredRoutes)) continue;
        const others = [...byNetwork].filter(([n]) => n !== net).flatMap(([, nodes]) => nodes);
        out.push({
            code: Codes.missingRoute, severity: 'error', span: net.spans.name,
            message: `routed network ${net.name} has routes for the podCIDRs of its own nodes only: ${listOf(others.map(n => `${n.name}'s ${formatPrefix(n.podCidr!)}`), 3)} (on another network) ha${others.length === 1 ? 's' : 've'} no route in it, so ${net.name} drops pod traffic from ${listOf(own.map(n => n.name), 3)} to them`,
            related: others.slice(0, 10).filter(n => n.podCidrSpan).map(n => ({ span: n.podCidrSpan!, message: `podCIDR of ${n.name}` })),
        });
    }
    return out;
}
