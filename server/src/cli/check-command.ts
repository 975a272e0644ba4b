import type { Diagnostic } from 'vscode-languageserver-types';
import { diagnosticCode } from '../language/workspace';
import { loadFile } from './main';
import { UsageError } from './usage';

export interface CheckRecord {
    file: string;
    line: number;
    column: number;
    endLine: number;
    endColumn: number;
    severity: 'error' | 'warning' | 'information' | 'hint';
    code: string;
    message: string;
}

const SEVERITY = ['error', 'error', 'warning', 'information', 'hint'] as const;

export function toRecord(file: string, d: Diagnostic): CheckRecord {
    return {
        file, line: d.range.start.line + 1, column: d.range.start.character + 1,
        endLine: d.range.end.line + 1, endColumn: d.range.end.character + 1,
        severity: SEVERITY[d.severity ?? 1], code: diagnosticCode(d), message: typeof d.message === 'string' ? d.message : d.message.value,
    };
}

/** `knet check FILE… [--format text|json]` */
export async function formatChecks(files: string[], options: Map<string, string | true>, out: (s: string) => void): Promise<number> {
    if (files.length === 0) throw new UsageError('check needs at least one FILE (knet check FILE…)');
    const format = options.get('format') ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`--format takes text or json, not '${format}'`);
    const records: CheckRecord[] = [];
    for (const file of files) {
        const { diagnostics } = await loadFile(file);
        const sorted = [...diagnostics].sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
        records.push(...sorted.map(d => toRecord(file, d)));
    }
    if (format === 'json') {
        out(JSON.stringify(records, null, 2) + '\n');
    } else {
        for (const r of records) out(`${r.file}:${r.line}:${r.column} ${r.severity} ${r.code} ${r.message}\n`);
        const errors = records.filter(r => r.severity === 'error').length;
        const warnings = records.filter(r => r.severity === 'warning').length;
        out(`${files.length} file${files.length === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
    }
    return records.some(r => r.severity === 'error') ? 1 : 0;
}
