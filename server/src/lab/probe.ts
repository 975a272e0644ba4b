/**
 * Sending one flow for real and watching what the kernel does with it: listeners where the
 * packet may land (the destination, and every endpoint a Service may DNAT to), tcpdump on
 * the underlay bridges, the arrival namespaces and the devices the simulator says the
 * packet crosses, then a TCP connect, a UDP datagram or one `ping` from the source. Every
 * process is bounded in time and stopped before the next flow starts.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatIp, parseIp } from '../model/address';
import { endpointAddress, resolveTargetPort, servicePorts } from '../model/generate/kube-proxy/service-ports';
import type { ClusterModel, Flow, Pod } from '../model/types';
import type { Trace } from '../protocol/trace';
import { type DecodedPacket, readPcap } from './pcap';
import { type CommandResult, collect, runAsync, runInBackground, runSync, signalGroup } from './shell';

/** Where a listener waits: a model namespace (by id) and its lab namespace. */
export interface ListenSpot {
    readonly id: string;
    readonly ns: string;
    readonly port: number;
}

export interface CaptureSpot {
    readonly id: string;
    readonly ns: string;
    readonly device: string;
    /** What the capture is for: where the flow may land, the underlay, the trace's path, or the source (for the reply). */
    readonly role: 'arrival' | 'underlay' | 'path' | 'source';
    /** arrival: the namespace's own addresses (a packet counts as arrived only when addressed to one). */
    readonly addresses?: ReadonlySet<string>;
}

export interface ProbeSetup {
    readonly flow: Flow;
    readonly sourceId: string;
    readonly sourceNs: string;
    /** The address the source sends to (DNS names and node names resolved). */
    readonly destination: string;
    readonly protocol: 'tcp' | 'udp' | 'icmp';
    readonly port?: number;
    /** Whole IP packet size (ICMP/UDP), and DF. */
    readonly size: number;
    readonly df: boolean;
    readonly listeners: readonly ListenSpot[];
    readonly captures: readonly CaptureSpot[];
    /** UDP ports that carry VXLAN in this cluster (to open the tunnel in captures). */
    readonly vxlanPorts: ReadonlySet<number>;
}

/** What the kernel did with the flow. */
export interface KernelObservation {
    /** The flow's first packet reached its destination (a listener took it, or it arrived addressed to the namespace). */
    readonly delivered: boolean;
    /** The answer made it back to the sender: TCP connected, ping got its echo reply (undefined for UDP). */
    readonly replied?: boolean;
    /** Where the answer came from, as the sender's namespace saw it (SYN-ACK or echo reply source). */
    readonly replySource?: string;
    /** The model namespace whose socket (or, for ICMP, whose kernel) got it. */
    readonly deliveredTo?: string;
    /** Address and port the packet arrived at (after any DNAT). */
    readonly arrivedAt?: string;
    /** The source the destination saw (after any SNAT). */
    readonly sourceSeen?: string;
    readonly ttlOnArrival?: number;
    /** The first tunnelled packet of the flow on an underlay network. */
    readonly outer?: { readonly src: string; readonly dst: string; readonly kind: 'vxlan' | 'ipip'; readonly udpDstPort?: number; readonly vni?: number; readonly ttl: number; readonly df: boolean; readonly innerTtl: number };
    /** DF and too big: refused at the sender ("message too long") or by a hop ("frag needed"). */
    readonly mtuRefused?: { readonly where: 'local' | 'icmp'; readonly mtu: number; readonly from?: string };
    /** What the sender heard: connect error code, ping's summary line. */
    readonly senderSaw: string;
    /** Namespaces the flow's packet was seen in (the source, then every capture that saw it), sorted. */
    readonly reached: readonly string[];
    /** Namespaces the lab watched (captures and the source): the only ones `reached` can name. */
    readonly watched: readonly string[];
    /** Per capture: did the flow's packet pass there. */
    readonly seen: readonly { readonly spot: CaptureSpot; readonly packets: number }[];
}

const LISTENER = `
const [proto, port, ms] = process.argv.slice(1).map((v, i) => i ? Number(v) : v);
const say = o => process.stdout.write(JSON.stringify(o) + '\\n');
setTimeout(() => process.exit(0), ms);
if (proto === 'udp') {
  const s = require('dgram').createSocket('udp4');
  s.on('message', (m, r) => say({ remote: r.address, remotePort: r.port, localPort: port, bytes: m.length }));
  s.bind(port, '0.0.0.0', () => say({ ready: true }));
} else {
  const srv = require('net').createServer(c => { say({ remote: c.remoteAddress, remotePort: c.remotePort, local: c.localAddress, localPort: c.localPort }); c.destroy(); });
  srv.on('error', e => { say({ error: e.code || e.message }); process.exit(1); });
  srv.listen(port, '0.0.0.0', () => say({ ready: true }));
}`;

const CONNECTOR = `
const [proto, host, port, size, ms] = process.argv.slice(1).map((v, i) => i === 0 || i === 1 ? v : Number(v));
const say = o => { process.stdout.write(JSON.stringify(o) + '\\n'); };
if (proto === 'udp') {
  const s = require('dgram').createSocket('udp4');
  s.send(Buffer.alloc(Math.max(0, size - 28)), port, host, e => { say(e ? { ok: false, error: e.code || e.message } : { ok: true }); s.close(); });
} else {
  const c = require('net').connect({ host, port });
  c.setTimeout(ms);
  c.on('connect', () => { say({ ok: true, local: c.localAddress, localPort: c.localPort }); c.destroy(); });
  c.on('timeout', () => { say({ ok: false, error: 'ETIMEDOUT' }); c.destroy(); });
  c.on('error', e => say({ ok: false, error: e.code || e.message }));
}`;

/** Where a flow may land: its destination and, through kube-proxy, the endpoints of the Service it reaches. */
export function listenSpots(model: ClusterModel, flow: Flow, nsById: ReadonlyMap<string, string>): ListenSpot[] {
    const out = new Map<string, ListenSpot>();
    const port = flow.port;
    const add = (id: string | undefined, p: number | undefined) => {
        const ns = id ? nsById.get(id) : undefined;
        if (!ns || p === undefined || !id) return;
        out.set(`${id}:${p}`, { id, ns, port: p });
    };
    const protocol = flow.protocol === 'icmp' ? undefined : flow.protocol;
    const target = flow.target;
    const sps = servicePorts(model).ports;
    const endpointsOf = (match: (sp: (typeof sps)[number]) => boolean) => {
        for (const sp of sps) {
            if (!match(sp) || sp.protocol !== protocol) continue;
            for (const pod of sp.service.endpoints) {
                const p = resolveTargetPort(sp.port, pod);
                if (endpointAddress(pod) !== undefined) add(podNsId(pod), p ?? port);
            }
        }
    };
    if (!target) return [];
    switch (target.kind) {
        case 'pod': add(podNsId(target.pod), port); break;
        case 'host': add(`host:${target.host.name}`, port); break;
        case 'node':
            add(`node:${target.node.name}`, port);
            endpointsOf(sp => sp.nodePort === port);
            break;
        case 'service':
            endpointsOf(sp => sp.service === target.service && sp.port.port === port);
            break;
        case 'address': {
            const owner = model.owners.get(target.address);
            if (owner?.kind === 'pod') add(podNsId(owner.pod), port);
            else if (owner?.kind === 'node') { add(`node:${owner.node.name}`, port); endpointsOf(sp => sp.nodePort === port); }
            else if (owner?.kind === 'host') add(`host:${owner.host.name}`, port);
            else if (owner?.kind === 'service') endpointsOf(sp => sp.service === owner.service && sp.port.port === port);
            break;
        }
    }
    return [...out.values()];
}

export function podNsId(pod: Pod): string {
    return pod.hostNetwork ? `node:${pod.node.name}` : `pod:${pod.key}`;
}

/** The address a flow is sent to: the trace's resolution when there is one, else the model's. */
export function destinationAddress(flow: Flow, trace?: Trace): string | undefined {
    if (trace?.flow.destinationAddress) return trace.flow.destinationAddress;
    const t = flow.target;
    if (!t) return undefined;
    switch (t.kind) {
        case 'pod': return t.pod.address !== undefined ? formatIp(t.pod.address) : (t.pod.hostNetwork ? nodeAddress(t.pod.node.addresses[0]?.address) : undefined);
        case 'service': return t.service.clusterIP !== undefined ? formatIp(t.service.clusterIP) : undefined;
        case 'node': return nodeAddress(t.node.addresses[0]?.address);
        case 'host': return formatIp(t.host.address);
        case 'address': return formatIp(t.address);
    }
}

function nodeAddress(ip: number | undefined): string | undefined {
    return ip === undefined ? undefined : formatIp(ip);
}

/** What probes in flight hold, so that a signal can stop them (see `stopProbes`). */
const inFlight = new Set<{ dir: string; children: ChildProcess[] }>();

/** Stops every listener, capture and sender still running and removes their files. */
export function stopProbes(): void {
    for (const p of inFlight) {
        for (const c of p.children) signalGroup(c, 'SIGKILL');
        fs.rmSync(p.dir, { recursive: true, force: true });
    }
    inFlight.clear();
}

/** Sends the flow once and reports what the kernel did. */
export async function probeFlow(setup: ProbeSetup, timeoutMs = 3000): Promise<KernelObservation> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knet-lab-'));
    const children: ChildProcess[] = [];
    const entry = { dir, children };
    inFlight.add(entry);
    try {
        runSync(['ip', '-n', setup.sourceNs, 'route', 'flush', 'cache'], { timeoutMs: 3000 });
        // Captures first, then listeners, each waiting until it is ready.
        const captures = setup.captures.map((spot, i) => {
            const file = path.join(dir, `c${i}.pcap`);
            const child = runInBackground(['ip', 'netns', 'exec', spot.ns, 'tcpdump', '-i', spot.device, '-n', '-U', '--immediate-mode', '-Z', 'root', '-s', '256', '-w', file]);
            children.push(child);
            return { spot, file, child, done: collect(child, timeoutMs * 8) };
        });
        const listeners = setup.protocol === 'icmp' ? [] : setup.listeners.map(spot => {
            const child = runInBackground(['ip', 'netns', 'exec', spot.ns, process.execPath, '-e', LISTENER, setup.protocol, String(spot.port), String(timeoutMs * 6)]);
            children.push(child);
            return { spot, child, done: collect(child, timeoutMs * 8) };
        });
        await Promise.all([
            // Generous: on a loaded CI machine tcpdump and node take a while to start.
            ...captures.map(c => waitFor(c.child, 'stderr', /listening on/, 8000)),
            ...listeners.map(l => waitFor(l.child, 'stdout', /"ready"/, 8000)),
        ]);

        let senderSaw: string;
        let replied: boolean | undefined;
        let pingFrom: string | undefined;
        let mtuRefused: KernelObservation['mtuRefused'];
        if (setup.protocol === 'icmp') {
            const r = await runAsync(['ip', 'netns', 'exec', setup.sourceNs, 'ping', '-n', '-M', setup.df ? 'do' : 'dont', '-s', String(Math.max(0, setup.size - 28)), '-c', '1', '-W', '2', setup.destination], timeoutMs + 2000);
            const ping = readPing(r);
            senderSaw = ping.summary;
            replied = ping.replied;
            pingFrom = ping.from;
            mtuRefused = ping.mtuRefused;
        } else {
            const r = await runAsync(['ip', 'netns', 'exec', setup.sourceNs, process.execPath, '-e', CONNECTOR, setup.protocol, setup.destination, String(setup.port ?? 0), String(setup.size), String(timeoutMs)], timeoutMs + 2000);
            const line = lastJson(r.stdout) as { ok?: boolean; error?: string } | undefined;
            senderSaw = line ? (line.ok ? (setup.protocol === 'tcp' ? 'connected' : 'sent') : `error ${line.error}`) : `no answer from the sender (${r.stderr.trim().split('\n')[0] || `exit ${r.code}`})`;
            if (setup.protocol === 'tcp') replied = !!line?.ok;
        }
        // Let the last frames reach the captures and listeners.
        await sleep(setup.protocol === 'udp' ? 600 : 400);
        for (const l of listeners) signalGroup(l.child, 'SIGTERM');
        for (const c of captures) signalGroup(c.child, 'SIGINT');
        const heard = await Promise.all(listeners.map(async l => ({ spot: l.spot, lines: jsonLines((await l.done).stdout) })));
        await Promise.all(captures.map(c => c.done));

        const got = heard.find(h => h.lines.some(x => x.remote !== undefined));
        const conn = got?.lines.find(x => x.remote !== undefined);
        const decoded = captures.map(c => ({ spot: c.spot, all: readCapture(c.file, setup.vxlanPorts) }));
        const packets = decoded.filter(d => d.spot.role !== 'source').map(d => ({ spot: d.spot, packets: d.all.filter(p => isFlowPacket(p, setup)) }));
        // Arrived: unencapsulated and addressed to the namespace itself (not merely passing through it).
        // Arrived: unencapsulated and addressed to the namespace itself (not merely passing through it).
        const arrived = packets
            .filter(p => p.spot.role === 'arrival')
            .map(p => ({ spot: p.spot, first: p.packets.find(x => !x.outer && (p.spot.addresses?.has(x.ip.dst) ?? true)) }))
            .filter(x => x.first);
        // A capture sees a packet before netfilter's INPUT, so for TCP and UDP only namespaces without
        // rules (pods, hosts) count it as delivered; a node's own socket has to take it (the listener).
        const landed = arrived.filter(a => setup.protocol === 'icmp' || !a.spot.id.startsWith('node:'));
        const arrival = arrived.find(a => a.spot.id === got?.spot.id) ?? landed[0];
        const delivered = !!got || !!arrival;
        const deliveredTo = got?.spot.id ?? arrival?.spot.id;
        const first = arrival?.first;
        const replyPacket = decoded.filter(d => d.spot.role === 'source').flatMap(d => d.all).find(p => !p.outer && isReplyPacket(p, setup));
        const outerPacket = packets.filter(p => p.spot.role === 'underlay').flatMap(p => p.packets).find(p => p.outer);
        return {
            delivered,
            replied,
            // What the sender's socket saw: a connected TCP socket's peer is the address it dialled
            // (conntrack un-NATed the answer); ping names the replier. Otherwise the answer as it
            // arrived on the wire, which says why the socket refused it.
            replySource: setup.protocol === 'tcp' && replied ? setup.destination : pingFrom ?? replyPacket?.ip.src,
            deliveredTo: delivered ? deliveredTo : undefined,
            arrivedAt: delivered
                ? (conn?.local ? `${stripV6(conn.local)}:${conn.localPort}` : first ? `${first.ip.dst}${first.l4.dstPort !== undefined ? ':' + first.l4.dstPort : ''}` : undefined)
                : undefined,
            sourceSeen: delivered ? (conn?.remote ? stripV6(conn.remote) : first?.ip.src) : undefined,
            ttlOnArrival: delivered ? first?.ip.ttl : undefined,
            outer: outerPacket?.outer ? {
                src: outerPacket.outer.ip.src, dst: outerPacket.outer.ip.dst, kind: outerPacket.outer.kind, udpDstPort: outerPacket.outer.udpDstPort,
                vni: outerPacket.outer.vni, ttl: outerPacket.outer.ip.ttl, df: outerPacket.outer.ip.df, innerTtl: outerPacket.ip.ttl,
            } : undefined,
            mtuRefused,
            senderSaw,
            reached: [...new Set([setup.sourceId, ...packets.filter(p => p.packets.length > 0 && p.spot.role !== 'arrival').map(p => p.spot.id), ...arrived.map(l => l.spot.id)])].sort(),
            watched: [...new Set([setup.sourceId, ...setup.captures.map(c => c.id)])].sort(),
            seen: packets.map(p => ({ spot: p.spot, packets: p.packets.length })),
        };
    } finally {
        for (const c of children) signalGroup(c, 'SIGKILL');
        fs.rmSync(dir, { recursive: true, force: true });
        inFlight.delete(entry);
    }
}

/** The flow's own first packets: a SYN, an echo request, or a datagram, never the replies. */
function isFlowPacket(p: DecodedPacket, setup: ProbeSetup): boolean {
    if (setup.protocol === 'tcp') return p.l4.kind === 'tcp' && p.l4.flags === 'S';
    if (setup.protocol === 'icmp') return p.l4.kind === 'icmp' && p.l4.icmpType === 8;
    if (p.l4.kind !== 'udp') return false;
    const ports = new Set([setup.port, ...setup.listeners.map(l => l.port)]);
    return p.l4.dstPort !== undefined && ports.has(p.l4.dstPort);
}

/** The answer to the flow's first packet, as it reaches the sender: SYN-ACK or echo reply. */
function isReplyPacket(p: DecodedPacket, setup: ProbeSetup): boolean {
    if (setup.protocol === 'tcp') return p.l4.kind === 'tcp' && p.l4.flags === 'SA';
    if (setup.protocol === 'icmp') return p.l4.kind === 'icmp' && p.l4.icmpType === 0;
    return false;
}

function readCapture(file: string, vxlanPorts: ReadonlySet<number>): DecodedPacket[] {
    try {
        return readPcap(fs.readFileSync(file), vxlanPorts);
    } catch {
        return [];
    }
}

export interface PingResult {
    readonly replied: boolean;
    /** The address the echo reply came from ("64 bytes from X"). */
    readonly from?: string;
    readonly summary: string;
    readonly mtuRefused?: { where: 'local' | 'icmp'; mtu: number; from?: string };
}

/** What ping printed: a reply, "local error: message too long, mtu=N", or "Frag needed and DF set (mtu = N)" from a hop. */
export function readPing(r: Pick<CommandResult, 'stdout' | 'stderr' | 'code'>): PingResult {
    const text = `${r.stdout}\n${r.stderr}`;
    const local = /message too long, mtu=(\d+)/.exec(text);
    const frag = /From (\d+\.\d+\.\d+\.\d+)[^\n]*Frag needed and DF set \(mtu = (\d+)\)/.exec(text);
    const reply = /bytes from (\d+\.\d+\.\d+\.\d+)/.exec(text);
    const replied = /\b1 (packets )?received\b/.test(text) || !!reply;
    const mtuRefused = local ? { where: 'local' as const, mtu: Number(local[1]) }
        : frag ? { where: 'icmp' as const, mtu: Number(frag[2]), from: frag[1] } : undefined;
    const line = text.split('\n').map(l => l.trim()).find(l => /bytes from|local error|Frag needed|Unreachable|unreachable|packet loss|connect:/.test(l));
    return { replied, from: reply?.[1], mtuRefused, summary: local ? `local error: message too long, mtu=${local[1]}` : frag ? `From ${frag[1]}: Frag needed and DF set (mtu = ${frag[2]})` : line ?? `exit ${r.code}` };
}

function waitFor(child: ChildProcess, stream: 'stdout' | 'stderr', pattern: RegExp, ms: number): Promise<boolean> {
    return new Promise(resolve => {
        let text = '';
        const s = child[stream];
        const timer = setTimeout(() => { cleanup(); resolve(false); }, ms);
        const onData = (d: Buffer | string) => { text += d.toString(); if (pattern.test(text)) { cleanup(); resolve(true); } };
        const onClose = () => { cleanup(); resolve(false); };
        const cleanup = () => { clearTimeout(timer); s?.off('data', onData); child.off('close', onClose); };
        s?.on('data', onData);
        child.on('close', onClose);
    });
}

function jsonLines(text: string): { remote?: string; local?: string; localPort?: number; ready?: boolean }[] {
    const out = [];
    for (const line of text.split('\n')) {
        try { if (line.trim()) out.push(JSON.parse(line)); } catch { /* not ours */ }
    }
    return out;
}

function lastJson(text: string): unknown {
    const lines = jsonLines(text);
    return lines[lines.length - 1];
}

function stripV6(address: string): string {
    return address.startsWith('::ffff:') && parseIp(address.slice(7)) !== undefined ? address.slice(7) : address;
}

function sleep(ms: number): Promise<void> {
    return new Promise(r => setTimeout(r, ms));
}
