/** What the `knet` CLI says about a file: the reference the editor's answers are compared with. */
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { Trace } from '../../../server/src/protocol/trace';
import { ROOT } from './tools';

const KNET = path.join(ROOT, 'bin', 'knet.cjs');

export function traceOf(file: string, flow: string): Trace {
    return JSON.parse(execFileSync(process.execPath, [KNET, 'trace', file, '--flow', flow, '--format', 'json'], { encoding: 'utf8' })) as Trace;
}

export interface CheckedDiagnostic { line: number; column: number; severity: string; code: string; message: string }

/** `knet check --format json` (1-based lines); exit 1 only means errors were found. */
export function checkOf(file: string): CheckedDiagnostic[] {
    const r = spawnSync(process.execPath, [KNET, 'check', '--format', 'json', file], { encoding: 'utf8' });
    if (r.status !== 0 && r.status !== 1) throw new Error(`knet check failed (${r.status}): ${r.stderr}`);
    return JSON.parse(r.stdout) as CheckedDiagnostic[];
}

/** The flows of a file as `flow NAME:` declares them, with their 1-based lines. */
export function flowLines(text: string): { name: string; line: number; column: number }[] {
    const out: { name: string; line: number; column: number }[] = [];
    text.split(/\r?\n/).forEach((l, i) => {
        const m = /^(\s*flow\s+)([A-Za-z0-9_][A-Za-z0-9_.@-]*)\s*:/.exec(l);
        if (m) out.push({ name: m[2], line: i + 1, column: m[1].length + 1 });
    });
    return out;
}
