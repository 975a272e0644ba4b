/**
 * Every broken example carries exactly the diagnostics its comments demand, through the
 * language services and through `knet check --format json`; the clean examples carry no
 * error. The shared examples beside the checkout are held to the same, when present.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXAMPLES, SHARED_EXAMPLES, knetFiles, load } from '../helpers';
import { diagnosticCode } from '../../server/src/language/workspace';
import { main } from '../../server/src/cli/main';
import { type Reported, expectations, mismatches } from './expectations';
import { applyFix, check } from './check-helpers';

const SEVERITY = ['error', 'error', 'warning', 'information', 'hint'];

async function viaServices(file: string): Promise<Reported[]> {
    const { diagnostics } = await load(fs.readFileSync(file, 'utf8'));
    return diagnostics.map(d => ({
        line: d.range.start.line + 1, code: diagnosticCode(d), severity: SEVERITY[d.severity ?? 1],
        message: typeof d.message === 'string' ? d.message : String(d.message),
    }));
}

async function viaCli(file: string): Promise<{ status: number; records: Reported[] }> {
    let text = '';
    const status = await main(['check', '--format', 'json', file], s => { text += s; });
    return { status, records: JSON.parse(text) as Reported[] };
}

const broken = (dir: string) => knetFiles(path.join(dir, 'broken'));
const clean = (dir: string) => knetFiles(dir).filter(f => !f.includes(`${path.sep}broken${path.sep}`));
const label = (file: string) => file.replace(/.*\/(shared\/)?examples\//, '$1');

describe('broken examples carry the diagnostics their comments demand', () => {
    it('has broken examples with expectations', () => {
        const files = broken(EXAMPLES);
        expect(files.length).toBeGreaterThanOrEqual(5);
        for (const f of files) expect(expectations(fs.readFileSync(f, 'utf8')).size, f).toBeGreaterThan(0);
    });
    for (const file of [...broken(EXAMPLES), ...broken(SHARED_EXAMPLES)]) {
        it(`${label(file)} through the language services`, async () => {
            expect(mismatches(fs.readFileSync(file, 'utf8'), await viaServices(file))).toEqual([]);
        });
        it(`${label(file)} through knet check --format json`, async () => {
            const { status, records } = await viaCli(file);
            expect(mismatches(fs.readFileSync(file, 'utf8'), records)).toEqual([]);
            expect(status).toBe(records.some(r => r.severity === 'error') ? 1 : 0);
        });
    }
});

describe('clean examples carry no error', () => {
    for (const file of [...clean(EXAMPLES), ...clean(SHARED_EXAMPLES)]) {
        it(label(file), async () => {
            const reported = await viaServices(file);
            expect(reported.filter(r => r.severity === 'error')).toEqual([]);
            const { status } = await viaCli(file);
            expect(status).toBe(0);
        });
    }

    it('calico-ipip warns that node02\'s pods (MTU 1500) exceed tunl0\'s 1480, and nothing else', async () => {
        const reported = await viaServices(path.join(EXAMPLES, 'calico-ipip.knet'));
        expect(reported.map(r => `${r.line}:${r.severity}:${r.code}`)).toEqual(['25:warning:mtu-mismatch', '26:warning:mtu-mismatch']);
        for (const r of reported) expect(r.message).toMatch(/MTU 1500, above tunl0's 1480 on node02/);
    });

    it('flannel-vxlan warns only that its too-big ping does not fit busybox3\'s eth0', async () => {
        const reported = await viaServices(path.join(EXAMPLES, 'flannel-vxlan.knet'));
        expect(reported.map(r => `${r.line}:${r.severity}:${r.code}`)).toEqual(['52:warning:unreachable-flow']);
        expect(reported[0].message).toMatch(/^flow too-big ends MTU_EXCEEDED at eth0 of busybox3/);
    });
});

describe('the expectation reader itself', () => {
    it('fails a missing, an unexpected and a wrong-code diagnostic', () => {
        const text = 'a // expect: missing-route\nb\nc // may: overlapping-cidr\n';
        expect(mismatches(text, [])).toHaveLength(1);
        expect(mismatches(text, [{ line: 1, code: 'missing-route', severity: 'error', message: '' }])).toEqual([]);
        expect(mismatches(text, [{ line: 1, code: 'missing-route', severity: 'error', message: '' }, { line: 2, code: 'x', severity: 'warning', message: '' }])).toHaveLength(1);
        expect(mismatches(text, [{ line: 1, code: 'missing-route', severity: 'error', message: '' }, { line: 3, code: 'mtu-mismatch', severity: 'error', message: '' }])).toHaveLength(1);
        expect(expectations('x // expect: address-outside-range; may: missing-route').get(1)).toEqual({
            expect: new Set(['address-outside-range']), may: new Set(['missing-route']),
        });
    });
});

describe('every quick fix in the broken examples', () => {
    for (const file of broken(EXAMPLES)) {
        it(`${label(file)}: each fix removes its diagnostic and brings no new one`, async () => {
            const text = fs.readFileSync(file, 'utf8');
            const before = await check(text);
            const fixable = before.filter(r => ((r.diagnostic.data as { fixes?: unknown[] } | undefined)?.fixes ?? []).length > 0);
            for (const r of fixable) {
                const after = await check(applyFix(text, r));
                // What remains is what was there, less the fixed one (a derived flow warning may go too).
                const left = before.filter(b => b !== r).map(b => `${b.code}: ${b.message}`);
                for (const a of after) expect(left, `after fixing '${r.message}'`).toContain(`${a.code}: ${a.message}`);
                expect(after.length).toBeLessThan(before.length);
            }
        });
    }
});
