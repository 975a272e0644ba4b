/**
 * Bad input never crashes the simulator: every example (broken ones too) and the seed
 * files cut short at many points trace every flow to a disposition with a reason.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { EXAMPLES, SHARED_EXAMPLES, knetFiles, load } from '../helpers';
import { formatTrace, summarizeTrace, traceAll } from '../../server/src/sim';

describe('robustness', () => {
    it('every example file traces every flow', async () => {
        const files = [...knetFiles(EXAMPLES), ...knetFiles(SHARED_EXAMPLES)];
        expect(files.length).toBeGreaterThan(2);
        for (const file of files) {
            const { result } = await load(fs.readFileSync(file, 'utf8'), false);
            for (const [name, t] of traceAll(result.model)) {
                expect(t.dispositionReason, `${file} ${name}`).not.toBe('');
                expect(t.dispositionReason).not.toContain('could not follow');
                expect(() => JSON.stringify(t)).not.toThrow();
                expect(formatTrace(t)).toContain(t.disposition);
                expect(summarizeTrace(t)).toContain(t.disposition);
            }
        }
    });

    it('files cut short anywhere still trace (partial models, unresolved names)', async () => {
        const text = fs.readFileSync(`${EXAMPLES}/flannel-vxlan.knet`, 'utf8');
        let traced = 0;
        for (let cut = text.indexOf('node node01'); cut < text.length; cut += 97) {
            // Keep the flows, drop a slice of what they refer to.
            const broken = text.slice(0, cut) + text.slice(Math.min(text.length, cut + 180)).replace(/^[^\n]*\n/, '\n');
            const { result } = await load(broken, false);
            for (const t of traceAll(result.model).values()) {
                expect(typeof t.disposition).toBe('string');
                expect(t.dispositionReason).not.toContain('could not follow');
                traced++;
            }
        }
        expect(traced).toBeGreaterThan(10);
    }, 60_000);
});
