/**
 * A trace in brief, for a hover and a CodeLens title: each namespace in order with what
 * moved the packet on (route, NAT, tunnel), the disposition and the path MTU. Reads only
 * the Trace contract (protocol/trace.ts), whatever simulator produced it.
 */
import type { Hop, Step, Trace } from '../protocol/trace';
import { isSuccess } from '../protocol/trace';

/** Step kinds worth a line in a brief: what decided the path, not every crossing. */
const BRIEF: ReadonlySet<Step['kind']> = new Set(['resolve', 'route', 'nat', 'encap', 'decap', 'deliver', 'drop']);

/** Where a trace ended: the device of its last step, else the namespace. */
export function whereItEnded(trace: Trace): string | undefined {
    const hop = trace.hops[trace.hops.length - 1];
    const step = hop?.steps[hop.steps.length - 1];
    return step?.outDevice ?? step?.inDevice ?? hop?.namespace ?? trace.dispositionAt;
}

/** The MTU that stopped a packet, for MTU_EXCEEDED. */
function limitingMtu(trace: Trace): number | undefined {
    for (let h = trace.hops.length - 1; h >= 0; h--) {
        const steps = trace.hops[h].steps;
        for (let s = steps.length - 1; s >= 0; s--) if (steps[s].mtu !== undefined) return steps[s].mtu;
    }
    return trace.pathMtu;
}

/** "✓ DELIVERED · 11 hops · MTU 1450" or "✗ MTU_EXCEEDED at flannel.1 (1450)". */
export function lensTitle(trace: Trace): string {
    if (isSuccess(trace.disposition)) {
        const hops = trace.hops.length;
        return `✓ ${trace.disposition} · ${hops} hop${hops === 1 ? '' : 's'} · MTU ${trace.pathMtu}`;
    }
    const at = whereItEnded(trace);
    const mtu = trace.disposition === 'MTU_EXCEEDED' ? ` (${limitingMtu(trace)})` : '';
    return `✗ ${trace.disposition}${at ? ` at ${at}` : ''}${mtu}`;
}

function hopTitle(hop: Hop): string {
    if (hop.kind === 'pod') return `pod ${hop.namespace}${hop.node ? ` (${hop.node})` : ''}`;
    if (hop.kind === 'network') return `network ${hop.namespace}`;
    return `${hop.kind === 'outside' ? '' : hop.kind + ' '}${hop.namespace}`;
}

function stepLine(step: Step): string {
    let text = step.kind === 'route' || step.kind === 'nat' ? (step.summary || step.decidedBy || '') : step.summary;
    if (step.kind === 'encap') {
        // the tunnel's outer addresses, if the summary does not already say both
        const outer = step.packet.headers.find(h => h.kind === 'ipv4');
        if (outer && outer.kind === 'ipv4' && !text.includes(outer.src)) {
            text += text.includes(outer.dst) ? ` from ${outer.src}` : ` · outer ${outer.src} → ${outer.dst}`;
        }
    }
    if (step.kind === 'nat') {
        // "HOOK: CHAIN → … → LAST — ACTION" reads, in 60 columns, "ACTION (HOOK, LAST)"
        const m = /^(\w+): (.+?) — (.+)$/.exec(text);
        if (m) text = `${m[3]} (${m[1]}, ${m[2].split(' → ').pop()})`;
    }
    return `${step.kind === 'encap' ? '⇢ ' : step.kind === 'decap' ? '⇠ ' : ''}${text}`;
}

/** Markdown: a header line, then one numbered line per namespace with its deciding steps. */
export function traceMarkdown(trace: Trace, maxHops = 16): string {
    const ok = isSuccess(trace.disposition);
    const f = trace.flow;
    const dst = f.destinationAddress ? `${f.destinationAddress}${f.destinationPort !== undefined ? ':' + f.destinationPort : ''}` : '';
    const head = `**${f.name}** ${ok ? '✓' : '✗'} ${trace.disposition} · path MTU ${trace.pathMtu}`;
    const what = `${f.source} → ${f.destination}${dst && !f.destination.includes(dst) ? ` (${dst}/${f.protocol})` : ` ${f.protocol}`} · ${f.size} B${f.df ? ' DF' : ''}`;
    const lines: string[] = [];
    trace.hops.slice(0, maxHops).forEach((hop, i) => {
        lines.push(`${i + 1}. ${hopTitle(hop)}`);
        for (const step of hop.steps) if (BRIEF.has(step.kind) && step.summary) lines.push(`   ${stepLine(step)}`);
    });
    if (trace.hops.length > maxHops) lines.push(`… ${trace.hops.length - maxHops} more hops`);
    const parts = [head, what, '```\n' + lines.join('\n') + '\n```'];
    const reason = trace.dispositionReason ? `${ok ? '' : '✗ '}${trace.dispositionReason}` : '';
    if (reason) parts.push(reason);
    if (trace.reply) {
        const r = trace.reply;
        const path = r.hops.map(h => h.namespace).join(' → ');
        parts.push(`reply ${isSuccess(r.disposition) ? '✓' : '✗'} ${r.disposition}${r.flow.sourceAddress ? ` from ${r.flow.sourceAddress}` : ''}: ${path}`);
    }
    if (trace.alternatives && trace.alternatives.length > 1) {
        parts.push(`load-balanced: ${trace.alternatives.map(a => `${a.chosen ? '**' : ''}${a.description}${a.probability !== undefined ? ` p=${a.probability.toFixed(2)}` : ''}${a.chosen ? '**' : ''}`).join(' · ')}`);
    }
    return parts.join('\n\n');
}
