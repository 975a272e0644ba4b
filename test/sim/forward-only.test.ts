/**
 * A trace without its steps (what the unreachable-flow check asks for, for every flow)
 * ends exactly as the full trace does: same disposition, place, reason, path MTU and hops.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { load } from '../helpers';
import { buildTrace } from '../../server/src/sim/trace';
import { traceForward } from '../../server/src/sim';

const dir = path.join(__dirname, '../../examples');
// Every example with flows, the broken ones included (their flows end in drops).
const files = [
    ...fs.readdirSync(dir).filter(f => f.endsWith('.knet')).map(f => path.join(dir, f)),
    ...fs.readdirSync(path.join(dir, 'broken')).filter(f => f.endsWith('.knet')).map(f => path.join(dir, 'broken', f)),
].filter(f => /^\s*flow\s/m.test(fs.readFileSync(f, 'utf8')));

describe('a forward trace without steps', () => {
    for (const file of files) {
        it(`ends as the full trace does: ${path.relative(dir, file)}`, async () => {
            const { result } = await load(fs.readFileSync(file, 'utf8'), false);
            const model = result.model;
            expect(model.flows.length).toBeGreaterThan(0);
            const ending = (t: ReturnType<typeof buildTrace>) => ({
                disposition: t.disposition, at: t.dispositionAt, reason: t.dispositionReason, pathMtu: t.pathMtu,
                hops: t.hops.map(h => h.namespace), size: t.flow.size, destination: t.flow.destinationAddress,
            });
            for (const flow of model.flows) {
                const full = buildTrace(model, flow, { reply: false });
                const bare = buildTrace(model, flow, { reply: false, steps: false });
                expect(ending(bare), flow.name).toEqual(ending(full));
                expect(bare.hops.every(h => h.steps.length === 0)).toBe(true);
                expect(full.hops.some(h => h.steps.length > 0)).toBe(true);
                expect(ending(traceForward(model, flow))).toEqual(ending(full));
            }
        });
    }
});
