/**
 * The lab's report in words: what was built (and what the kernel refused), then per flow
 * the kernel's answer beside the simulator's, and every disagreement on a line of its own.
 */
import { fmtMtu, fmtOuter } from './compare';
import type { LabState } from './lifecycle';
import type { FlowOutcome } from './run';

export function formatUp(state: LabState): string {
    const lines: string[] = [];
    const { plan } = state;
    lines.push(`lab ${plan.prefix.slice(0, -1)}: ${plan.namespaces.length} namespaces (${countKinds(state)})`);
    for (const n of state.notes) lines.push(`  note: ${n}`);
    for (const m of state.missing) lines.push(`  missing: ${m.id} ${m.device}: ${m.reason}`);
    for (const f of state.failures) lines.push(`  refused: ${f.id}: ${f.what}: ${f.error}`);
    if (state.rulesLoaded.size) lines.push(`  iptables rules loaded on ${[...state.rulesLoaded].join(', ')}`);
    return lines.join('\n') + '\n';
}

function countKinds(state: LabState): string {
    const counts = new Map<string, number>();
    for (const n of state.plan.namespaces) counts.set(n.kind, (counts.get(n.kind) ?? 0) + 1);
    return [...counts].map(([k, n]) => `${n} ${k}${n > 1 ? 's' : ''}`).join(', ');
}

export function formatOutcome(o: FlowOutcome): string {
    if (o.skipped) return `flow ${o.flow}: skipped — ${o.skipped}\n`;
    const k = o.kernel!, s = o.simulator!;
    const rows: [string, string, string][] = [
        ['delivered', k.delivered ? 'yes' : `no (${k.senderSaw})`, s.delivered ? 'yes' : `no (${s.disposition})`],
        ['delivered to', k.deliveredTo ?? '—', s.deliveredTo ?? '—'],
        ['reply reaches sender', k.replied === undefined ? '—' : k.replied ? 'yes' : 'no', s.replied ? 'yes' : 'no'],
        ['reply comes from', k.replySource ?? '—', s.replySource ?? '—'],
        ['arrived at (DNAT)', k.arrivedAt ?? '—', s.arrivedAt ?? '—'],
        ['source seen (SNAT)', k.sourceSeen ?? '—', s.sourceSeen ?? '—'],
        ['TTL on arrival', k.ttlOnArrival?.toString() ?? '—', s.ttlOnArrival?.toString() ?? '—'],
        ['outer headers', fmtOuter(k.outer), fmtOuter(s.outer)],
        ['MTU refused', fmtMtu(k.mtuRefused), fmtMtu(s.mtuRefused)],
        ['reached', k.reached.join(', '), s.reached.join(', ')],
    ];
    const w0 = Math.max(...rows.map(r => r[0].length)), w1 = Math.max(6, ...rows.map(r => r[1].length));
    const lines = [`flow ${o.flow}: ${o.disagreements.length ? `DISAGREES on ${o.disagreements.length} field${o.disagreements.length > 1 ? 's' : ''}` : 'agrees'}`];
    lines.push(`  ${''.padEnd(w0)}  ${'kernel'.padEnd(w1)}  simulator`);
    for (const [f, kv, sv] of rows) lines.push(`  ${f.padEnd(w0)}  ${kv.padEnd(w1)}  ${sv}`);
    const unseen = k.seen.filter(x => x.spot.role === 'path' && x.packets === 0).map(x => `${x.spot.id}/${x.spot.device}`);
    if (k.delivered && unseen.length) lines.push(`  (no packet of the flow captured on ${unseen.join(', ')}, which the trace lists)`);
    for (const c of o.caveats ?? []) lines.push(`  ! ${c}`);
    for (const d of o.disagreements) lines.push(`  ✗ ${d.field}: kernel ${d.kernel}; simulator ${d.simulator}`);
    return lines.join('\n') + '\n';
}

export function formatSummary(outcomes: readonly FlowOutcome[]): string {
    const ran = outcomes.filter(o => !o.skipped);
    const bad = ran.filter(o => o.disagreements.length);
    const skipped = outcomes.length - ran.length;
    return `${ran.length} flow${ran.length === 1 ? '' : 's'} sent: ${ran.length - bad.length} agree, ${bad.length} disagree${skipped ? `; ${skipped} skipped` : ''}\n`;
}
