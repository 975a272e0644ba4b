/**
 * One flow → one Trace: where the packet starts (a pod, a container, a hostNetwork pod,
 * a node, a host), what its destination resolves to (cluster DNS, a ClusterIP, a node's
 * address), how big it is (ping's 84 bytes, TCP's MSS), the walk, and the reply walk with
 * conntrack reversing the NAT when the packet was delivered.
 */
import { type Ip, formatIp, parseIp } from '../model/address';
import { fnv1a } from '../model/names';
import type { ClusterModel, Flow } from '../model/types';
import type { Alternative, FlowInfo, Trace } from '../protocol/trace';
import type { L4Protocol } from './netfilter/types';
import { localRoute } from './addressing';
import type { InnerPacket, SimPacket } from './packet';
import { type Place, type WalkResult, Walk, placeOf, podPlace } from './walk';

export interface TraceOptions {
    /** Which endpoint to follow where a load balancer chooses (index into `trace.alternatives`). */
    choice?: number;
    /** Trace the reply too (default true). */
    reply?: boolean;
    /**
     * Record each step, with its packet, changes and source range (default true). Without
     * them a trace still says how, where and why it ended: all the unreachable-flow check
     * reads, for every flow of the file.
     */
    steps?: boolean;
}

/** ping's default: 56 bytes of data + 8 ICMP + 20 IP. */
export const DEFAULT_ICMP_SIZE = 84;
/** A UDP datagram with a 512-byte payload (DNS's classic limit) + 8 UDP + 20 IP. */
export const DEFAULT_UDP_SIZE = 540;

interface Start {
    place: Place;
    dst: Ip;
    dstPort?: number;
    /** DNS name → address, shown as a `resolve` step. */
    resolved?: { name: string; address: Ip; how: string };
    note: string;
}

export function buildTrace(model: ClusterModel, flow: Flow, options: TraceOptions = {}): Trace {
    const info = flowInfo(model, flow, options.steps !== false);
    try {
        return traceOnce(model, flow, info, options);
    } catch (e) {
        return {
            flow: info, disposition: 'NO_ROUTE', dispositionReason: `the simulator could not follow this flow: ${(e as Error)?.message ?? e}`,
            pathMtu: 0, hops: [],
        };
    }
}

function flowInfo(model: ClusterModel, flow: Flow, withRange: boolean): FlowInfo {
    const info: FlowInfo = {
        name: flow.name, text: flow.text, source: flow.sourceText, destination: flow.targetText,
        protocol: flow.protocol, size: flow.size ?? 0, df: flow.df,
    };
    if (flow.port !== undefined) info.destinationPort = flow.port;
    if (withRange && flow.origin.span) {
        try { info.range = model.rangeOf(flow.origin.span); } catch { /* no range */ }
    }
    return info;
}

function traceOnce(model: ClusterModel, flow: Flow, info: FlowInfo, options: TraceOptions): Trace {
    const choice = options.choice ?? 0;
    const record = options.steps !== false;
    const protocol: L4Protocol = flow.protocol;
    const srcPort = protocol === 'icmp' ? undefined : 32768 + (fnv1a(flow.name) % (61000 - 32768));
    info.sourcePort = srcPort;

    const first = new Walk(model, { choice, record });
    const start = startOf(model, flow, first, choice);
    if (!start) return finish(info, first.run(undefined), undefined);
    info.destinationAddress = formatIp(start.dst);
    if (start.dstPort !== undefined) info.destinationPort = start.dstPort;

    const srcMtu = sendMtu(model, start.place, start.dst);
    let size = protocol === 'icmp' ? (flow.size ?? DEFAULT_ICMP_SIZE)
        : protocol === 'tcp' ? srcMtu
            : (flow.size ?? DEFAULT_UDP_SIZE);
    info.size = size;

    const walk = (w: Walk, length: number, learnt: string[] = []): WalkResult => {
        const inner: Omit<InnerPacket, 'src'> = { dst: start.dst, protocol, srcPort, dstPort: start.dstPort, ttl: 64, df: flow.df, length, icmpType: protocol === 'icmp' ? 8 : undefined };
        if (start.resolved) {
            const r = start.resolved;
            w.step(start.place, 'resolve', `${r.name} → ${formatIp(r.address)} (${r.how})`, { inner: { ...inner, src: 0 }, mark: 0 }, { origin: flow.origin, details: [`cluster DNS answers ${r.name} A ${formatIp(r.address)}`] });
        }
        return w.run(w.originate(start.place, inner, start.note, flow.origin, learnt));
    };
    let result: WalkResult;
    if (protocol === 'tcp') {
        // The SYN (60 bytes) goes first; the peer's SYN-ACK advertises its MSS (its MTU − 40),
        // so data segments are the smaller of the two ends' MTU. A SYN that does not arrive is the trace.
        const syn = walk(first, 60);
        if (syn.delivered) {
            // An IPv4 packet holds at most 65535 bytes, even over lo (MTU 65536).
            size = Math.min(srcMtu, Math.max(68, syn.delivered.deviceMtu), 65535);
            info.size = size;
            const data = new Walk(model, { choice, record });
            startOf(model, flow, data, choice);
            result = walk(data, size);
            // Path-MTU discovery: a router's "frag needed" lowers the sender's segments, and TCP
            // sends again at that size (a silent drop teaches nothing: that connection stalls).
            const learnt: string[] = [];
            for (let round = 0; round < 4 && result.disposition === 'MTU_EXCEEDED' && result.fragNeeded && result.fragNeeded.mtu < size && result.fragNeeded.mtu >= 68; round++) {
                learnt.push(`path MTU discovery: a ${size}-byte segment got ICMP frag needed (mtu = ${result.fragNeeded.mtu}) from ${result.fragNeeded.from}; TCP resends at ${result.fragNeeded.mtu} bytes`);
                size = result.fragNeeded.mtu;
                info.size = size;
                const again = new Walk(model, { choice, record });
                startOf(model, flow, again, choice);
                result = walk(again, size, [...learnt]);
            }
        } else {
            info.size = 60;
            result = syn;
        }
    } else {
        result = walk(first, size);
    }
    info.sourceAddress = result.hops.length ? sourceOf(result) : undefined;
    let reply: Trace | undefined;
    if (options.reply !== false && result.disposition === 'DELIVERED' && result.delivered) {
        reply = replyTrace(model, info, result);
    }
    return finish(info, result, reply);
}

function sourceOf(r: WalkResult): string | undefined {
    for (const hop of r.hops) for (const s of hop.steps) {
        if (s.kind === 'originate') {
            const ip = s.packet.headers.find(h => h.kind === 'ipv4');
            return ip?.kind === 'ipv4' ? ip.src : undefined;
        }
    }
    return undefined;
}

function finish(info: FlowInfo, r: WalkResult, reply: Trace | undefined): Trace {
    const t: Trace = {
        flow: info, disposition: r.disposition, dispositionReason: r.dispositionReason, pathMtu: r.pathMtu, hops: r.hops,
    };
    if (r.dispositionAt) t.dispositionAt = r.dispositionAt;
    if (r.alternatives?.length) t.alternatives = r.alternatives;
    if (reply) t.reply = reply;
    return t;
}

/** The MTU the sender's own route gives (what TCP's MSS is computed from). */
function sendMtu(model: ClusterModel, place: Place, dst: Ip): number {
    const ns = place.ns;
    if (!ns) return 1500;
    const local = localRoute(model, ns, dst);
    if (local) return 65536;
    const r = ns.main.lookup(dst);
    const dev = r?.dev ?? r?.nexthops?.[0]?.dev;
    return r?.mtu ?? (dev ? ns.links.get(dev)?.mtu : undefined) ?? 1500;
}

/** Where the flow starts and what its destination resolves to; undefined (walk ended) when it cannot start. */
function startOf(model: ClusterModel, flow: Flow, w: Walk, choice: number): Start | undefined {
    const src = flow.source;
    const blank: SimPacket = { inner: { src: 0, dst: 0, protocol: flow.protocol, ttl: 64, df: flow.df, length: 0 }, mark: 0 };
    const nowhere: Place = { id: 'unresolved', kind: 'outside', label: flow.sourceText || 'source' };
    if (!src) return w.fail(nowhere, blank, 'NO_ROUTE', flow.sourceText, `the flow's source '${flow.sourceText}' names no pod, node or host`, flow.origin);
    let place: Place;
    let note = '';
    if (src.kind === 'pod') {
        const pod = src.pod;
        if (pod.noNetwork) {
            const p = placeOf(model, pod.netns());
            return w.fail(p, blank, 'NO_INTERFACE', `${pod.name}`, `${pod.name} has network none: only lo, no interface to send from`, pod.origin);
        }
        place = podPlace(model, pod);
        if (pod.hostNetwork) note = `hostNetwork: ${pod.name} uses ${pod.node.name}'s namespace`;
        if (src.container) note = note ? `${note}, container ${src.container}` : `from container ${src.container}, sharing the pod's namespace through its pause container`;
    } else if (src.kind === 'node') {
        place = placeOf(model, src.node.netns());
    } else {
        place = placeOf(model, src.host.netns());
    }
    const t = flow.target;
    if (!t) return w.fail(place, blank, 'NO_ROUTE', flow.targetText, `the flow's destination '${flow.targetText}' resolves to nothing`, flow.origin);
    switch (t.kind) {
        case 'pod': {
            const pod = t.pod;
            if (pod.noNetwork) return w.fail(place, blank, 'NO_INTERFACE', pod.name, `${pod.name} has network none: it has no address to reach`, pod.origin);
            const addr = pod.hostNetwork ? pod.node.addresses[0]?.address : pod.address;
            if (addr === undefined) return w.fail(place, blank, 'NO_INTERFACE', pod.name, `${pod.name} has no address`, pod.origin);
            return { place, dst: addr, dstPort: flow.port, note };
        }
        case 'service': {
            const s = t.service;
            let dst = s.clusterIP;
            let resolvedHow = `ClusterIP of service ${s.key}`;
            if (dst === undefined) {
                // Headless: DNS answers with the endpoints' own addresses.
                const eps = s.endpoints.filter(p => p.address !== undefined || p.hostNetwork);
                if (eps.length === 0) return w.fail(place, blank, 'NO_ENDPOINTS', s.name, `headless service ${s.key} has no ready endpoints: DNS answers NXDOMAIN`, s.origin);
                const pick = Math.min(Math.max(0, choice), eps.length - 1);
                const alts: Alternative[] = eps.map((p, i) => ({
                    description: `${formatIp(p.address ?? p.node.addresses[0]?.address ?? 0)} (${p.name})`, rule: 'DNS A records of a headless service: the client takes the first', choice: i, chosen: i === pick,
                }));
                w.setAlternatives(alts);
                const ep = eps[pick];
                dst = ep.address ?? ep.node.addresses[0]?.address;
                resolvedHow = `headless service ${s.key}: endpoint ${ep.name}`;
                if (dst === undefined) return w.fail(place, blank, 'NO_INTERFACE', s.name, `${ep.name} has no address`, s.origin);
            }
            const resolved = t.dnsName ? { name: t.dnsName, address: dst, how: resolvedHow } : undefined;
            if (!t.dnsName && s.clusterIP === undefined) note = note || resolvedHow;
            return { place, dst, dstPort: flow.port, note, resolved };
        }
        case 'node': {
            const a = t.node.addresses[0]?.address;
            if (a === undefined) return w.fail(place, blank, 'NO_ROUTE', t.node.name, `${t.node.name} has no address`, t.node.origin);
            return { place, dst: a, dstPort: flow.port, note };
        }
        case 'host':
            return { place, dst: t.host.address, dstPort: flow.port, note };
        case 'address':
            return { place, dst: t.address, dstPort: flow.port, note };
    }
}

/** The reply: from where the packet was delivered, back to the source it carried, conntrack reversing NAT. */
function replyTrace(model: ClusterModel, info: FlowInfo, forward: WalkResult): Trace {
    const d = forward.delivered!;
    const i = d.packet.inner;
    const w = new Walk(model, { conntrack: forward.conntrack });
    const inner: Omit<InnerPacket, 'src'> & { src: Ip } = {
        src: i.dst, dst: i.src, protocol: i.protocol, srcPort: i.dstPort, dstPort: i.srcPort, ttl: 64, df: i.df, length: i.length,
        icmpType: i.protocol === 'icmp' ? 0 : undefined,
    };
    const replyInfo: FlowInfo = {
        name: `${info.name} (reply)`, text: `reply to ${info.text}`, source: info.destination, destination: info.source,
        sourceAddress: formatIp(i.dst), destinationAddress: formatIp(i.src), protocol: info.protocol,
        sourcePort: i.dstPort, destinationPort: i.srcPort, size: i.length, df: i.df, range: info.range,
    };
    const r = w.run(w.originate(d.place, inner, 'reply', { generated: true, by: 'kernel' }));
    // The sender's socket only takes a reply from the address and port it sent to: a reply
    // conntrack did not un-NAT (e.g. bridged past iptables with bridge-nf-call-iptables=0) is refused.
    const sent = lastSent(forward);
    const got = r.delivered?.packet.inner;
    if (r.disposition === 'DELIVERED' && sent && got && (got.src !== sent.dst || (sent.dstPort !== undefined && got.srcPort !== sent.dstPort))) {
        const port = (p?: number) => (p === undefined || got.protocol === 'icmp' ? '' : `:${p}`);
        r.disposition = 'FILTERED';
        r.dispositionReason = `the reply arrives from ${formatIp(got.src)}${port(got.srcPort)}, but the connection was opened to ${formatIp(sent.dst)}${port(sent.dstPort)}: `
            + `no conntrack entry reversed the NAT on the way back, so the sender's kernel does not match it to the connection${got.protocol === 'tcp' ? ' and answers with a RST' : ''}`;
        r.dispositionAt = r.dispositionAt ?? d.place.label;
    }
    return finish(replyInfo, r, undefined);
}

/** The destination the sending socket used: the last packet originated on the way there. */
function lastSent(r: WalkResult): { dst: Ip; dstPort?: number } | undefined {
    let found: { dst: Ip; dstPort?: number } | undefined;
    for (const hop of r.hops) for (const s of hop.steps) {
        if (s.kind !== 'originate') continue;
        const ip = s.packet.headers.find(h => h.kind === 'ipv4');
        const l4 = s.packet.headers.find(h => h.kind === 'tcp' || h.kind === 'udp' || h.kind === 'sctp');
        const dst = ip?.kind === 'ipv4' ? parseIp(ip.dst) : undefined;
        if (dst !== undefined) found = { dst, dstPort: l4 && 'dstPort' in l4 ? l4.dstPort : undefined };
    }
    return found;
}
