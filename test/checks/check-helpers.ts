import { expect } from 'vitest';
import type { Diagnostic } from 'vscode-languageserver-types';
import { load } from '../helpers';
import { diagnosticCode } from '../../server/src/language/workspace';
import type { FixData } from '../../server/src/lsp/code-actions';

export interface Reported {
    readonly line: number;
    readonly code: string;
    readonly severity: 'error' | 'warning' | 'info' | 'hint';
    readonly message: string;
    /** The text the diagnostic covers. */
    readonly text: string;
    readonly diagnostic: Diagnostic;
}

const SEVERITY = ['error', 'error', 'warning', 'info', 'hint'] as const;

/** Errors and warnings of `text`, with the exact text each one covers. */
export async function check(text: string): Promise<Reported[]> {
    const { document, diagnostics } = await load(text);
    const doc = document.textDocument;
    return diagnostics.filter(d => (d.severity ?? 1) <= 2).map(d => ({
        line: d.range.start.line + 1, code: diagnosticCode(d), severity: SEVERITY[d.severity ?? 1],
        message: typeof d.message === 'string' ? d.message : String(d.message),
        text: doc.getText(d.range), diagnostic: d,
    }));
}

/** The one diagnostic of `code` (failing when there is none or more than one). */
export async function only(text: string, code: string): Promise<Reported> {
    const all = await check(text);
    const mine = all.filter(r => r.code === code);
    expect(mine.map(r => r.message), `diagnostics: ${JSON.stringify(all.map(r => `${r.line}:${r.code}: ${r.message}`))}`).toHaveLength(1);
    return mine[0];
}

/** `text` with the edits of fix `index` of `r` applied. */
export function applyFix(text: string, r: Reported, index = 0): string {
    const data = r.diagnostic.data as FixData | undefined;
    const fix = data?.fixes?.[index];
    expect(fix, `${r.code} offers a fix`).toBeDefined();
    const lines = text.split('\n');
    const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
    const edits = [...fix!.edits].map(e => ({ start: offset(e.range.start), end: offset(e.range.end), newText: e.newText })).sort((a, b) => b.start - a.start);
    let out = text;
    for (const e of edits) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
    return out;
}

/**
 * Applies the fix and checks again: the diagnostic is gone and no new one appears
 * (the codes after are those before, less the fixed one).
 */
export async function expectFixed(text: string, r: Reported, index = 0): Promise<string> {
    const before = (await check(text)).map(x => x.code).sort();
    const fixed = applyFix(text, r, index);
    const after = (await check(fixed)).map(x => `${x.code}`).sort();
    const expected = [...before];
    expected.splice(expected.indexOf(r.code), 1);
    expect(after, `after the fix:\n${fixed}`).toEqual(expected);
    return fixed;
}
