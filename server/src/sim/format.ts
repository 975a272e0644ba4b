/**
 * A trace as text: the CLI's hop-by-hop listing (also the body of hovers) and the one-line
 * summary CodeLens and tables use.
 */
import { isSuccess } from '../protocol/trace';
import type { Header, Hop, Packet, Step, Trace } from '../protocol/trace';

export function stepCount(trace: Trace): number {
    let n = 0;
    for (const h of trace.hops) n += h.steps.length;
    return n;
}

/** "✓ DELIVERED · 11 steps · MTU 1450" / "✗ MTU_EXCEEDED at eth0 of busybox3 (1450)". */
export function summarizeTrace(trace: Trace): string {
    if (isSuccess(trace.disposition)) {
        return `✓ ${trace.disposition} · ${stepCount(trace)} steps · MTU ${trace.pathMtu}`;
    }
    return `✗ ${trace.disposition}${trace.dispositionAt ? ` at ${trace.dispositionAt}` : ''}`;
}

export function headerText(h: Header): string {
    switch (h.kind) {
        case 'ipv4': return `IPv4 ${h.src} → ${h.dst} TTL ${h.ttl}${h.df ? ' DF' : ''}${h.protocol === 4 ? ' proto 4' : h.protocol === 47 ? ' proto 47' : ''} len ${h.length}`;
        case 'tcp': return `TCP ${h.srcPort} → ${h.dstPort}${h.flags ? ` [${h.flags}]` : ''}${h.mss !== undefined ? ` (MSS ${h.mss})` : ''}`;
        case 'udp': return `UDP ${h.srcPort} → ${h.dstPort}`;
        case 'sctp': return `SCTP ${h.srcPort} → ${h.dstPort}`;
        case 'icmp': return `ICMP ${h.description ?? `type ${h.type} code ${h.code}`}${h.mtu !== undefined ? ` (mtu ${h.mtu})` : ''}`;
        case 'vxlan': return `VXLAN flags ${h.flags} VNI ${h.vni}`;
        case 'ethernet': return `Ethernet${h.dst ? ` → ${h.dst}` : ''}${h.vlan !== undefined ? ` VLAN ${h.vlan}` : ''}`;
        case 'gre': return `GRE${h.key !== undefined ? ` key ${h.key}` : ''}`;
        case 'flannel-udp': return `flanneld UDP ${h.port}`;
    }
}

export function packetText(p: Packet): string {
    return p.headers.map(headerText).join(' / ');
}

function hopTitle(h: Hop): string {
    const kind = h.kind === 'pod' ? `pod${h.node ? ` on ${h.node}` : ''}` : h.kind === 'node' ? 'node, root namespace' : h.kind === 'network' ? 'underlay network' : h.kind;
    return `${h.namespace} (${kind})`;
}

/** Kinds whose packet is worth printing whole: where the header stack is made or changed. */
const SHOW_PACKET = new Set<Step['kind']>(['originate', 'nat', 'encap', 'decap', 'deliver']);

export interface FormatOptions {
    /** Include the reply's summary (default true). */
    reply?: boolean;
    /** ANSI colours, for a terminal. */
    color?: boolean;
}

const ANSI = { bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', green: '\x1b[32m', cyan: '\x1b[36m', reset: '\x1b[0m' };

/** The hop-by-hop listing. */
export function formatTrace(trace: Trace, options: FormatOptions = {}): string {
    const paint = (code: keyof typeof ANSI, text: string) => options.color ? `${ANSI[code]}${text}${ANSI.reset}` : text;
    const out: string[] = [];
    const f = trace.flow;
    out.push(`flow ${f.name}${f.text && f.text !== f.name ? `: ${f.text}` : ''}`);
    const tuple = [
        f.protocol,
        `${f.sourceAddress ?? f.source}${f.sourcePort !== undefined && f.protocol !== 'icmp' ? `:${f.sourcePort}` : ''}`,
        '→',
        `${f.destinationAddress ?? f.destination}${f.destinationPort !== undefined && f.protocol !== 'icmp' ? `:${f.destinationPort}` : ''}`,
    ].join(' ');
    out.push(`  ${tuple}, ${f.size} bytes${f.df ? ', DF' : ', DF clear'}`);
    let n = 0;
    for (const hop of trace.hops) {
        out.push('');
        out.push(paint('bold', hopTitle(hop)));
        for (const s of hop.steps) {
            n++;
            const devs = [s.inDevice ? `in ${s.inDevice}` : '', s.outDevice ? `out ${s.outDevice}` : '', s.mtu !== undefined ? `mtu ${s.mtu}` : '']
                .filter(Boolean).join(' · ');
            const gen = s.generated ? '' : ' [declared]';
            const kind = paint(s.kind === 'drop' ? 'red' : 'cyan', s.kind.padEnd(9));
            out.push(`  ${String(n).padStart(2)} ${kind} ${s.summary}${devs ? paint('dim', `   (${devs})`) : ''}${gen}`);
            for (const d of s.details ?? []) out.push(paint('dim', `${' '.repeat(15)}${d}`));
            for (const c of s.changes ?? []) out.push(`${' '.repeat(15)}${c.field}: ${c.from} → ${c.to}`);
            const answered = s.kind === 'drop' && s.packet.headers.some(h => h.kind === 'icmp' && (h.type === 3 || h.type === 11));
            if (SHOW_PACKET.has(s.kind) || answered) out.push(`${' '.repeat(15)}${answered ? 'sent back: ' : ''}${packetText(s.packet)}`);
        }
    }
    out.push('');
    const ok = isSuccess(trace.disposition);
    out.push(paint(ok ? 'green' : 'red', `${ok ? '✓' : '✗'} ${trace.disposition}${trace.dispositionAt ? ` at ${trace.dispositionAt}` : ''} · path MTU ${trace.pathMtu}`));
    out.push(`  ${trace.dispositionReason}`);
    if (trace.alternatives?.length) {
        out.push('');
        out.push('alternatives (knet trace --choice N follows another):');
        for (const a of trace.alternatives) {
            const how = a.probability !== undefined ? `probability ${a.probability.toFixed(4).replace(/0+$/, '').replace(/\.$/, '')}` : a.rule ?? '';
            out.push(`  ${a.chosen ? '*' : ' '} ${a.choice}: ${a.description}${how ? ` — ${how}` : ''}`);
        }
    }
    if (trace.reply && options.reply !== false) {
        const r = trace.reply;
        out.push('');
        out.push(`reply: ${summarizeTrace(r)}`);
        for (const hop of r.hops) {
            const bits = hop.steps.filter(s => s.kind !== 'originate').map(s => s.kind === 'route' ? `route ${s.summary}` : s.kind === 'nat' ? s.summary : s.kind);
            out.push(`  ${hop.namespace}: ${bits.join('; ')}`);
        }
        if (!isSuccess(r.disposition)) out.push(`  ${r.dispositionReason}`);
    }
    return out.join('\n') + '\n';
}
