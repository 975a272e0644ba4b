/**
 * The `// expect: CODE` and `// may: CODE` comments of examples/broken, and a comparison
 * of diagnostics against them: every expected code on its line, and no error or warning
 * anywhere else (nor of another code on a marked line).
 */
export interface LineExpectation {
    readonly expect: Set<string>;
    readonly may: Set<string>;
}

export function expectations(text: string): Map<number, LineExpectation> {
    const out = new Map<number, LineExpectation>();
    text.split('\n').forEach((line, i) => {
        const comment = line.indexOf('//');
        if (comment < 0) return;
        const e: LineExpectation = { expect: new Set(), may: new Set() };
        for (const m of line.slice(comment + 2).matchAll(/\b(expect|may):\s*([a-z-]+(?:\s*,\s*[a-z-]+)*)/g)) {
            for (const code of m[2].split(',')) e[m[1] as 'expect' | 'may'].add(code.trim());
        }
        if (e.expect.size || e.may.size) out.set(i + 1, e);
    });
    return out;
}

export interface Reported {
    readonly line: number;
    readonly code: string;
    readonly severity: string;
    readonly message: string;
}

/** Human-readable mismatches; empty when the diagnostics are exactly as the comments demand. */
export function mismatches(text: string, reported: readonly Reported[]): string[] {
    const want = expectations(text);
    const problems: string[] = [];
    for (const [line, e] of want) {
        for (const code of e.expect) {
            if (!reported.some(r => r.line === line && r.code === code)) problems.push(`line ${line}: expected ${code}, got ${JSON.stringify(reported.filter(r => r.line === line).map(r => r.code))}`);
        }
    }
    for (const r of reported) {
        if (r.severity !== 'error' && r.severity !== 'warning') continue;
        const e = want.get(r.line);
        if (!e || !(e.expect.has(r.code) || e.may.has(r.code))) problems.push(`line ${r.line}: unexpected ${r.severity} ${r.code}: ${r.message}`);
    }
    return problems;
}
