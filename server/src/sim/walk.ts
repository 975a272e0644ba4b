/**
 * The packet walk: one packet through the namespaces it visits, as the kernel handles it.
 * Each namespace does what Linux does with an arriving packet (PREROUTING, the local
 * table before main, INPUT or FORWARD, POSTROUTING) and each device does what its kind
 * does (a veth hands the frame to its peer, a bridge to the port behind the next hop's
 * MAC, a VXLAN/IPIP/TUN device pushes the overlay's headers, a NIC puts the frame on an
 * underlay segment). Nothing here knows a CNI by name: the routes, neighbours, FDB
 * entries and links the model generated decide everything.
 *
 * The walk is a loop over actions, not recursion, and stops after a bounded number of
 * steps, so a routing loop ends in LOOP (or the step cap) instead of a stack overflow.
 */
import { type Ip, formatIp } from '../model/address';
import { formatRoute } from '../model/route-table';
import type { ClusterModel, Link, Network, Node, Origin, Pod, Route, Span } from '../model/types';
import type { Alternative, Disposition, FieldChange, Hop, Packet, Step, StepKind } from '../protocol/trace';
import {
    clusterInternal, isLocal, localRoute, networkHolding, networkTable, nodeLeasing, nodeOnNetwork, podOnBridge,
    primaryAddress, replySource, sourceAddress,
} from './addressing';
import { IPVS_DEVICE, runHook } from './netfilter';
import type { Hook, HookContext, HookResult, RuleHit } from './netfilter/types';
import { portmapHook } from './portmap';
import { natSummary, hitText, lastDeciding } from './nat-text';
import { type Place, OUTSIDE, networkPlace, placeOf } from './place';
import {
    type Encapsulation, type InnerPacket, type SimPacket, OVERHEAD, changesBetween, flowHashPort, toPacket, tupleText,
    wireDf, wireDst, wireLength, wireSrc,
} from './packet';

/** Steps after which a walk is taken for a loop the TTL has not caught yet. */
export const MAX_STEPS = 400;

/** A NAT conntrack made on the way out, reversed for the reply. */
export interface NatRecord {
    readonly node: string;
    readonly kind: 'dnat' | 'snat';
    readonly from: { readonly ip: Ip; readonly port?: number };
    readonly to: { readonly ip: Ip; readonly port?: number };
}

export interface WalkResult {
    hops: Hop[];
    disposition: Disposition;
    dispositionAt?: string;
    dispositionReason: string;
    pathMtu: number;
    alternatives?: Alternative[];
    conntrack: NatRecord[];
    /** Where and as what the packet was delivered (for the reply and TCP's MSS). */
    delivered?: { place: Place; packet: SimPacket; deviceMtu: number };
    /** A router answered ICMP frag needed: the MTU it announced and its address. */
    fragNeeded?: { mtu: number; from: string };
}

export type Action =
    | { kind: 'ip-in'; place: Place; inDev: string; pkt: SimPacket; prerouted?: boolean }
    | { kind: 'l2-in'; place: Place; dev: string; pkt: SimPacket; l2: Ip }
    | { kind: 'local'; place: Place; inDev: string; pkt: SimPacket; route: Route }
    | { kind: 'route-out'; place: Place; pkt: SimPacket; forwarded: boolean; inDev?: string }
    | { kind: 'send'; place: Place; route: Route; pkt: SimPacket; forwarded: boolean; inDev?: string }
    | { kind: 'wire'; network: Network; pkt: SimPacket; nexthop: Ip; from: string; vlan?: number }
    | { kind: 'gateway'; network: Network; pkt: SimPacket }
    | { kind: 'outside'; pkt: SimPacket };

interface StepFields {
    inDevice?: string;
    outDevice?: string;
    details?: string[];
    before?: SimPacket;
    mtu?: number;
    decidedBy?: string;
    origin?: Origin;
    span?: Span;
    generated?: boolean;
    /** What leaves instead of the packet (an ICMP error sent back), shown as the step's packet. */
    answer?: Packet;
}

export interface WalkOptions {
    readonly choice?: number;
    /** Reply mode: conntrack reverses the forward NAT; the nat table is not walked again. */
    readonly conntrack?: readonly NatRecord[];
    /** Record each step's packet, changes and source (default true); hops and the ending are always kept. */
    readonly record?: boolean;
}

export class Walk {
    private readonly hops: Hop[] = [];
    private hop?: Hop;
    private hopId?: string;
    private steps = 0;
    private pathMtu = Infinity;
    private alternatives?: Alternative[];
    private readonly conntrack: NatRecord[] = [];
    private result?: { disposition: Disposition; at?: string; reason: string };
    private delivered?: WalkResult['delivered'];
    private redirect?: { port: number; endpoint: Ip; endpointPort: number };
    private fragNeeded?: { mtu: number; from: string };

    constructor(private readonly model: ClusterModel, private readonly options: WalkOptions = {}) { }

    // ------------------------------------------------------------------ recording

    step(place: Place, kind: StepKind, summary: string, pkt: SimPacket, f: StepFields = {}): void {
        if (this.hopId !== place.id || !this.hop) {
            this.hop = { namespace: place.label, kind: place.kind, steps: [] };
            const podNode = place.pod && !place.pod.hostNetwork ? place.pod.node.name : undefined;
            if (podNode) this.hop.node = podNode;
            this.hops.push(this.hop);
            this.hopId = place.id;
        }
        this.steps++;
        if (this.options.record === false) return;
        const packet = f.answer ?? toPacket(pkt);
        const span = f.span ?? f.origin?.span;
        const s: Step = {
            kind, namespace: place.label, summary, packet,
            generated: f.generated ?? f.origin?.generated ?? false,
        };
        if (f.inDevice) s.inDevice = f.inDevice;
        if (f.outDevice) s.outDevice = f.outDevice;
        if (f.details?.length) s.details = f.details;
        if (f.before) {
            const changes: FieldChange[] = changesBetween(f.before, pkt);
            if (changes.length) { s.before = toPacket(f.before); s.changes = changes; }
        }
        if (f.mtu !== undefined) s.mtu = f.mtu;
        if (f.decidedBy) s.decidedBy = f.decidedBy;
        if (span) {
            try { s.source = this.model.rangeOf(span); } catch { /* a span outside the text: no reveal */ }
        }
        this.hop.steps.push(s);
    }

    /** Ends the walk before it starts (no interface, an unresolved endpoint). */
    fail(place: Place, pkt: SimPacket, disposition: Disposition, at: string | undefined, reason: string, origin?: Origin): undefined {
        return this.end(place, pkt, disposition, at, reason, { origin });
    }

    setAlternatives(alternatives: Alternative[]): void {
        this.alternatives = alternatives;
    }

    private end(place: Place, pkt: SimPacket, disposition: Disposition, at: string | undefined, reason: string, f: StepFields = {}, summary = reason): undefined {
        this.step(place, 'drop', summary, pkt, f);
        this.result = { disposition, at, reason };
        return undefined;
    }

    private meetMtu(mtu: number, pkt: SimPacket): void {
        const inner = pkt.outer ? mtu - pkt.outer.overhead : mtu;
        if (inner < this.pathMtu) this.pathMtu = inner;
    }

    // ------------------------------------------------------------------ running

    /** Runs the walk from a first action until a disposition. */
    run(first: Action | undefined): WalkResult {
        let next: Action | undefined = first;
        try {
            while (next && !this.result) {
                if (this.steps >= MAX_STEPS) {
                    const p = 'place' in next ? next.place : OUTSIDE;
                    this.end(p, next.pkt, 'LOOP', p.label, `the packet was still moving after ${MAX_STEPS} steps: a forwarding loop`);
                    break;
                }
                next = this.act(next);
            }
        } catch (e) {
            // Odd input must not crash a hover or the CLI: report it as the trace's end.
            if (!this.result) this.result = { disposition: 'NO_ROUTE', reason: `the simulator could not follow this packet: ${(e as Error)?.message ?? e}` };
        }
        const r = this.result ?? { disposition: 'NO_ROUTE' as Disposition, reason: 'the packet went nowhere' };
        return {
            hops: this.hops, disposition: r.disposition, dispositionAt: r.at, dispositionReason: r.reason,
            pathMtu: Number.isFinite(this.pathMtu) ? this.pathMtu : 0, alternatives: this.alternatives,
            conntrack: this.conntrack, delivered: this.delivered, fragNeeded: this.fragNeeded,
        };
    }

    private act(a: Action): Action | undefined {
        switch (a.kind) {
            case 'ip-in': return this.ipIn(a.place, a.inDev, a.pkt, a.prerouted ?? false);
            case 'l2-in': return this.l2In(a.place, a.dev, a.pkt, a.l2);
            case 'local': return this.local(a.place, a.inDev, a.pkt, a.route);
            case 'route-out': return this.routeOut(a.place, a.pkt, a.forwarded, a.inDev);
            case 'send': return this.send(a.place, a.route, a.pkt, a.forwarded, a.inDev);
            case 'wire': return this.wire(a.network, a.pkt, a.nexthop, a.from, a.vlan);
            case 'gateway': return this.gateway(a.network, a.pkt);
            case 'outside': return this.outside(a.pkt);
        }
    }

    // ------------------------------------------------------------------ origination

    /**
     * The packet leaves a socket in `place`: route lookup (local table first), source
     * address selection, OUTPUT, then the way out.
     */
    originate(place: Place, inner: Omit<InnerPacket, 'src'> & { src?: Ip }, note: string, origin: Origin, learnt: string[] = []): Action | undefined {
        const ns = place.ns!;
        const found = this.lookup(place, inner.dst);
        let pkt: SimPacket = { inner: { ...inner, src: inner.src ?? 0 }, mark: 0 };
        if (!found) {
            return this.end(place, pkt, 'NO_ROUTE', place.label, `${place.label} has no route to ${formatIp(inner.dst)}: the send fails with "Network is unreachable"`,
                { origin }, `no route to ${formatIp(inner.dst)}: connect() fails with ENETUNREACH`);
        }
        const r = found.route;
        const dev = r.dev ?? r.nexthops?.[0]?.dev;
        const src = inner.src ?? (found.local ? (r.src ?? inner.dst) : sourceAddress(ns, r, dev));
        if (src === undefined) {
            return this.end(place, pkt, 'NO_INTERFACE', place.label, `${place.label} has no address to send from on ${dev ?? 'any device'}`, { origin });
        }
        pkt = { inner: { ...pkt.inner, src }, mark: 0 };
        this.step(place, 'originate', `${tupleText(pkt.inner)}, ${pkt.inner.length} bytes${pkt.inner.df ? ', DF' : ''}${note ? ` (${note})` : ''}`, pkt, {
            origin, details: [inner.src === undefined ? `source ${formatIp(src)}: ${r.src !== undefined ? `the route's src` : found.local ? 'the local address itself' : `the primary address of ${dev}`}` : `source ${formatIp(src)}`, ...learnt],
        });
        if (found.local) {
            this.routeStep(place, r, pkt, { outDevice: 'lo' });
            this.meetMtu(place.ns?.links.get('lo')?.mtu ?? 65536, pkt);
            const hooked = this.hook('OUTPUT', place, pkt, { outDev: 'lo' });
            if (!hooked) return undefined;
            if (hooked.pkt.inner.dst !== pkt.inner.dst) return { kind: 'route-out', place, pkt: hooked.pkt, forwarded: false };
            return { kind: 'local', place, inDev: 'lo', pkt: hooked.pkt, route: r };
        }
        if (this.blocked(place, r, pkt, undefined)) return undefined;
        this.routeStep(place, r, pkt, { outDevice: dev });
        const hooked = this.hook('OUTPUT', place, pkt, { outDev: dev });
        if (!hooked) return undefined;
        if (hooked.pkt.inner.dst !== pkt.inner.dst) {
            // OUTPUT's DNAT makes the kernel route again (ip_route_me_harder).
            return { kind: 'route-out', place, pkt: hooked.pkt, forwarded: false };
        }
        return { kind: 'send', place, route: r, pkt: hooked.pkt, forwarded: false };
    }

    /** `ip route get`: table local, then main (and the ipvs ClusterIPs kube-ipvs0 holds). */
    private lookup(place: Place, dst: Ip): { route: Route; local: boolean } | undefined {
        const ns = place.ns!;
        const local = localRoute(this.model, ns, dst);
        if (local) return { route: local, local: true };
        const r = ns.main.lookup(dst);
        return r ? { route: r, local: false } : undefined;
    }

    private routeStep(place: Place, r: Route, pkt: SimPacket, f: StepFields): void {
        const text = formatRoute(r).replace(/\n\t/g, ' ');
        const table = r.table !== 'main' ? ` (table ${r.table})` : '';
        const dev = f.outDevice ? place.ns?.links.get(f.outDevice) : undefined;
        this.step(place, 'route', text + table, pkt, {
            ...f, decidedBy: text, origin: r.origin, mtu: f.mtu ?? (r.mtu ?? dev?.mtu),
        });
    }

    /** blackhole / unreachable / prohibit routes end the packet here. */
    private blocked(place: Place, r: Route, pkt: SimPacket, inDev: string | undefined): boolean {
        if (r.type !== 'blackhole' && r.type !== 'unreachable' && r.type !== 'prohibit' && r.type !== 'throw') return false;
        this.routeStep(place, r, pkt, { inDevice: inDev });
        const what = r.type === 'blackhole' ? 'dropped silently (blackhole route)'
            : r.type === 'unreachable' ? 'ICMP host unreachable (unreachable route)'
                : r.type === 'prohibit' ? 'ICMP communication administratively prohibited (prohibit route)'
                    : 'no route in this table (throw)';
        this.end(place, pkt, r.type === 'throw' ? 'NO_ROUTE' : 'BLACKHOLE', place.label,
            `${place.label}: ${formatRoute(r)} — ${what}`, { origin: r.origin, decidedBy: formatRoute(r) }, what);
        return true;
    }

    // ------------------------------------------------------------------ netfilter

    /**
     * One netfilter hook in a node's root namespace (pods and hosts hold no rules). In a
     * reply, conntrack reverses the forward NAT instead (the nat table sees only a
     * connection's first packet). Returns undefined when the packet is dropped.
     */
    private hook(hook: Hook, place: Place, pkt: SimPacket, c: { inDev?: string; outDev?: string; outDevAddress?: Ip; bridged?: boolean }): { pkt: SimPacket; result?: HookResult } | undefined {
        const node = place.node;
        if (!node || pkt.outer) return { pkt };
        if (this.options.conntrack) return { pkt: this.unNat(hook, place, pkt) };
        const ns = place.ns!;
        const model = this.model;
        const ctx: HookContext = {
            model, node, inDev: c.inDev, outDev: c.outDev, outDevAddress: c.outDevAddress, bridged: c.bridged,
            choice: this.options.choice, isLocal: (ip: Ip) => isLocal(model, ns, ip),
        };
        const i = pkt.inner;
        const view = { src: i.src, dst: i.dst, protocol: i.protocol, srcPort: i.srcPort, dstPort: i.dstPort, mark: pkt.mark };
        const pm = portmapHook(hook, node, view, ctx.isLocal);
        if (pm) {
            // DNAT ends the nat chain walk: the portmap rule decided, kube-proxy's chains are not reached.
            const after: SimPacket = { inner: { ...i, dst: pm.dnat.to, dstPort: pm.dnat.port }, outer: pkt.outer, mark: pm.packet.mark };
            this.conntrack.push({ node: node.name, kind: 'dnat', from: { ip: i.dst, port: i.dstPort }, to: { ip: pm.dnat.to, port: pm.dnat.port } });
            const last = pm.hits[pm.hits.length - 1];
            this.step(place, 'nat', `${hook}: CNI-HOSTPORT-DNAT → ${last.chain} — DNAT to ${formatIp(pm.dnat.to)}:${pm.dnat.port} (hostPort ${i.dstPort} of ${pm.pod.name})`, after, {
                inDevice: c.inDev, outDevice: c.outDev, before: pkt, details: pm.hits.map(hitText), decidedBy: last.rule, span: last.span, generated: false,
            });
            return { pkt: after };
        }
        const result = runHook(hook, ctx, view);
        if (result.alternatives?.length && !this.alternatives) this.alternatives = [...result.alternatives];
        // userspace: REDIRECT happens at PREROUTING/OUTPUT; kube-proxy takes the packet once it is delivered locally.
        if (result.redirectedToProxy) this.redirect = result.redirectedToProxy;
        const after: SimPacket = {
            inner: { ...i, src: result.packet.src, dst: result.packet.dst, srcPort: result.packet.srcPort ?? i.srcPort, dstPort: result.packet.dstPort ?? i.dstPort },
            outer: pkt.outer, mark: result.packet.mark,
        };
        if (result.dnat) this.conntrack.push({ node: node.name, kind: 'dnat', from: { ip: i.dst, port: i.dstPort }, to: { ip: after.inner.dst, port: after.inner.dstPort } });
        if (result.snat) this.conntrack.push({ node: node.name, kind: 'snat', from: { ip: i.src, port: i.srcPort }, to: { ip: after.inner.src, port: after.inner.srcPort } });
        const changed = after.inner.src !== i.src || after.inner.dst !== i.dst || after.inner.srcPort !== i.srcPort || after.inner.dstPort !== i.dstPort;
        const interesting = changed || result.verdict !== 'ACCEPT' || result.ipvs || result.redirectedToProxy || after.mark !== pkt.mark;
        if (result.hits.length && interesting) {
            this.step(place, 'nat', natSummary(hook, result, c.bridged ?? false), after, {
                inDevice: c.inDev, outDevice: c.outDev, before: pkt, details: result.hits.map(hitText),
                decidedBy: lastDeciding(result.hits)?.rule, span: lastDeciding(result.hits)?.span,
                generated: result.hits.every((h: RuleHit) => h.by !== 'file'),
            });
        }
        if (result.verdict !== 'ACCEPT') {
            const hit = lastDeciding(result.hits);
            const disposition = result.disposition ?? 'FILTERED';
            const how = result.reject ? `${result.reject.description} (ICMP type ${result.reject.icmpType} code ${result.reject.icmpCode})` : 'dropped';
            const why = disposition === 'NO_ENDPOINTS' ? `the service has no endpoints: kube-proxy's filter table REJECTs, the sender hears ${how}`
                : disposition === 'NO_LOCAL_ENDPOINT' ? `externalTrafficPolicy Local and ${node.name} has no local endpoint: ${how}`
                    : `${hook} ${result.verdict === 'REJECT' ? 'rejects' : 'drops'} it: ${how}`;
            const rej = result.reject;
            const from = rej ? replySource(this.model, ns, i.src) : undefined;
            const answer: Packet | undefined = rej && from !== undefined ? {
                headers: [
                    { kind: 'ipv4', src: formatIp(from), dst: formatIp(i.src), ttl: 64, df: false, protocol: 1, length: Math.min(576, 28 + i.length) },
                    { kind: 'icmp', type: rej.icmpType, code: rej.icmpCode, description: rej.description },
                ],
                length: Math.min(576, 28 + i.length),
            } : undefined;
            this.end(place, after, disposition, `${node.name} ${hook}`, `${node.name}: ${why}`, { decidedBy: hit?.rule, span: hit?.span, generated: hit ? hit.by !== 'file' : true, inDevice: c.inDev, outDevice: c.outDev, answer });
            return undefined;
        }
        return { pkt: after, result };
    }

    /** Conntrack on the reply: de-SNAT before routing (PREROUTING), de-DNAT on the way out (POSTROUTING, INPUT). */
    private unNat(hook: Hook, place: Place, pkt: SimPacket): SimPacket {
        const node = place.node!.name;
        const i = pkt.inner;
        let next = i;
        const lines: string[] = [];
        for (const e of this.options.conntrack ?? []) {
            if (e.node !== node) continue;
            if (e.kind === 'snat' && (hook === 'PREROUTING' || hook === 'OUTPUT') && next.dst === e.to.ip && (e.to.port === undefined || next.dstPort === e.to.port)) {
                next = { ...next, dst: e.from.ip, dstPort: e.from.port ?? next.dstPort };
                lines.push(`reply to a masqueraded connection: destination ${fmt(e.to)} → ${fmt(e.from)}`);
            }
            if (e.kind === 'dnat' && (hook === 'POSTROUTING' || hook === 'INPUT') && next.src === e.to.ip && (e.to.port === undefined || next.srcPort === e.to.port)) {
                next = { ...next, src: e.from.ip, srcPort: e.from.port ?? next.srcPort };
                lines.push(`reply of a DNATed connection: source ${fmt(e.to)} → ${fmt(e.from)}`);
            }
        }
        if (next === i) return pkt;
        const after: SimPacket = { ...pkt, inner: next };
        this.step(place, 'nat', `conntrack (${hook}): ${lines.join('; ')}`, after, {
            before: pkt, details: lines, decidedBy: 'conntrack', generated: true,
        });
        return after;
    }

    // ------------------------------------------------------------------ arriving at a namespace

    /** A frame arrives at `dev` in `place`; `l2` is the next hop its sender resolved (whose MAC it carries). */
    private l2In(place: Place, dev: string, pkt: SimPacket, l2: Ip): Action | undefined {
        const ns = place.ns!;
        const link = ns.links.get(dev);
        if (!link) return this.end(place, pkt, 'NEIGHBOR_UNREACHABLE', `${dev} of ${place.label}`, `${place.label} has no device ${dev}`);
        const len = frameLength(pkt);
        this.meetMtu(link.mtu, pkt);
        // A veth takes what is_skb_forwardable allows: MTU + Ethernet header + a VLAN tag, so IP
        // packets up to MTU + 4 get through (measured by `knet lab`); a NIC takes its MTU.
        const limit = link.kind === 'veth' ? link.mtu + 4 : link.mtu;
        if (len > limit) {
            // Frames over that are dropped on receive: no ICMP.
            return this.end(place, pkt, 'MTU_EXCEEDED', `${dev} of ${place.label} (${link.mtu})`,
                `a ${len}-byte packet arrives at ${dev} of ${place.label}, whose MTU is ${link.mtu}: the ${link.kind === 'veth' ? 'veth' : 'device'} drops it silently, no ICMP is sent`,
                { inDevice: dev, mtu: link.mtu, origin: link.origin }, `dropped at ${dev}: ${len} bytes > MTU ${link.mtu} (no ICMP)`);
        }
        if (link.master && place.node) return this.bridgeIn(place, link, pkt, l2);
        return { kind: 'ip-in', place, inDev: dev, pkt };
    }

    /** A frame enters a bridge through port `port`. */
    private bridgeIn(place: Place, port: Link, pkt: SimPacket, l2: Ip): Action | undefined {
        const ns = place.ns!;
        const node = place.node!;
        const bridge = port.master!;
        const bridgeLink = ns.links.get(bridge);
        if (!bridgeLink) return this.end(place, pkt, 'NEIGHBOR_UNREACHABLE', `${port.name} of ${place.label}`, `${port.name} is a port of ${bridge}, which ${place.label} does not have`, { origin: port.origin });
        const toBridge = localRoute(this.model, ns, l2) !== undefined;
        const brNf = ns.sysctls.bridgeNfCallIptables;
        let cur = pkt;
        if (brNf) {
            // br_netfilter: the IPv4 PREROUTING hooks run while the frame is still on the bridge.
            const h = this.hook('PREROUTING', place, pkt, { inDev: bridge, bridged: !toBridge });
            if (!h) return undefined;
            cur = h.pkt;
        }
        const dnatted = cur.inner.dst !== pkt.inner.dst;
        if (dnatted) {
            const r = ns.main.lookup(cur.inner.dst);
            const behind = r && r.dev === bridge && r.gateway === undefined ? podOnBridge(this.model, node, bridge, cur.inner.dst) : undefined;
            if (behind && r) {
                // br_nf_pre_routing_finish: the new destination is on this same bridge, so the
                // frame is bridged to its port, not routed: TTL unchanged, no FORWARD.
                return this.bridgeTo(place, port, bridgeLink, behind, cur, `${bridge}: br_netfilter DNAT while bridged; ${formatIp(cur.inner.dst)} is behind ${behind.port.name}, so the frame is bridged, not routed (TTL unchanged)`, formatRoute(r), r.origin);
            }
            return { kind: 'ip-in', place, inDev: bridge, pkt: cur, prerouted: true };
        }
        if (toBridge) return { kind: 'ip-in', place, inDev: bridge, pkt: cur, prerouted: brNf };
        const behind = podOnBridge(this.model, node, bridge, l2);
        if (!behind) {
            return this.end(place, cur, 'NEIGHBOR_UNREACHABLE', `${bridge} on ${node.name}`, `nobody behind ${bridge} on ${node.name} answers ARP for ${formatIp(l2)}`, { inDevice: port.name, origin: bridgeLink.origin });
        }
        return this.bridgeTo(place, port, bridgeLink, behind, cur, `${bridge}: ${port.name} → ${behind.port.name} (${formatIp(l2)} is ${behind.pod.name})`, undefined, bridgeLink.origin);
    }

    private bridgeTo(place: Place, from: Link, bridge: Link, behind: { pod: Pod; port: Link }, pkt: SimPacket, summary: string, decidedBy: string | undefined, origin: Origin): Action | undefined {
        const ns = place.ns!;
        const details = [`fdb: ${behind.pod.name}'s eth0 MAC learned on ${behind.port.name} (master ${bridge.name})`];
        // Back out of the port it came in on: the bridge plugin's hairpinMode lets it (a pod reaching itself through its service).
        if (from.name === behind.port.name) details.push(`hairpin: ${from.name} has hairpin mode on, so the frame goes back out the port it came in on`);
        this.step(place, 'bridge', summary, pkt, {
            inDevice: from.name, outDevice: behind.port.name, mtu: behind.port.mtu, origin, decidedBy, details,
        });
        let cur = pkt;
        if (ns.sysctls.bridgeNfCallIptables) {
            const f = this.hook('FORWARD', place, cur, { inDev: bridge.name, outDev: bridge.name, bridged: true });
            if (!f) return undefined;
            const p = this.hook('POSTROUTING', place, f.pkt, { inDev: bridge.name, outDev: bridge.name, outDevAddress: primaryAddress(bridge), bridged: true });
            if (!p) return undefined;
            cur = p.pkt;
        }
        return this.acrossVeth(place, behind.port, cur, behind.pod.address ?? cur.inner.dst);
    }

    /** The packet enters a namespace's IP layer (from a device, a tunnel or loopback). */
    private ipIn(place: Place, inDev: string, pkt: SimPacket, prerouted: boolean): Action | undefined {
        const ns = place.ns!;
        let cur = pkt;
        if (!prerouted) {
            const h = this.hook('PREROUTING', place, cur, { inDev });
            if (!h) return undefined;
            cur = h.pkt;
        }
        if (this.rpFiltered(place, inDev, cur)) return undefined;
        const dst = wireDst(cur);
        const local = localRoute(this.model, ns, dst);
        if (local) {
            // Table local answers first; a tunnel's outer packet goes straight to its decapsulation.
            if (!cur.outer && place.node) this.routeStep(place, local, cur, { inDevice: inDev });
            return { kind: 'local', place, inDev, pkt: cur, route: local };
        }
        return this.forward(place, inDev, cur);
    }

    /**
     * Reverse-path filtering (fib_validate_source, during the input route lookup, for local
     * and forwarded packets alike): strict wants the route back to the source to leave by
     * the device the packet came in on, loose wants any route back.
     */
    private rpFiltered(place: Place, inDev: string, pkt: SimPacket): boolean {
        const ns = place.ns!;
        if (ns.sysctls.rpFilter === 0 || inDev === 'lo') return false;
        const src = wireSrc(pkt);
        if (localRoute(this.model, ns, src)) return false;
        const back = ns.main.lookup(src);
        const backDev = back?.dev ?? back?.nexthops?.[0]?.dev;
        const usable = back !== undefined && back.type === 'unicast';
        const fails = ns.sysctls.rpFilter === 1 ? !usable || backDev !== inDev : !usable;
        if (!fails) return false;
        const mode = ns.sysctls.rpFilter === 1 ? 'strict' : 'loose';
        this.end(place, pkt, 'FILTERED', `${inDev} of ${place.label}`,
            `rp_filter=${ns.sysctls.rpFilter} (${mode}) on ${place.label}: the route back to ${formatIp(src)} ${usable ? `leaves by ${backDev}, not ${inDev}` : 'does not exist'}, so the kernel drops the packet as spoofed`,
            { inDevice: inDev, decidedBy: back ? formatRoute(back) : undefined, origin: place.node?.origin }, `rp_filter (${mode}) drops it: asymmetric path`);
        return true;
    }

    /** ip_forward: the main table, TTL, FORWARD, then the way out. */
    private forward(place: Place, inDev: string, pkt: SimPacket): Action | undefined {
        const ns = place.ns!;
        const dst = wireDst(pkt);
        if (!ns.sysctls.ipForward) {
            const node = place.node;
            return this.end(place, pkt, 'FORWARD_DISABLED', `${place.label} ${inDev}`,
                node ? `${node.name} has net.ipv4.ip_forward=0: it does not route ${formatIp(dst)}, which is not its own address`
                    : `${place.label} does not forward: ${formatIp(dst)} is not one of its addresses`,
                { inDevice: inDev, origin: node?.origin }, node ? `ip_forward=0 on ${node.name}: not forwarded` : `not for ${place.label}: dropped`);
        }
        const r = ns.main.lookup(dst);
        if (!r) {
            return this.end(place, pkt, 'NO_ROUTE', `${place.label}`, `${place.label} has no route to ${formatIp(dst)} (and no default route): ICMP network unreachable`,
                { inDevice: inDev }, `no route to ${formatIp(dst)}`);
        }
        if (this.blocked(place, r, pkt, inDev)) return undefined;
        const ttl = pkt.outer ? pkt.outer.ttl : pkt.inner.ttl;
        if (ttl <= 1) {
            const from = replySource(this.model, ns, wireSrc(pkt));
            const size = Math.min(576, 28 + wireLength(pkt));
            const answer: Packet | undefined = from === undefined ? undefined : {
                headers: [
                    { kind: 'ipv4', src: formatIp(from), dst: formatIp(wireSrc(pkt)), ttl: 64, df: false, protocol: 1, length: size },
                    { kind: 'icmp', type: 11, code: 0, description: 'time exceeded in transit' },
                ],
                length: size,
            };
            return this.end(place, pkt, 'LOOP', place.label,
                `TTL ran out at ${place.label}: it answers ICMP time exceeded${from !== undefined ? ` from ${formatIp(from)}` : ''}`, { inDevice: inDev, decidedBy: formatRoute(r), origin: r.origin, answer },
                `TTL exceeded in transit`);
        }
        const next: SimPacket = pkt.outer ? { ...pkt, outer: { ...pkt.outer, ttl: ttl - 1 } } : { ...pkt, inner: { ...pkt.inner, ttl: ttl - 1 } };
        const dev = r.dev ?? r.nexthops?.[0]?.dev;
        this.routeStep(place, r, next, { inDevice: inDev, outDevice: dev, before: pkt });
        const f = this.hook('FORWARD', place, next, { inDev, outDev: dev });
        if (!f) return undefined;
        return { kind: 'send', place, route: r, pkt: f.pkt, forwarded: true, inDev };
    }

    /** Locally delivered: a tunnel's outer packet is decapsulated; INPUT (ipvs, userspace); the socket. */
    private local(place: Place, inDev: string, pkt: SimPacket, r: Route): Action | undefined {
        const ns = place.ns!;
        if (pkt.outer) return this.decap(place, inDev, pkt);
        const h = this.hook('INPUT', place, pkt, { inDev });
        if (!h) return undefined;
        const res = h.result;
        if (res?.ipvs || (res?.dnat && h.pkt.inner.dst !== pkt.inner.dst)) {
            // IPVS acts at LOCAL_IN after the local lookup, then sends the packet on to the real server.
            return { kind: 'route-out', place, pkt: h.pkt, forwarded: false, inDev };
        }
        const redirect = res?.redirectedToProxy ?? this.redirect;
        if (redirect) {
            this.redirect = undefined;
            return this.userspaceProxy(place, h.pkt, redirect);
        }
        const cur = h.pkt;
        const i = cur.inner;
        if (r.dev === IPVS_DEVICE && i.protocol !== 'icmp') {
            // A ClusterIP on kube-ipvs0 answers only the ports IPVS serves; no socket listens there.
            return this.end(place, cur, 'FILTERED', `${place.label} ${IPVS_DEVICE}`,
                `${formatIp(i.dst)} is local on ${IPVS_DEVICE} but no IPVS virtual server serves ${i.protocol} port ${i.dstPort}: nothing listens, the node answers ${i.protocol === 'tcp' ? 'TCP RST' : 'ICMP port unreachable'}`,
                { inDevice: inDev, origin: r.origin }, `no virtual server for ${formatIp(i.dst)}:${i.dstPort}`);
        }
        const pod = place.pod;
        const devMtu = ns.links.get(inDev)?.mtu ?? 65536;
        if (pod && i.protocol !== 'icmp' && i.dstPort !== undefined && pod.containers.length > 0 && !pod.containers.some(c => c.port === i.dstPort)) {
            const open = pod.containers.map(c => `${c.name}:${c.port}`).join(', ');
            return this.end(place, cur, 'FILTERED', `${place.label}:${i.dstPort}`,
                `nothing listens on port ${i.dstPort} in ${pod.name} (containers ${open}): the kernel answers ${i.protocol === 'tcp' ? 'TCP RST' : 'ICMP port unreachable'}`,
                { inDevice: inDev, origin: pod.origin }, `port ${i.dstPort} closed in ${pod.name}`);
        }
        const what = i.protocol === 'icmp' ? 'ICMP echo request answered' : i.dstPort !== undefined ? `${i.protocol} port ${i.dstPort}` : i.protocol;
        const container = pod?.containers.find(c => c.port === i.dstPort);
        const delivered: SimPacket = { ...cur, inner: { ...cur.inner, length: cur.inner.length } };
        this.step(place, 'deliver', `delivered to ${formatIp(i.dst)} in ${place.label}: ${what}${container ? ` (container ${container.name})` : ''}`, delivered, {
            inDevice: inDev, decidedBy: formatRoute(r), origin: pod?.origin ?? place.node?.origin ?? place.host?.origin ?? r.origin,
        });
        this.delivered = { place, packet: delivered, deviceMtu: devMtu };
        this.result = { disposition: 'DELIVERED', at: `${place.label} ${inDev}`, reason: `delivered to ${tupleText(i)} in ${place.label}` };
        return undefined;
    }

    /** userspace kube-proxy: the REDIRECTed connection ends at kube-proxy, which opens its own to the endpoint. */
    private userspaceProxy(place: Place, pkt: SimPacket, r: { port: number; endpoint: Ip; endpointPort: number }): Action | undefined {
        this.step(place, 'deliver', `kube-proxy (userspace) accepts the connection on port ${r.port}`, pkt, { generated: true, origin: this.model.proxy.origin });
        const node = place.node;
        return this.originate(place, {
            dst: r.endpoint, protocol: pkt.inner.protocol, srcPort: flowHashPort(pkt.inner), dstPort: r.endpointPort,
            ttl: 64, df: pkt.inner.df, length: pkt.inner.length,
        }, `kube-proxy on ${node?.name ?? place.label} opens a new connection to the endpoint`, this.model.proxy.origin);
    }

    private decap(place: Place, inDev: string, pkt: SimPacket): Action | undefined {
        const ns = place.ns!;
        const o = pkt.outer!;
        let device: Link | undefined;
        for (const l of ns.links.values()) {
            if (o.kind === 'vxlan' && l.kind === 'vxlan' && (l.port ?? this.model.cni.port) === o.dstPort) { device = l; break; }
            if (o.kind === 'ipip' && l.kind === 'ipip') { device = l; break; }
            if (o.kind === 'flannel-udp' && l.kind === 'tun') { device = l; break; }
            if (o.kind === 'gre' && l.kind === 'gre' && (l.remote === undefined || l.remote === o.src)) { device = l; break; }
        }
        if (!device) {
            const what = o.kind === 'vxlan' || o.kind === 'flannel-udp' ? `nothing listens on UDP ${o.dstPort}: ICMP port unreachable` : `no ${o.kind} device takes protocol ${o.kind === 'ipip' ? 4 : 47}`;
            return this.end(place, pkt, 'UNDERLAY_DROP', `${place.label} ${inDev}`, `${place.label} receives ${o.kind} from ${formatIp(o.src)} but ${what}`, { inDevice: inDev, origin: place.node?.origin });
        }
        if (o.kind === 'vxlan' && device.vni !== undefined && o.vni !== undefined && device.vni !== o.vni) {
            return this.end(place, pkt, 'UNDERLAY_DROP', `${device.name} of ${place.label}`, `${place.label}'s ${device.name} has VNI ${device.vni}, the packet carries VNI ${o.vni}: dropped`, { inDevice: inDev, origin: device.origin });
        }
        const inner: SimPacket = { inner: pkt.inner, mark: 0 };
        const how = o.kind === 'vxlan' ? `UDP ${o.dstPort} to ${device.name}, VNI ${o.vni} matches: outer headers stripped`
            : o.kind === 'ipip' ? `protocol 4 to ${device.name}: outer IPv4 stripped`
                : o.kind === 'flannel-udp' ? `UDP ${o.dstPort} to flanneld (user space), which writes the inner packet into ${device.name}`
                    : `GRE to ${device.name}: outer headers stripped`;
        this.step(place, 'decap', how, inner, { inDevice: inDev, outDevice: device.name, before: pkt, origin: device.origin, mtu: device.mtu });
        return { kind: 'ip-in', place, inDev: device.name, pkt: inner };
    }

    /** Route lookup of the outermost destination, then out (outer packets, ipvs and OUTPUT re-routes). */
    private routeOut(place: Place, pkt: SimPacket, forwarded: boolean, inDev: string | undefined): Action | undefined {
        const dst = wireDst(pkt);
        const found = this.lookup(place, dst);
        if (!found) {
            return this.end(place, pkt, 'NO_ROUTE', place.label, `${place.label} has no route to ${formatIp(dst)}`, { inDevice: inDev }, `no route to ${formatIp(dst)}`);
        }
        const r = found.route;
        if (found.local) {
            this.routeStep(place, r, pkt, { inDevice: inDev, outDevice: 'lo' });
            return { kind: 'local', place, inDev: 'lo', pkt, route: r };
        }
        if (this.blocked(place, r, pkt, inDev)) return undefined;
        const dev = r.dev ?? r.nexthops?.[0]?.dev;
        this.routeStep(place, r, pkt, { inDevice: inDev, outDevice: dev });
        return { kind: 'send', place, route: r, pkt, forwarded, inDev };
    }

    // ------------------------------------------------------------------ leaving by a device

    private send(place: Place, r: Route, pkt: SimPacket, forwarded: boolean, inDev: string | undefined): Action | undefined {
        const ns = place.ns!;
        let gateway = r.gateway;
        let devName = r.dev;
        const details: string[] = [];
        if (r.nexthops?.length) {
            const live = r.nexthops.filter(n => !n.dead && !n.linkdown);
            const pool = live.length ? live : r.nexthops;
            const total = pool.reduce((s, n) => s + Math.max(1, n.weight), 0);
            let pick = flowHashPort(pkt.inner) % total;
            let chosen = pool[0];
            for (const n of pool) { pick -= Math.max(1, n.weight); if (pick < 0) { chosen = n; break; } }
            gateway = chosen.gateway;
            devName = chosen.dev ?? devName;
            for (const n of r.nexthops) {
                details.push(`${n === chosen ? 'chosen' : 'other'} nexthop via ${n.gateway !== undefined ? formatIp(n.gateway) : '-'} dev ${n.dev ?? '?'} weight ${n.weight}${n.dead ? ' dead' : ''} (the flow hash picks one)`);
            }
        }
        const dst = wireDst(pkt);
        const nexthop = gateway ?? dst;
        const link = devName ? ns.links.get(devName) : undefined;
        if (!link) {
            return this.end(place, pkt, 'NO_ROUTE', place.label, `${formatRoute(r)}: ${place.label} has no device ${devName ?? '(none)'}`, { origin: r.origin, decidedBy: formatRoute(r) });
        }
        const mtu = r.mtu ?? link.mtu;
        let cur = pkt;
        const len = wireLength(cur);
        if (len > mtu) {
            if (wireDf(cur)) return this.tooBig(place, cur, link, mtu, forwarded, r);
            const fragments = fragmentsFor(len, mtu);
            const first = 20 + Math.max(8, Math.floor((mtu - 20) / 8) * 8);
            details.push(`${len} bytes > MTU ${mtu} with DF clear: fragmented into ${fragments} fragments${cur.outer ? ' (the outer packet; reassembled where it is decapsulated)' : `, the first ${first} bytes`}`);
            // An inner packet goes on as its first (largest) fragment; an outer one is reassembled at decap.
            cur = cur.outer ? { ...cur, fragmentSize: mtu } : { ...cur, inner: { ...cur.inner, length: first } };
        }
        this.meetMtu(mtu, cur);
        if (details.length && this.hop) {
            const last = this.hop.steps[this.hop.steps.length - 1];
            if (last) last.details = [...(last.details ?? []), ...details];
        }
        const post = this.hook('POSTROUTING', place, cur, { inDev, outDev: link.name, outDevAddress: primaryAddress(link) });
        if (!post) return undefined;
        cur = post.pkt;
        switch (link.kind) {
            case 'vxlan': return this.encapVxlan(place, link, cur, nexthop);
            case 'ipip': case 'gre': return this.encapIp(place, link, cur, nexthop, gateway);
            case 'tun': return this.encapFlannelUdp(place, link, cur);
            case 'veth': return this.acrossVeth(place, link, cur, nexthop);
            case 'bridge': return this.outOfBridge(place, link, cur, nexthop);
            case 'loopback': case 'dummy': {
                const lr = localRoute(this.model, ns, dst);
                if (lr) return { kind: 'local', place, inDev: link.name, pkt: cur, route: lr };
                return this.end(place, cur, 'NO_ROUTE', place.label, `${link.name} is a ${link.kind} device: a packet to ${formatIp(dst)} sent there goes nowhere`, { origin: link.origin });
            }
            default: return this.ontoNetwork(place, link, cur, nexthop);
        }
    }

    /** DF set and the device too small: a local error at the sender, ICMP frag-needed from a router. */
    private tooBig(place: Place, pkt: SimPacket, link: Link, mtu: number, forwarded: boolean, r: Route): undefined {
        const len = wireLength(pkt);
        const innerMtu = pkt.outer ? mtu - pkt.outer.overhead : mtu;
        if (innerMtu < this.pathMtu) this.pathMtu = innerMtu;
        const at = `${link.name} of ${place.label} (${mtu})`;
        if (!forwarded && !pkt.outer) {
            const msg = pkt.inner.protocol === 'icmp' ? `ping: local error: message too long, mtu=${mtu}` : `sendmsg: Message too long (EMSGSIZE), mtu=${mtu}`;
            return this.end(place, pkt, 'MTU_EXCEEDED', at,
                `${len} bytes with DF set do not fit ${link.name}'s MTU ${mtu}: the send fails in ${place.label} itself ("${msg}"), nothing reaches the wire`,
                { outDevice: link.name, mtu, origin: link.origin, decidedBy: formatRoute(r) }, msg);
        }
        const from = replySource(this.model, place.ns!, pkt.inner.src);
        this.fragNeeded = { mtu: innerMtu, from: from !== undefined ? formatIp(from) : place.label };
        const msg = `ICMP frag needed and DF set (mtu = ${innerMtu}) from ${from !== undefined ? formatIp(from) : place.label}`;
        // The error carries the offending header and as much of its data as fits 576 bytes.
        const answer: Packet | undefined = from === undefined ? undefined : {
            headers: [
                { kind: 'ipv4', src: formatIp(from), dst: formatIp(pkt.inner.src), ttl: 64, df: false, protocol: 1, length: Math.min(576, 28 + pkt.inner.length) },
                { kind: 'icmp', type: 3, code: 4, description: 'fragmentation needed and DF set', mtu: innerMtu },
            ],
            length: Math.min(576, 28 + pkt.inner.length),
        };
        return this.end(place, pkt, 'MTU_EXCEEDED', at,
            `${len} bytes with DF set do not fit ${link.name}'s MTU ${mtu}: ${place.label} answers ${msg}`,
            { outDevice: link.name, mtu, origin: link.origin, decidedBy: formatRoute(r), answer, details: [`the packet: ${tupleText(pkt.inner)}, ${len} bytes, DF`] }, msg);
    }

    private encapVxlan(place: Place, link: Link, pkt: SimPacket, nexthop: Ip): Action | undefined {
        const ns = place.ns!;
        const neigh = ns.neigh.neighbor(link.name, nexthop);
        if (!neigh) {
            return this.end(place, pkt, 'NEIGHBOR_UNREACHABLE', `${link.name} of ${place.label}`,
                `${place.label} has no neighbour entry for ${formatIp(nexthop)} on ${link.name}: no VTEP answers, the packet is dropped`,
                { outDevice: link.name, origin: link.origin }, `no neighbour for ${formatIp(nexthop)} on ${link.name}`);
        }
        const fdb = ns.neigh.forwarding(link.name, neigh.mac);
        if (!fdb) {
            return this.end(place, pkt, 'NEIGHBOR_UNREACHABLE', `${link.name} of ${place.label}`,
                `${link.name} has no FDB entry for ${neigh.mac}: it does not know which node holds that VTEP`,
                { outDevice: link.name, origin: neigh.origin }, `no FDB entry for ${neigh.mac} on ${link.name}`);
        }
        const local = link.local ?? sourceAddress(ns, ns.main.lookup(fdb.dst), link.parent);
        if (local === undefined) return this.end(place, pkt, 'NO_ROUTE', link.name, `${link.name} has no local address for the outer header`, { origin: link.origin });
        const outer: Encapsulation = {
            kind: 'vxlan', src: local, dst: fdb.dst, ttl: 64, df: false, overhead: OVERHEAD.vxlan,
            srcPort: flowHashPort(pkt.inner), dstPort: link.port ?? this.model.cni.port, vni: link.vni ?? this.model.cni.vni,
            innerMac: neigh.mac, device: link.name,
        };
        const after: SimPacket = { inner: pkt.inner, outer, mark: pkt.mark };
        const owner = this.model.owners.get(fdb.dst);
        this.step(place, 'encap', `${link.name}: VXLAN VNI ${outer.vni} to ${formatIp(fdb.dst)}${owner?.kind === 'node' ? ` (${owner.node.name})` : ''}, UDP ${outer.srcPort} → ${outer.dstPort}`, after, {
            outDevice: link.name, mtu: link.mtu, before: pkt, origin: neigh.origin,
            details: [
                `neighbour: ${formatIp(neigh.address)} dev ${neigh.dev} lladdr ${neigh.mac} PERMANENT`,
                `fdb: ${fdb.mac} dev ${fdb.dev} dst ${formatIp(fdb.dst)} self permanent`,
                `outer IPv4 ${formatIp(local)} → ${formatIp(fdb.dst)} TTL 64, DF clear; length ${wireLength(after)} = ${pkt.inner.length} + 50`,
            ],
        });
        return { kind: 'route-out', place, pkt: after, forwarded: false };
    }

    private encapIp(place: Place, link: Link, pkt: SimPacket, nexthop: Ip, gateway: Ip | undefined): Action | undefined {
        const ns = place.ns!;
        const remote = link.remote ?? gateway;
        if (remote === undefined) {
            return this.end(place, pkt, 'NEIGHBOR_UNREACHABLE', `${link.name} of ${place.label}`,
                `${link.name} has no remote and the route gives no gateway: the tunnel has no outer destination for ${formatIp(nexthop)}`, { outDevice: link.name, origin: link.origin });
        }
        const back = ns.main.lookup(remote);
        const local = link.local ?? sourceAddress(ns, back, back?.dev);
        if (local === undefined) return this.end(place, pkt, 'NO_ROUTE', link.name, `${link.name} has no local address for the outer header`, { origin: link.origin });
        const kind = link.kind === 'gre' ? 'gre' : 'ipip';
        // The tunnel inherits the inner TTL and copies DF (Calico's tunl0, measured).
        const outer: Encapsulation = { kind, src: local, dst: remote, ttl: pkt.inner.ttl, df: pkt.inner.df, overhead: OVERHEAD[kind], device: link.name };
        const after: SimPacket = { inner: pkt.inner, outer, mark: pkt.mark };
        const owner = this.model.owners.get(remote);
        this.step(place, 'encap', `${link.name}: ${kind === 'ipip' ? 'IPIP (protocol 4)' : 'GRE (protocol 47)'} to ${formatIp(remote)}${owner?.kind === 'node' ? ` (${owner.node.name})` : ''}`, after, {
            outDevice: link.name, mtu: link.mtu, before: pkt, origin: link.origin,
            details: [`outer IPv4 ${formatIp(local)} → ${formatIp(remote)} TTL ${outer.ttl} (inherited), DF ${outer.df ? 'set' : 'clear'} (copied); length ${wireLength(after)} = ${pkt.inner.length} + ${outer.overhead}`],
        });
        return { kind: 'route-out', place, pkt: after, forwarded: true };
    }

    private encapFlannelUdp(place: Place, link: Link, pkt: SimPacket): Action | undefined {
        const ns = place.ns!;
        const remote = nodeLeasing(this.model, pkt.inner.dst);
        const self = place.node;
        const remoteAddr = remote?.addresses[0]?.address;
        if (!remote || remote === self || remoteAddr === undefined) {
            return this.end(place, pkt, 'NO_ROUTE', `flanneld on ${place.label}`,
                `flanneld holds no subnet lease containing ${formatIp(pkt.inner.dst)}: it drops the packet read from ${link.name}`, { outDevice: link.name, origin: link.origin });
        }
        const back = ns.main.lookup(remoteAddr);
        const local = sourceAddress(ns, back, back?.dev);
        if (local === undefined) return this.end(place, pkt, 'NO_ROUTE', link.name, `flanneld has no address to send from`, { origin: link.origin });
        const port = link.port ?? this.model.cni.port;
        // flanneld's UDP socket: the node's own packet (TTL 64, DF by path-MTU discovery).
        const outer: Encapsulation = { kind: 'flannel-udp', src: local, dst: remoteAddr, ttl: 64, df: true, overhead: OVERHEAD['flannel-udp'], srcPort: port, dstPort: port, device: link.name };
        const after: SimPacket = { inner: pkt.inner, outer, mark: 0 };
        this.step(place, 'encap', `${link.name} → flanneld (user space): UDP ${port} to ${formatIp(remoteAddr)} (${remote.name}, lease ${remote.podCidr ? `${formatIp(remote.podCidr.network)}/${remote.podCidr.length}` : '?'})`, after, {
            outDevice: link.name, mtu: link.mtu, before: pkt, origin: link.origin,
            details: [`outer IPv4 ${formatIp(local)} → ${formatIp(remoteAddr)} TTL 64; length ${wireLength(after)} = ${pkt.inner.length} + 28`],
        });
        return { kind: 'route-out', place, pkt: after, forwarded: false };
    }

    /** The frame crosses a veth pair into the peer namespace (after ARP for `l2` is answered there). */
    private acrossVeth(place: Place, link: Link, pkt: SimPacket, l2: Ip): Action | undefined {
        const peer = link.peer;
        const peerNs = peer ? this.model.netns(peer.namespace) : undefined;
        if (!peer || !peerNs) {
            return this.end(place, pkt, 'NEIGHBOR_UNREACHABLE', `${link.name} of ${place.label}`, `${link.name} has no peer: nobody answers ARP for ${formatIp(l2)}`, { outDevice: link.name, origin: link.origin });
        }
        const len = frameLength(pkt);
        if (len > link.mtu) {
            // Only a bridged frame gets here too big (a routed one met the MTU check on the way out):
            // the bridge drops it at the egress port (br_dev_queue_push_xmit), without ICMP.
            this.meetMtu(link.mtu, pkt);
            return this.end(place, pkt, 'MTU_EXCEEDED', `${link.name} of ${place.label} (${link.mtu})`,
                `a ${len}-byte frame is bridged to ${link.name}, whose MTU is ${link.mtu}: the bridge drops it at that port silently, no ICMP is sent`,
                { outDevice: link.name, mtu: link.mtu, origin: link.origin }, `dropped at bridge port ${link.name}: ${len} bytes > MTU ${link.mtu} (no ICMP)`);
        }
        const peerPlace = placeOf(this.model, peerNs);
        const peerLink = peerNs.links.get(peer.device);
        if (!this.answersArp(peerPlace, peerLink, l2)) {
            return this.end(place, pkt, 'NEIGHBOR_UNREACHABLE', `${link.name} of ${place.label}`,
                `nobody answers ARP for ${formatIp(l2)} through ${link.name}: ${peerPlace.label} (${peer.device}) does not own it`,
                { outDevice: link.name, origin: link.origin }, `no ARP answer for ${formatIp(l2)}`);
        }
        const next: SimPacket = { ...pkt, mark: 0 };
        this.step(place, 'veth', `${link.name} → ${peer.device} of ${peerPlace.label}${peerPlace.pod && !peerPlace.pod.hostNetwork ? '' : peerPlace.kind === 'node' ? ' (root namespace)' : ''}`, next, {
            outDevice: link.name, mtu: link.mtu, origin: link.origin,
        });
        return { kind: 'l2-in', place: peerPlace, dev: peer.device, pkt: next, l2 };
    }

    /** Who answers ARP for `ip` at `link` of `place`: its own addresses (arp_ignore=0: any local one), proxy ARP, a bridge's ports. */
    private answersArp(place: Place, link: Link | undefined, ip: Ip): boolean {
        if (!link || !place.ns) return false;
        if (link.proxyArp) return true;
        if (localRoute(this.model, place.ns, ip)?.type === 'local') return true;
        if (link.master && place.node) return podOnBridge(this.model, place.node, link.master, ip) !== undefined;
        return false;
    }

    /** The node sends out of a bridge: to the port whose pod owns the next hop. */
    private outOfBridge(place: Place, bridge: Link, pkt: SimPacket, nexthop: Ip): Action | undefined {
        const node = place.node;
        const behind = node ? podOnBridge(this.model, node, bridge.name, nexthop) : undefined;
        if (!behind) {
            return this.end(place, pkt, 'NEIGHBOR_UNREACHABLE', `${bridge.name} of ${place.label}`,
                `nobody behind ${bridge.name} on ${place.label} owns ${formatIp(nexthop)}: ARP goes unanswered`, { outDevice: bridge.name, origin: bridge.origin }, `no ARP answer for ${formatIp(nexthop)} on ${bridge.name}`);
        }
        this.step(place, 'bridge', `${bridge.name} → ${behind.port.name} (${formatIp(nexthop)} is ${behind.pod.name})`, pkt, {
            outDevice: behind.port.name, mtu: behind.port.mtu, origin: bridge.origin,
            details: [`fdb: ${behind.pod.name}'s eth0 MAC on port ${behind.port.name}`],
        });
        return this.acrossVeth(place, behind.port, pkt, nexthop);
    }

    /** A NIC (or a VLAN on one) puts the frame on its underlay network. */
    private ontoNetwork(place: Place, link: Link, pkt: SimPacket, nexthop: Ip): Action | undefined {
        const ns = place.ns!;
        let netName = link.network;
        let vlan: number | undefined;
        if (!netName && link.kind === 'vlan' && link.parent) {
            netName = ns.links.get(link.parent)?.network;
            vlan = link.vlanId;
        }
        const network = netName ? this.model.networkByName.get(netName) : undefined;
        if (!network) {
            if (place.host && !place.host.network) return { kind: 'outside', pkt };
            return this.end(place, pkt, 'NEIGHBOR_UNREACHABLE', `${link.name} of ${place.label}`,
                `${link.name} of ${place.label} is on no network: nobody answers ARP for ${formatIp(nexthop)}`, { outDevice: link.name, origin: link.origin });
        }
        return { kind: 'wire', network, pkt: { ...pkt, mark: 0 }, nexthop, from: `${place.label} ${link.name}`, vlan };
    }

    // ------------------------------------------------------------------ the underlay

    private wire(network: Network, pkt: SimPacket, nexthop: Ip, from: string, vlan?: number): Action | undefined {
        const place = networkPlace(network);
        const len = frameLength(pkt);
        const kind = network.kind === 'routed' ? 'routed network' : 'L2 segment';
        if (vlan !== undefined) {
            // A tagged frame reaches only the VLAN devices with the same id on that segment.
            const target = vlanOwner(this.model, network, vlan, nexthop);
            if (!target) {
                return this.end(place, pkt, 'NEIGHBOR_UNREACHABLE', network.name,
                    `nobody on ${network.name} VLAN ${vlan} owns ${formatIp(nexthop)}: ARP from ${from} goes unanswered`, { origin: network.origin }, `no ARP answer for ${formatIp(nexthop)} on VLAN ${vlan}`);
            }
            this.step(place, 'transmit', `across ${network.name} (${kind}, VLAN ${vlan}) from ${from} to ${target.node.name} ${target.dev} (${formatIp(nexthop)})`, pkt, {
                mtu: network.mtu, origin: network.origin, details: [`802.1Q tag ${vlan}`],
            });
            return { kind: 'l2-in', place: placeOf(this.model, target.node.netns()), dev: target.dev, pkt, l2: nexthop };
        }
        const target = nodeOnNetwork(this.model, network, nexthop);
        if (target) {
            this.step(place, 'transmit', `across ${network.name} (${kind}) from ${from} to ${target.node.name} ${target.nic} (${formatIp(nexthop)})`, pkt, { mtu: network.mtu, origin: network.origin });
            return { kind: 'l2-in', place: placeOf(this.model, target.node.netns()), dev: target.nic, pkt, l2: nexthop };
        }
        const owner = this.model.owners.get(nexthop);
        if (owner?.kind === 'host' && owner.host.network === network) {
            this.step(place, 'transmit', `across ${network.name} (${kind}) from ${from} to host ${owner.host.name} (${formatIp(nexthop)})`, pkt, { mtu: network.mtu, origin: network.origin });
            if (len > network.mtu) {
                return this.end(place, pkt, 'MTU_EXCEEDED', `${network.name} (${network.mtu})`, `a ${len}-byte frame exceeds ${network.name}'s MTU ${network.mtu}: dropped`, { mtu: network.mtu, origin: network.origin });
            }
            return { kind: 'ip-in', place: placeOf(this.model, owner.host.netns()), inDev: 'eth0', pkt };
        }
        if (network.gateway !== undefined && nexthop === network.gateway) {
            this.step(place, 'transmit', `across ${network.name} (${kind}) from ${from} to the gateway ${formatIp(nexthop)}`, pkt, { mtu: network.mtu, origin: network.origin });
            return { kind: 'gateway', network, pkt };
        }
        if (network.kind === 'routed' && network.gateway === undefined) {
            // A VPC without a declared gateway still routes by its table.
            this.step(place, 'transmit', `into ${network.name} (${kind}) from ${from}`, pkt, { mtu: network.mtu, origin: network.origin });
            return { kind: 'gateway', network, pkt };
        }
        return this.end(place, pkt, 'NEIGHBOR_UNREACHABLE', `${network.name}`,
            `nobody on ${network.name} owns ${formatIp(nexthop)}: ARP from ${from} goes unanswered and the packet is dropped`,
            { origin: network.origin }, `no ARP answer for ${formatIp(nexthop)} on ${network.name}`);
    }

    /** The underlay's router: a routed network's table, or an l2 gateway that knows only the networks and the outside. */
    private gateway(network: Network, pkt: SimPacket): Action | undefined {
        const place = networkPlace(network);
        const dst = wireDst(pkt);
        const gw = network.gateway !== undefined ? `gateway ${formatIp(network.gateway)}` : `${network.name}'s router`;
        const ttl = pkt.outer ? pkt.outer.ttl : pkt.inner.ttl;
        if (ttl <= 1) return this.end(place, pkt, 'LOOP', gw, `TTL ran out at ${gw} of ${network.name}: ICMP time exceeded`, { origin: network.origin }, 'TTL exceeded in transit');
        const next: SimPacket = pkt.outer ? { ...pkt, outer: { ...pkt.outer, ttl: ttl - 1 } } : { ...pkt, inner: { ...pkt.inner, ttl: ttl - 1 } };
        if (network.kind === 'routed') {
            const r = networkTable(this.model, network).lookup(dst);
            if (r && r.gateway !== undefined) {
                const text = formatRoute(r);
                this.step(place, 'route', `${network.name} route table: ${text}`, next, { decidedBy: text, origin: r.origin, before: pkt, mtu: network.mtu });
                const target = nodeOnNetwork(this.model, network, r.gateway);
                if (!target) return this.end(place, next, 'UNDERLAY_DROP', network.name, `${network.name}'s route ${text} points at ${formatIp(r.gateway)}, which nobody on it owns`, { origin: r.origin });
                this.step(place, 'transmit', `across ${network.name} to ${target.node.name} ${target.nic} (${formatIp(r.gateway)})`, next, { mtu: network.mtu, origin: network.origin });
                return { kind: 'l2-in', place: placeOf(this.model, target.node.netns()), dev: target.nic, pkt: next, l2: r.gateway };
            }
        }
        if (clusterInternal(this.model, dst)) {
            const what = this.model.serviceNetwork && dst >= this.model.serviceNetwork.network && dst <= this.model.serviceNetwork.last ? 'service' : 'pod';
            return this.end(place, next, 'UNDERLAY_DROP', `${gw} (${network.name})`,
                network.kind === 'routed'
                    ? `${network.name}'s route table has no route for ${formatIp(dst)} (a ${what} address): the network drops it`
                    : `${gw} of ${network.name} knows its own networks and the outside world, not ${what} addresses: it drops the packet to ${formatIp(dst)} silently`,
                { origin: network.origin }, `${gw} has no route for ${what} address ${formatIp(dst)}`);
        }
        const other = networkHolding(this.model, dst);
        if (other) {
            this.step(place, 'route', `${gw}: ${formatIp(dst)} is on ${other.name}`, next, { before: pkt, origin: other.origin, mtu: other.mtu });
            return { kind: 'wire', network: other, pkt: next, nexthop: dst, from: gw };
        }
        const src = wireSrc(next);
        const owner = this.model.owners.get(dst);
        if (this.options.conntrack && owner?.kind === 'host' && !owner.host.network) {
            // A reply goes back to the outside host that opened the connection.
            this.step(place, 'transmit', `leaves ${network.name} through ${gw} toward ${owner.host.name} (${formatIp(dst)})`, next, { before: pkt, origin: network.origin, mtu: network.mtu });
            this.step(OUTSIDE, 'transmit', `across the outside world to ${owner.host.name}`, next, { origin: owner.host.origin });
            return { kind: 'ip-in', place: placeOf(this.model, owner.host.netns()), inDev: 'eth0', pkt: next };
        }
        this.step(place, 'transmit', `leaves ${network.name} through ${gw} toward ${formatIp(dst)}, source ${formatIp(src)}`, next, { before: pkt, origin: network.origin, mtu: network.mtu });
        this.result = {
            disposition: 'EXITS_NETWORK', at: `${gw} (${network.name})`,
            reason: `left the cluster's networks through ${gw} of ${network.name} with source ${formatIp(src)}${this.masqueradedTo(src) ? ' (masqueraded)' : ''}`,
        };
        return undefined;
    }

    private masqueradedTo(src: Ip): boolean {
        return this.conntrack.some(e => e.kind === 'snat' && e.to.ip === src);
    }

    /** From a host beyond the gateway: in through the gateway of the network that holds the destination. */
    private outside(pkt: SimPacket): Action | undefined {
        const dst = wireDst(pkt);
        const held = networkHolding(this.model, dst);
        const network = held?.gateway !== undefined ? held : this.model.networks.find(n => n.gateway !== undefined || n.kind === 'routed');
        if (!network) {
            return this.end(OUTSIDE, pkt, 'NO_ROUTE', 'outside', `no network in the file has a gateway: nothing outside reaches ${formatIp(dst)}`);
        }
        this.step(OUTSIDE, 'transmit', `from outside to ${network.gateway !== undefined ? `gateway ${formatIp(network.gateway)}` : network.name} of ${network.name}`, pkt, { origin: network.origin });
        return { kind: 'gateway', network, pkt };
    }
}

/**
 * The node whose declared VLAN device (id `vlan`, parent on `network`) holds `ip`. VLAN
 * addresses are not in the model's owner map, so the nodes on the segment are searched:
 * only for a tagged frame, once per crossing.
 */
function vlanOwner(model: ClusterModel, network: Network, vlan: number, ip: Ip): { node: Node; dev: string } | undefined {
    for (const node of model.nodes) {
        for (const l of node.declaredLinks) {
            if (l.kind !== 'vlan' || l.vlanId !== vlan || !l.addresses.some(a => a.address === ip)) continue;
            if (node.addresses.some(a => a.nic === l.parent && a.network === network)) return { node, dev: l.name };
        }
    }
    return undefined;
}

/** Length of what a device receives: fragments when the outer packet was fragmented. */
function frameLength(pkt: SimPacket): number {
    return pkt.fragmentSize !== undefined ? Math.min(pkt.fragmentSize, wireLength(pkt)) : wireLength(pkt);
}

function fragmentsFor(length: number, mtu: number): number {
    const payload = Math.max(8, Math.floor((mtu - 20) / 8) * 8);
    return Math.ceil((length - 20) / payload);
}

function fmt(e: { ip: Ip; port?: number }): string {
    return e.port !== undefined ? `${formatIp(e.ip)}:${e.port}` : formatIp(e.ip);
}

export { type Place, placeOf, podPlace } from './place';
