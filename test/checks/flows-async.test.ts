/**
 * The unreachable-flow check as the server runs it: the same findings as the synchronous
 * check, and a stop at the next few flows once a newer edit cancels the build.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isOperationCancelled, setInterruptionPeriod } from 'langium';
import { CancellationTokenSource } from 'vscode-languageserver';
import { load } from '../helpers';
import { CheckContext } from '../../server/src/checks/context';
import { checkFlows, checkFlowsAsync } from '../../server/src/checks/flows';
import { runChecks, runChecksAsync } from '../../server/src/checks/run';

const example = fs.readFileSync(path.join(__dirname, '../../examples/flannel-vxlan.knet'), 'utf8');

afterEach(() => setInterruptionPeriod(10));

describe('unreachable-flow, giving way', () => {
    it('finds what the synchronous check finds', async () => {
        const { result } = await load(example, false);
        const sync = checkFlows(new CheckContext(result.model, result.findings));
        expect(sync.length).toBeGreaterThan(0);
        const token = new CancellationTokenSource().token;
        expect(await checkFlowsAsync(new CheckContext(result.model, result.findings), token)).toEqual(sync);
        expect(await runChecksAsync(result.model, result.findings, token)).toEqual(runChecks(result.model, result.findings));
    });

    it('stops inside the check once cancelled, before tracing the rest', async () => {
        const many = example.replace(/\n}\s*$/, '\n' + Array.from({ length: 64 }, (_, i) => `  flow extra-${i}: busybox3-c997b9cc4-tlvrq -> nginx-deployment:80`).join('\n') + '\n}\n');
        const { result } = await load(many, false);
        expect(result.model.flows.length).toBeGreaterThan(64);
        setInterruptionPeriod(0);
        const source = new CancellationTokenSource();
        const ctx = new CheckContext(result.model, result.findings);
        const run = checkFlowsAsync(ctx, source.token);
        setImmediate(() => source.cancel());
        await expect(run).rejects.toSatisfy(isOperationCancelled);
    });
});
