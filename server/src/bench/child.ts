/**
 * One measurement per process, so each starts cold as a user's `knet check` does and its
 * peak memory is its own: `bare` (Langium's build alone), `check` (the CLI's code path,
 * every check), `trace` (build the model unchecked, then trace every flow). Prints one JSON line.
 */
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { main as cli } from '../cli/main';
import { loadText } from '../language/workspace';
import { traceAll } from '../sim/index';
import { bareBuild } from './bare-services';
import { type Sample, peakRssMb, retainedHeapMb, timed } from './measure';

export type ChildMode = 'bare' | 'check' | 'trace';

export interface ChildResult {
    mode: ChildMode;
    sample: Sample;
    peakRssMb: number;
    retainedHeapMb: number;
    /** bare: diagnostics; check: output lines (one per finding, plus the summary). */
    count: number;
    exitCode?: number;
    /** trace: time to parse, link and build the model before tracing, and the dispositions seen. */
    loadSample?: Sample;
    dispositions?: Record<string, number>;
    flows?: number;
}

export async function runChild(mode: ChildMode, file: string): Promise<ChildResult> {
    const uri = pathToFileURL(file).toString();
    if (mode === 'bare') {
        const { value: document, sample } = await timed(() => bareBuild(fs.readFileSync(file, 'utf8'), uri));
        const rss = peakRssMb();
        return { mode, sample, peakRssMb: rss, retainedHeapMb: retainedHeapMb(), count: document.diagnostics?.length ?? 0 };
    }
    if (mode === 'check') {
        let lines = 0;
        const { value: exitCode, sample } = await timed(() => cli(['check', file], s => { lines += s.split('\n').length - 1; }));
        const rss = peakRssMb();
        return { mode, sample, peakRssMb: rss, retainedHeapMb: retainedHeapMb(), count: lines, exitCode };
    }
    // Without validation: the unreachable-flow check would trace (and memoise) every flow first.
    const loaded = await timed(() => loadText(fs.readFileSync(file, 'utf8'), uri, false));
    const model = loaded.value.result.model;
    const { value: traces, sample } = await timed(() => traceAll(model));
    const dispositions: Record<string, number> = {};
    for (const t of traces.values()) dispositions[t.disposition] = (dispositions[t.disposition] ?? 0) + 1;
    const rss = peakRssMb();
    return {
        mode, sample, loadSample: loaded.sample, peakRssMb: rss, retainedHeapMb: retainedHeapMb(),
        count: loaded.value.diagnostics.length, dispositions, flows: model.flows.length,
    };
}
