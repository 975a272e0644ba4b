/**
 * `knet trace FILE [--flow NAME | --line N] [--choice N] [--format text|json]`:
 * without a flow, a table of every flow; with one, its hop-by-hop trace (or the Trace as JSON).
 */
import type { ClusterModel, Flow } from '../model/types';
import { formatTrace, traceFlow } from '../sim';
import type { Trace } from '../protocol/trace';
import { loadFile } from './main';
import { UsageError } from './usage';

export async function traceCommand(args: string[], options: Map<string, string | true>, out: (s: string) => void): Promise<number> {
    const [file, extra] = args;
    if (!file) throw new UsageError('trace needs a FILE (knet trace FILE [--flow NAME | --line N])');
    if (extra !== undefined) throw new UsageError(`trace takes one FILE; name a flow with --flow ${extra}`);
    const format = options.get('format') ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`--format takes text or json, not '${format}'`);
    const choiceText = options.get('choice');
    let choice: number | undefined;
    if (choiceText !== undefined) {
        if (typeof choiceText !== 'string' || !/^[0-9]+$/.test(choiceText)) throw new UsageError(`--choice takes an alternative's number (0, 1, …), not '${choiceText}'`);
        choice = Number(choiceText);
    }
    if (options.has('flow') && options.has('line')) throw new UsageError('give --flow or --line, not both');
    const { result, document } = await loadFile(file, false);
    const model = result.model;
    const flow = pickFlow(model, options, file, (line) => lineOffset(document.textDocument.getText(), line));
    if (!flow) {
        const traces = model.flows.map(f => traceFlow(model, f, { choice }));
        if (format === 'json') out(JSON.stringify(traces, null, 2) + '\n');
        else out(flowTable(traces));
        return 0;
    }
    const trace = traceFlow(model, flow, { choice });
    if (choice !== undefined && trace.alternatives && choice >= trace.alternatives.length) {
        throw new UsageError(`flow ${flow.name} has ${trace.alternatives.length} alternatives (0–${trace.alternatives.length - 1}), not ${choice}`);
    }
    // Colour only for a terminal, never when asked not to (--no-color, NO_COLOR) or under the test runner.
    const color = process.stdout.isTTY === true && !options.has('no-color') && !process.env.NO_COLOR && !process.env.VITEST;
    out(format === 'json' ? JSON.stringify(trace, null, 2) + '\n' : formatTrace(trace, { color }));
    return 0;
}

function lineOffset(text: string, line: number): { start: number; end: number } | undefined {
    let start = 0;
    for (let l = 1; l < line; l++) {
        const nl = text.indexOf('\n', start);
        if (nl < 0) return undefined;
        start = nl + 1;
    }
    const nl = text.indexOf('\n', start);
    return { start, end: nl < 0 ? text.length : nl };
}

function pickFlow(model: ClusterModel, options: Map<string, string | true>, file: string, lineSpan: (line: number) => { start: number; end: number } | undefined): Flow | undefined {
    const name = options.get('flow');
    if (name !== undefined) {
        if (typeof name !== 'string') throw new UsageError('--flow needs a flow name');
        const flow = model.flowByName.get(name) ?? model.flows.find(f => f.text === name);
        if (!flow) {
            const known = model.flows.map(f => f.name);
            throw new UsageError(`no flow named '${name}' in ${file}${known.length ? ` (flows: ${known.slice(0, 8).join(', ')}${known.length > 8 ? ', …' : ''})` : ' (it declares no flows)'}`);
        }
        return flow;
    }
    const lineText = options.get('line');
    if (lineText !== undefined) {
        if (typeof lineText !== 'string' || !/^[1-9][0-9]*$/.test(lineText)) throw new UsageError(`--line takes a line number (1, 2, …), not '${lineText}'`);
        const span = lineSpan(Number(lineText));
        const flow = span && model.flows.find(f => f.origin.span && f.origin.span.start <= span.end && f.origin.span.end >= span.start
            && (f.origin.span.start >= span.start || f.origin.span.end > span.start));
        if (!flow) throw new UsageError(`line ${lineText} of ${file} holds no flow`);
        return flow;
    }
    return undefined;
}

/** One row per flow: name, disposition, path MTU, where it ended. */
export function flowTable(traces: readonly Trace[]): string {
    if (traces.length === 0) return 'no flows in this file\n';
    const rows = traces.map(t => [t.flow.name, (t.disposition === 'DELIVERED' || t.disposition === 'EXITS_NETWORK' ? '✓ ' : '✗ ') + t.disposition, String(t.pathMtu || '-'), t.dispositionAt ?? '']);
    const head = ['FLOW', 'DISPOSITION', 'PATH MTU', 'WHERE'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
    const line = (r: string[]) => r.map((c, i) => i === r.length - 1 ? c : c.padEnd(widths[i])).join('  ').trimEnd();
    return [line(head), ...rows.map(line)].join('\n') + '\n';
}
