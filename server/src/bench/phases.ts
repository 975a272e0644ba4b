/**
 * Where `knet check`'s time and memory go, phase by phase, in one process:
 *
 *   node --expose-gc dist/bench.cjs --phases FILE [--snapshots DIR]
 *
 * Langium's build without validation (lex, parse, index, link), the model build, then each
 * check in the order `knet check` runs them; each with its wall time and the heap still
 * reachable after it (after a full GC when run with --expose-gc, so heap figures add up).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { pathToFileURL } from 'node:url';
import { URI } from 'langium';
import { knetServices } from '../language/workspace';
import type { Document } from '../language/generated/ast';
import { buildModel } from '../language/build-model';
import { CHECKS } from '../checks/run';
import { CheckContext } from '../checks/context';
import { peakRssMb, retainedHeapMb } from './measure';

export interface Phase { name: string; ms: number; heapMb: number }

/** `snapshots`: a directory to write a heap snapshot into after the Langium build and after the checks. */
export async function runPhases(file: string, snapshots?: string): Promise<Phase[]> {
    const phases: Phase[] = [];
    const gc = (globalThis as { gc?: () => void }).gc;
    const step = async <T>(name: string, work: () => Promise<T> | T): Promise<T> => {
        const t = performance.now();
        const value = await work();
        const ms = performance.now() - t;
        phases.push({ name, ms, heapMb: gc ? retainedHeapMb() : NaN });
        return value;
    };
    const s = knetServices();
    const text = await step('read file', () => fs.readFileSync(file, 'utf8'));
    const document = await step('Langium: parse, index, link', async () => {
        const d = s.shared.workspace.LangiumDocumentFactory.fromString(text, URI.parse(pathToFileURL(file).toString()));
        s.shared.workspace.LangiumDocuments.addDocument(d);
        await s.shared.workspace.DocumentBuilder.build([d], { validation: false });
        return d;
    });
    if (snapshots) v8.writeHeapSnapshot(path.join(snapshots, 'after-langium.heapsnapshot'));
    const root = document.parseResult.value as Document;
    const built = await step('model build', () => buildModel(root, text));
    const ctx = await step('check context', () => new CheckContext(built.model, built.findings));
    for (const check of CHECKS) {
        await step(`check: ${check.name}`, () => ctx.record(check(ctx)));
    }
    if (snapshots) v8.writeHeapSnapshot(path.join(snapshots, 'after-checks.heapsnapshot'));
    phases.push({ name: 'peak RSS', ms: NaN, heapMb: peakRssMb() });
    return phases;
}

export function formatPhases(phases: readonly Phase[]): string {
    const width = Math.max(...phases.map(p => p.name.length));
    return phases.map(p => `${p.name.padEnd(width)}  ${Number.isNaN(p.ms) ? ''.padStart(9) : `${p.ms.toFixed(0).padStart(6)} ms`}  ${p.heapMb.toFixed(0).padStart(6)} MB`).join('\n');
}
