/**
 * The benchmark's figures as a table and as JSON, and the verdict against the targets:
 * `knet check` and its peak memory within 1.3× Langium's bare build on 5,000 nodes; every
 * figure growing at most 11× from 500 to 5,000 nodes (linear is 10×); warm hover and trace
 * requests under 1% of the build; an edit's diagnostics on 50 nodes within 1.2× the build;
 * two quick edits publishing once, for the last version.
 */
import type { LspFigures } from './lsp';
import type { Variant } from './generate';

export interface Figure {
    ms: number;
    cpuMs: number;
    peakRssMb: number;
    heapMb: number;
    samples: number[];
}

export interface SizeReport {
    variant: Variant;
    nodes: number;
    bytes: number;
    pods: number;
    services: number;
    flows: number;
    routeLines: number;
    runs: number;
    bare: Figure;
    check: Figure & { exitCode: number; outputLines: number };
    /**
     * knet check ÷ the bare build, as the median of each run's pair (a check run and the bare
     * run just before it). Reports written before it was recorded have none.
     */
    checkOverBare?: { ms: number; cpuMs: number; peakRssMb: number };
    trace: { ms: number; loadMs: number; flows: number; dispositions: Record<string, number> };
    lsp?: LspFigures;
    lspError?: string;
}

export interface Verdict {
    variant: Variant;
    target: string;
    value: string;
    ok: boolean;
}

export interface BenchReport {
    date: string;
    node: string;
    cpus: number;
    cpuModel: string;
    memoryGb: number;
    loadAverage: number[];
    commit: string;
    seconds: number;
    sizes: SizeReport[];
    verdicts: Verdict[];
}

interface Row {
    label: string;
    value: (s: SizeReport) => number | undefined;
    unit: 'ms' | 'MB' | 'x' | '';
    /** Compared with the bare build's figure of the same size (time or memory). */
    ratio?: (s: SizeReport) => number | undefined;
    growth?: boolean;
}

const ROWS: Row[] = [
    { label: 'file size', value: s => s.bytes / 1e6, unit: 'MB', growth: true },
    { label: '1 bare Langium build', value: s => s.bare.ms, unit: 'ms', growth: true },
    { label: '1   CPU time (all threads)', value: s => s.bare.cpuMs, unit: 'ms', growth: true },
    { label: '2 knet check', value: s => s.check.ms, unit: 'ms', ratio: s => s.checkOverBare?.ms ?? s.check.ms / s.bare.ms, growth: true },
    { label: '2   CPU time (all threads)', value: s => s.check.cpuMs, unit: 'ms', ratio: s => s.checkOverBare?.cpuMs ?? s.check.cpuMs / s.bare.cpuMs, growth: true },
    { label: '3 server: open → diagnostics', value: s => s.lsp?.openMs, unit: 'ms', ratio: s => s.lsp && s.lsp.openMs / s.bare.ms, growth: true },
    { label: '3 server: first edit → diagnostics', value: s => s.lsp?.firstEditMs, unit: 'ms', ratio: s => s.lsp && s.lsp.firstEditMs / s.bare.ms, growth: true },
    { label: '3 server: edit → diagnostics', value: s => s.lsp?.editMs, unit: 'ms', ratio: s => s.lsp && s.lsp.editMs / s.bare.ms, growth: true },
    { label: '3 two quick edits → diagnostics', value: s => s.lsp?.doubleEdit.ms, unit: 'ms', ratio: s => s.lsp && s.lsp.doubleEdit.ms / s.bare.ms, growth: true },
    { label: '3 half-written line → its error', value: s => s.lsp?.typing?.brokenMs, unit: 'ms', ratio: s => s.lsp?.typing && s.lsp.typing.brokenMs / s.bare.ms, growth: true },
    { label: '3 line completed → clean', value: s => s.lsp?.typing?.fixedMs, unit: 'ms', ratio: s => s.lsp?.typing && s.lsp.typing.fixedMs / s.bare.ms, growth: true },
    { label: '4 hover on a pod (warm)', value: s => s.lsp?.hoverPodMs, unit: 'ms', ratio: s => s.lsp && s.lsp.hoverPodMs / s.bare.ms, growth: true },
    { label: '4 hover on a flow (warm)', value: s => s.lsp?.hoverFlowMs, unit: 'ms', ratio: s => s.lsp && s.lsp.hoverFlowMs / s.bare.ms, growth: true },
    { label: '4 knet/trace request (warm)', value: s => s.lsp?.traceMs, unit: 'ms', ratio: s => s.lsp && s.lsp.traceMs / s.bare.ms, growth: true },
    { label: '4 knet/trace, another flow', value: s => s.lsp?.traceColdMs, unit: 'ms', ratio: s => s.lsp && s.lsp.traceColdMs / s.bare.ms, growth: true },
    { label: '5 trace every flow (traceAll)', value: s => s.trace.ms, unit: 'ms', ratio: s => s.trace.ms / s.bare.ms, growth: true },
    { label: '5   per flow', value: s => s.trace.flows ? s.trace.ms / s.trace.flows : undefined, unit: 'ms', growth: true },
    { label: '6 peak RSS, bare build', value: s => s.bare.peakRssMb, unit: 'MB', growth: true },
    { label: '6 peak RSS, knet check', value: s => s.check.peakRssMb, unit: 'MB', ratio: s => s.checkOverBare?.peakRssMb ?? s.check.peakRssMb / s.bare.peakRssMb, growth: true },
    { label: '6 peak RSS, server', value: s => s.lsp?.peakRssMb, unit: 'MB', ratio: s => s.lsp?.peakRssMb && s.lsp.peakRssMb / s.bare.peakRssMb, growth: true },
    { label: '6 heap after GC, bare build', value: s => s.bare.heapMb, unit: 'MB', growth: true },
    { label: '6 heap after GC, knet check', value: s => s.check.heapMb, unit: 'MB', ratio: s => s.check.heapMb / s.bare.heapMb, growth: true },
];

function fmt(v: number | undefined, unit: string): string {
    if (v === undefined || Number.isNaN(v)) return '—';
    if (unit === 'ms') return v >= 100 ? `${v.toFixed(0)} ms` : v >= 10 ? `${v.toFixed(1)} ms` : `${v.toFixed(2)} ms`;
    if (unit === 'MB') return v >= 100 ? `${v.toFixed(0)} MB` : `${v.toFixed(1)} MB`;
    return v.toFixed(2);
}

function growthOf(row: Row, sizes: SizeReport[], from: number, to: number): number | undefined {
    const a = sizes.find(s => s.nodes === from), b = sizes.find(s => s.nodes === to);
    const va = a && row.value(a), vb = b && row.value(b);
    return va && vb ? vb / va : undefined;
}

export function formatReport(report: BenchReport): string {
    const out: string[] = [];
    out.push(`knet benchmark — ${report.date}, commit ${report.commit}, Node ${report.node}, ${report.cpus} CPUs (${report.cpuModel}), load ${report.loadAverage.map(l => l.toFixed(1)).join(' ')}`);
    for (const variant of [...new Set(report.sizes.map(s => s.variant))]) {
        const sizes = report.sizes.filter(s => s.variant === variant).sort((a, b) => a.nodes - b.nodes);
        const biggest = sizes[sizes.length - 1];
        const header = ['', ...sizes.map(s => `${s.nodes} nodes`), '×500→5000', `÷bare @${biggest.nodes}`];
        const rows: string[][] = [header];
        // Wall-clock figures suffer from whatever else the machine runs; CPU time less so.
        for (const row of ROWS) {
            const g = row.growth ? growthOf(row, sizes, 500, 5000) : undefined;
            const r = row.ratio?.(biggest);
            rows.push([row.label, ...sizes.map(s => fmt(row.value(s), row.unit)), g === undefined ? '' : `${g.toFixed(1)}×`, r === undefined ? '' : `${r.toFixed(r < 0.1 ? 4 : 2)}`]);
        }
        const widths = header.map((_, i) => Math.max(...rows.map(r => r[i].length)));
        out.push('');
        out.push(`${variant}: ${sizes.map(s => `${s.nodes} nodes = ${s.pods} pods, ${s.services} services, ${s.flows} flows (median of ${s.runs})`).join('; ')}`);
        for (const r of rows) out.push(r.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join('  '));
        for (const s of sizes) {
            const d = s.lsp?.doubleEdit;
            const notes = [`check exit ${s.check.exitCode}, ${s.check.outputLines} output lines`, `traces ${JSON.stringify(s.trace.dispositions)}`];
            if (d) notes.push(`two quick edits: ${d.publishes} publish${d.publishes === 1 ? '' : 'es'} after the second, superseded version ${d.supersededPublished ? 'PUBLISHED' : 'not published'}, final ${d.finalClean ? 'clean' : 'has errors'}${d.publishedBeforeSecond ? `, ${d.publishedBeforeSecond} for the first before the second was sent` : ''}`);
            if (s.lspError) notes.push(`server: ${s.lspError}`);
            out.push(`  ${s.nodes}: ${notes.join('; ')}`);
        }
    }
    out.push('');
    out.push('targets:');
    for (const v of report.verdicts) out.push(`  ${v.ok ? 'ok  ' : 'MISS'} ${v.variant}: ${v.target}: ${v.value}`);
    return out.join('\n') + '\n';
}

/** The same figures as Markdown tables, for docs/performance.md. */
export function formatMarkdown(report: BenchReport): string {
    const out: string[] = [];
    for (const variant of [...new Set(report.sizes.map(s => s.variant))]) {
        const sizes = report.sizes.filter(s => s.variant === variant).sort((a, b) => a.nodes - b.nodes);
        const biggest = sizes[sizes.length - 1];
        out.push(`**${variant}** (${sizes.map(s => `${s.nodes} nodes: ${s.pods.toLocaleString('en')} pods, ${s.services.toLocaleString('en')} services, ${s.flows} flows, median of ${s.runs}`).join('; ')})`, '');
        out.push(`| figure | ${sizes.map(s => `${s.nodes} nodes`).join(' | ')} | ×500→5000 | ÷bare @${biggest.nodes} |`);
        out.push(`|---|${sizes.map(() => '---:').join('|')}|---:|---:|`);
        for (const row of ROWS) {
            const g = row.growth ? growthOf(row, sizes, 500, 5000) : undefined;
            const r = row.ratio?.(biggest);
            out.push(`| ${row.label.trim()} | ${sizes.map(s => fmt(row.value(s), row.unit)).join(' | ')} | ${g === undefined ? '' : `${g.toFixed(1)}×`} | ${r === undefined ? '' : r.toFixed(r < 0.1 ? 4 : 2)} |`);
        }
        out.push('');
    }
    out.push('| target | variant | value | |', '|---|---|---|---|');
    for (const v of report.verdicts) out.push(`| ${v.target} | ${v.variant} | ${v.value} | ${v.ok ? 'met' : '**missed**'} |`);
    return out.join('\n') + '\n';
}

export function judge(report: BenchReport): Verdict[] {
    const verdicts: Verdict[] = [];
    for (const variant of [...new Set(report.sizes.map(s => s.variant))]) {
        const sizes = report.sizes.filter(s => s.variant === variant);
        const big = sizes.find(s => s.nodes === 5000);
        const small = sizes.find(s => s.nodes === 50);
        const add = (target: string, value: number | undefined, limit: number, digits = 2) => {
            if (value === undefined || Number.isNaN(value)) return;
            verdicts.push({ variant, target, value: value.toFixed(digits), ok: value <= limit });
        };
        if (big) {
            const over = big.checkOverBare;
            add('knet check ÷ bare build, 5000 nodes ≤ 1.3', over?.ms ?? big.check.ms / big.bare.ms, 1.3);
            add('knet check ÷ bare build in CPU time, 5000 nodes ≤ 1.3', over?.cpuMs ?? big.check.cpuMs / big.bare.cpuMs, 1.3);
            add('knet check peak RSS ÷ bare build\'s, 5000 nodes ≤ 1.3', over?.peakRssMb ?? big.check.peakRssMb / big.bare.peakRssMb, 1.3);
            if (big.lsp) {
                add('warm hover on a pod ÷ bare build, 5000 nodes < 1%', big.lsp.hoverPodMs / big.bare.ms * 100, 1, 3);
                add('warm hover on a flow ÷ bare build, 5000 nodes < 1%', big.lsp.hoverFlowMs / big.bare.ms * 100, 1, 3);
                add('warm knet/trace ÷ bare build, 5000 nodes < 1%', big.lsp.traceMs / big.bare.ms * 100, 1, 3);
            }
        }
        if (small?.lsp) add('edit → diagnostics ÷ bare build, 50 nodes ≤ 1.2', small.lsp.editMs / small.bare.ms, 1.2);
        for (const s of sizes) {
            const d = s.lsp?.doubleEdit;
            if (d) {
                verdicts.push({
                    variant, target: `two quick edits, ${s.nodes} nodes: one publication, for the last version`,
                    value: `second edit ${Math.round(d.gapMs)} ms after the first: ${d.publishes} publication(s), superseded ${d.supersededPublished ? (d.firstFinishedAsSecondCame ? 'published as the second edit came (its build was ending)' : 'published') : 'not published'}, final ${d.finalClean ? 'clean' : 'wrong'}`,
                    ok: d.finalClean && (d.publishes === 1 ? !d.supersededPublished : d.firstFinishedAsSecondCame),
                });
            }
        }
        for (const s of sizes) {
            const t = s.lsp?.typing;
            if (t) {
                verdicts.push({
                    variant, target: `half-written line, ${s.nodes} nodes: its syntax error shown, then clean`,
                    value: `${t.syntaxErrorShown ? 'error shown' : 'NO ERROR SHOWN'} after ${Math.round(t.brokenMs)} ms, ${t.fixedClean ? 'clean' : 'STILL ERRORS'} after ${Math.round(t.fixedMs)} ms`,
                    ok: t.syntaxErrorShown && t.fixedClean,
                });
            }
        }
        const sorted = [...sizes].sort((a, b) => a.nodes - b.nodes);
        for (const row of ROWS) {
            if (!row.growth || row.label === 'file size') continue;
            const g = growthOf(row, sorted, 500, 5000);
            add(`growth 500→5000 of "${row.label.trim()}" ≤ 11×`, g, 11, 1);
        }
    }
    return verdicts;
}
