/**
 * What a broken example promises (examples/broken/README.md): a line marked
 * `expect: CODE` carries a diagnostic with that code; `may: CODE` may; no other line
 * carries an error or warning. Read from the file, so the tests follow the examples.
 */
export interface Expectation {
    /** 0-based line. */
    line: number;
    code: string;
    optional: boolean;
}

export function expectationsOf(text: string): Expectation[] {
    const out: Expectation[] = [];
    text.split(/\r?\n/).forEach((lineText, line) => {
        for (const m of lineText.matchAll(/\/\/.*?\b(expect|may):\s*([a-z-]+(?:\s*,\s*[a-z-]+)*)/g)) {
            for (const code of m[2].split(',').map(s => s.trim())) out.push({ line, code, optional: m[1] === 'may' });
        }
    });
    return out;
}

export interface SeenDiagnostic {
    /** 0-based line. */
    line: number;
    code: string;
    severity: 'error' | 'warning' | 'info' | 'hint';
}

/** Every broken promise, in words; empty when the diagnostics keep the file's promises. */
export function unmetExpectations(expectations: Expectation[], seen: SeenDiagnostic[]): string[] {
    const problems: string[] = [];
    const has = (line: number, code: string) => seen.some(d => d.line === line && d.code === code);
    for (const e of expectations) {
        if (!e.optional && !has(e.line, e.code)) problems.push(`line ${e.line + 1}: expected ${e.code}, got ${describe(seen.filter(d => d.line === e.line))}`);
    }
    for (const d of seen) {
        if (d.severity !== 'error' && d.severity !== 'warning') continue;
        if (!expectations.some(e => e.line === d.line && e.code === d.code)) problems.push(`line ${d.line + 1}: unexpected ${d.severity} ${d.code}`);
    }
    return problems;
}

function describe(ds: SeenDiagnostic[]): string {
    return ds.length ? ds.map(d => `${d.severity} ${d.code}`).join(', ') : 'nothing';
}
