/**
 * The simulator's answer for a flow, in the same terms as the kernel's observation, and
 * the fields on which they disagree. A disagreement is a finding about the simulator (or
 * the lab): it is listed plainly with both values, never smoothed over.
 */
import { type Header, type Hop, type Step, type Trace, isSuccess } from '../protocol/trace';
import type { ClusterModel } from '../model/types';
import type { KernelObservation } from './probe';

type Ipv4 = Extract<Header, { kind: 'ipv4' }>;

export interface SimulatorView {
    readonly delivered: boolean;
    /** The reply trace ends DELIVERED back at the source. */
    readonly replied: boolean;
    /** The reply's source address as it reaches the sender. */
    readonly replySource?: string;
    readonly replyDisposition?: string;
    /** EXITS_NETWORK: the packet left through a gateway toward the world outside the model. */
    readonly exits: boolean;
    readonly disposition: string;
    readonly deliveredTo?: string;
    readonly arrivedAt?: string;
    readonly sourceSeen?: string;
    readonly ttlOnArrival?: number;
    readonly outer?: { readonly src: string; readonly dst: string; readonly kind: 'vxlan' | 'ipip'; readonly udpDstPort?: number; readonly vni?: number; readonly ttl: number; readonly df: boolean; readonly innerTtl?: number };
    /** Refused for its size: at the sender, by a hop's frag-needed, or dropped without a word (a veth's receive check). */
    readonly mtuRefused?: { readonly where: 'local' | 'icmp' | 'silent'; readonly mtu: number; readonly from?: string };
    /** Namespaces the trace's packet visits (pods, nodes, hosts, networks), sorted. */
    readonly reached: readonly string[];
    /** Endpoints kube-proxy could have chosen (model namespace ids), when it balanced. */
    readonly alternatives: readonly string[];
}

export interface Disagreement {
    readonly flow: string;
    readonly field: string;
    readonly kernel: string;
    readonly simulator: string;
}

/** Reads the trace as the lab observes a flow. */
export function simulatorView(model: ClusterModel, trace: Trace): SimulatorView {
    const steps = trace.hops.flatMap(h => h.steps.map(s => ({ hop: h, step: s })));
    const deliver = [...steps].reverse().find(x => x.step.kind === 'deliver');
    const delivered = trace.disposition === 'DELIVERED' || trace.disposition === 'EXITS_NETWORK';
    const lastStep = steps.at(-1)?.step;
    const inner = deliver ? innermost(deliver.step) : trace.disposition === 'EXITS_NETWORK' && lastStep ? innermost(lastStep) : undefined;
    const l4Step = deliver?.step ?? (trace.disposition === 'EXITS_NETWORK' ? lastStep : undefined);
    const l4 = l4Step ? l4Step.packet.headers.find(h => h.kind === 'tcp' || h.kind === 'udp' || h.kind === 'sctp') as { dstPort: number } | undefined : undefined;
    const encap = steps.find(x => x.step.kind === 'encap');
    let outer: SimulatorView['outer'];
    if (encap) {
        const hs = encap.step.packet.headers;
        const o = hs[0];
        if (o?.kind === 'ipv4') {
            const udp = hs.find(h => h.kind === 'udp') as Extract<Header, { kind: 'udp' }> | undefined;
            const vxlan = hs.find(h => h.kind === 'vxlan') as Extract<Header, { kind: 'vxlan' }> | undefined;
            const innerIp = hs.filter(h => h.kind === 'ipv4')[1] as Ipv4 | undefined;
            outer = {
                src: o.src, dst: o.dst, kind: vxlan ? 'vxlan' : 'ipip', udpDstPort: vxlan ? udp?.dstPort : undefined, vni: vxlan?.vni,
                ttl: o.ttl, df: o.df, innerTtl: innerIp?.ttl,
            };
        }
    }
    let mtuRefused: SimulatorView['mtuRefused'];
    if (trace.disposition === 'MTU_EXCEEDED') {
        const drop = [...steps].reverse().find(x => x.step.kind === 'drop');
        const icmp = drop?.step.packet.headers.find(h => h.kind === 'icmp') as Extract<Header, { kind: 'icmp' }> | undefined;
        const local = !!drop && drop.hop === trace.hops[0];
        const mtu = icmp?.mtu ?? drop?.step.mtu ?? trace.pathMtu;
        const silent = !local && /no ICMP|silently/i.test([drop?.step.summary, trace.dispositionReason].join(' '));
        const from = local || silent ? undefined : icmpSource(drop?.step);
        mtuRefused = { where: local ? 'local' : silent ? 'silent' : 'icmp', mtu, from };
    }
    const reply = trace.reply;
    // The reply's last step: its delivery back at the sender, or its exit toward a host beyond the gateway.
    // A reply that got back into the sender's namespace (even one its socket then refuses, as the
    // simulator says when conntrack did not un-NAT it) has a source to compare.
    const backHome = !!reply && !!reply.hops.length && hopId(model, reply.hops[reply.hops.length - 1]) === hopId(model, trace.hops[0]);
    const replyEnd = reply && (isSuccess(reply.disposition) || backHome) ? reply.hops.flatMap(h => h.steps).at(-1) : undefined;
    const exits = trace.disposition === 'EXITS_NETWORK';
    // A packet refused for its size on entry (a veth's receive check) never enters that namespace.
    const last = trace.hops[trace.hops.length - 1];
    const refusedOnEntry = trace.disposition === 'MTU_EXCEEDED' && last && last !== trace.hops[0]
        && last.steps.every(st => st.kind === 'drop' && !st.outDevice);
    const visited = refusedOnEntry ? trace.hops.slice(0, -1) : trace.hops;
    const alternatives = (trace.alternatives ?? []).map(a => endpointId(model, a.description)).filter((x): x is string => !!x);
    return {
        delivered, disposition: trace.disposition,
        replied: !!reply && isSuccess(reply.disposition),
        exits,
        replyDisposition: reply?.disposition,
        replySource: replyEnd ? innermost(replyEnd)?.src : undefined,
        deliveredTo: delivered && deliver ? hopId(model, deliver.hop) : undefined,
        arrivedAt: delivered && inner ? `${inner.dst}${l4 ? ':' + l4.dstPort : ''}` : undefined,
        sourceSeen: delivered ? inner?.src : undefined,
        ttlOnArrival: delivered && !exits ? inner?.ttl : undefined,
        outer, mtuRefused, alternatives,
        reached: [...new Set(visited.map(h => hopId(model, h)).filter((x): x is string => !!x))].sort(),
    };
}

function innermost(step: Step): Ipv4 | undefined {
    const ips = step.packet.headers.filter(h => h.kind === 'ipv4') as Ipv4[];
    return ips[ips.length - 1];
}

/** "From 10.244.1.1": the address the hop answers frag-needed from, as the trace's words give it. */
function icmpSource(step: Step | undefined): string | undefined {
    if (!step) return undefined;
    const text = [step.summary, ...(step.details ?? [])].join(' ');
    const m = /from (\d+\.\d+\.\d+\.\d+)/i.exec(text);
    return m?.[1];
}

/** The model namespace id of a trace hop (pods are labelled by name, nodes and hosts by theirs). */
export function hopId(model: ClusterModel, hop: Hop): string | undefined {
    switch (hop.kind) {
        case 'node': return `node:${hop.namespace}`;
        case 'host': return `host:${hop.namespace}`;
        case 'network': return `network:${hop.namespace}`;
        case 'pod': {
            const pod = model.pods.find(p => p.name === hop.namespace && (!hop.node || p.node.name === hop.node));
            return pod ? (pod.hostNetwork ? `node:${pod.node.name}` : `pod:${pod.key}`) : undefined;
        }
        default: return undefined;
    }
}

/** "10.244.2.5:80 (KUBE-SEP-…, pod default/web on node02)" → "pod:default/web". */
export function endpointId(model: ClusterModel, description: string): string | undefined {
    const m = /pod (\S+) on /.exec(description);
    const pod = m ? model.podByKey.get(m[1]) : undefined;
    return pod ? (pod.hostNetwork ? `node:${pod.node.name}` : `pod:${pod.key}`) : undefined;
}

/** Every field on which the kernel and the simulator differ. */
export function compare(flow: string, kernel: KernelObservation, sim: SimulatorView): Disagreement[] {
    const out: Disagreement[] = [];
    const diff = (field: string, k: unknown, s: unknown) => {
        const ks = show(k), ss = show(s);
        if (ks !== ss) out.push({ flow, field, kernel: ks, simulator: ss });
    };
    if (kernel.delivered !== sim.delivered) {
        out.push({ flow, field: 'delivered', kernel: kernel.delivered ? 'delivered' : `not delivered (${kernel.senderSaw})`, simulator: sim.delivered ? 'delivered' : `not delivered (${sim.disposition})` });
        // The rest would only repeat this, except the MTU, which says why.
        diff('mtu refused', fmtMtu(kernel.mtuRefused), fmtMtu(sim.mtuRefused?.where === 'silent' ? undefined : sim.mtuRefused));
        return out.filter((d, i) => i === 0 || d.field === 'mtu refused');
    }
    if (kernel.delivered && sim.exits) {
        // Beyond the gateway the model ends: the lab's stand-in host is no part of the trace.
        diff('arrived at (after DNAT)', kernel.arrivedAt, sim.arrivedAt);
        diff('source seen (after SNAT)', kernel.sourceSeen, sim.sourceSeen);
        diff('outer headers on the underlay', fmtOuter(kernel.outer), fmtOuter(sim.outer));
        return out;
    }
    if (kernel.delivered && sim.delivered) {
        const sameEndpoint = kernel.deliveredTo === sim.deliveredTo || (!!kernel.deliveredTo && sim.alternatives.includes(kernel.deliveredTo));
        if (!sameEndpoint) diff('delivered to', kernel.deliveredTo, sim.deliveredTo);
        // Another endpoint than the one the trace follows: addresses and TTL belong to another path.
        if (kernel.deliveredTo === sim.deliveredTo) {
            diff('arrived at (after DNAT)', kernel.arrivedAt, sim.arrivedAt);
            diff('source seen (after SNAT)', kernel.sourceSeen, sim.sourceSeen);
            diff('TTL on arrival', kernel.ttlOnArrival, sim.ttlOnArrival);
            if (kernel.replied !== undefined) {
                if (kernel.replied !== sim.replied) {
                    out.push({ flow, field: 'reply reaches the sender', kernel: kernel.replied ? `yes (${kernel.senderSaw})` : `no (${kernel.senderSaw})`, simulator: sim.replied ? 'yes (reply trace DELIVERED)' : `no (reply trace ${sim.replyDisposition ?? 'absent'})` });
                }
                diff('reply comes from', kernel.replySource, sim.replySource);
            }
        }
    }
    diff('outer headers on the underlay', fmtOuter(kernel.outer), fmtOuter(sim.outer));
    // Where the packet went: only comparable when the kernel took the path the trace follows.
    const watched = new Set(kernel.watched);
    diff('namespaces reached', kernel.reached.join(', '), sim.reached.filter(id => watched.has(id)).join(', '));
    // The sender hears nothing of a silent drop; where it happened is in 'namespaces reached'.
    diff('mtu refused', fmtMtu(kernel.mtuRefused), fmtMtu(sim.mtuRefused?.where === 'silent' ? undefined : sim.mtuRefused));
    return out;
}

export function fmtOuter(o: KernelObservation['outer'] | SimulatorView['outer']): string {
    if (!o) return 'none';
    const tunnel = o.kind === 'vxlan' ? `UDP →${o.udpDstPort} VXLAN VNI ${o.vni}` : 'IPIP (protocol 4)';
    const inner = o.innerTtl !== undefined ? `, inner TTL ${o.innerTtl}` : '';
    return `${o.src} → ${o.dst} TTL ${o.ttl}${o.df ? ' DF' : ''} / ${tunnel}${inner}`;
}

export function fmtMtu(m: SimulatorView['mtuRefused'] | undefined): string {
    if (!m) return 'no';
    if (m.where === 'silent') return `dropped silently (mtu ${m.mtu})`;
    return m.where === 'local' ? `locally, mtu=${m.mtu}` : `frag needed (mtu = ${m.mtu})${m.from ? ` from ${m.from}` : ''}`;
}

function show(v: unknown): string {
    return v === undefined ? '—' : String(v);
}
