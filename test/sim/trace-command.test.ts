/**
 * `knet trace` through `main()` (the CLI's own entry), as TOOLING.md specifies it.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../server/src/cli/main';
import { UsageError } from '../../server/src/cli/usage';
import { EXAMPLES } from '../helpers';
import { summarizeTrace, traceAll } from '../../server/src/sim';
import { modelOf } from './sim-helpers';

const FILE = path.join(EXAMPLES, 'flannel-vxlan.knet');

async function run(...args: string[]): Promise<{ code: number; out: string }> {
    let out = '';
    const code = await main(['trace', ...args], s => { out += s; });
    return { code, out };
}

describe('knet trace', () => {
    it('without a flow: one row per flow with disposition, path MTU and where', async () => {
        const { code, out } = await run(FILE);
        expect(code).toBe(0);
        const lines = out.trimEnd().split('\n');
        expect(lines[0]).toMatch(/^FLOW\s+DISPOSITION\s+PATH MTU\s+WHERE$/);
        expect(lines).toHaveLength(1 + 5);
        const tooBig = lines.find(l => l.startsWith('too-big'))!;
        expect(tooBig).toMatch(/✗ MTU_EXCEEDED\s+1450\s+eth0 of busybox3-c997b9cc4-tlvrq \(1450\)/);
    });

    it('one flow: hops titled by namespace, numbered steps, the disposition at the end', async () => {
        const { code, out } = await run(FILE, '--flow', 'too-big');
        expect(code).toBe(0);
        expect(out).toContain('flow too-big: busybox3-c997b9cc4-tlvrq -> nginx-deployment-6b9d659f5f-qbchs icmp size 1451 df');
        expect(out).toContain('busybox3-c997b9cc4-tlvrq (pod on node01)');
        expect(out).toMatch(/ {2}1 originate/);
        expect(out).toContain('✗ MTU_EXCEEDED at eth0 of busybox3-c997b9cc4-tlvrq (1450) · path MTU 1450');
    });

    it('--line picks the flow declared on that line', async () => {
        const text = fs.readFileSync(FILE, 'utf8');
        const line = text.split('\n').findIndex(l => l.includes('flow too-big')) + 1;
        const { out } = await run(FILE, '--line', String(line));
        expect(out).toContain('flow too-big');
    });

    it('json is the Trace object', async () => {
        const { out } = await run(FILE, '--flow', 'cross-node-clusterip', '--format', 'json');
        const t = JSON.parse(out);
        expect(t.flow.name).toBe('cross-node-clusterip');
        expect(typeof t.disposition).toBe('string');
        expect(t.pathMtu).toBe(1450);
        const step = t.hops[0].steps[1];
        expect(step).toMatchObject({ kind: 'route', outDevice: 'eth0', mtu: 1450 });
        expect(step.packet.headers[0]).toMatchObject({ kind: 'ipv4', src: '10.244.1.2' });
    });

    it('an unknown flow, a line without a flow, bad options: UsageError (exit 2)', async () => {
        await expect(run(FILE, '--flow', 'nope')).rejects.toThrow(UsageError);
        await expect(run(FILE, '--line', '1')).rejects.toThrow(/holds no flow/);
        await expect(run(FILE, '--format', 'xml')).rejects.toThrow(UsageError);
        await expect(run(FILE, '--choice', 'x')).rejects.toThrow(UsageError);
        await expect(run()).rejects.toThrow(UsageError);
        await expect(run(path.join(os.tmpdir(), 'no-such-file.knet'))).rejects.toThrow(/no such file/);
    });
});

describe('summaries', () => {
    it('success: steps and MTU; failure: where', async () => {
        const model = await modelOf(fs.readFileSync(FILE, 'utf8'));
        const all = traceAll(model);
        expect([...all.keys()]).toEqual(model.flows.map(f => f.name));
        expect(summarizeTrace(all.get('too-big')!)).toBe('✗ MTU_EXCEEDED at eth0 of busybox3-c997b9cc4-tlvrq (1450)');
        const ok = all.get('nodeport-local')!;
        const n = ok.hops.reduce((s, h) => s + h.steps.length, 0);
        expect(summarizeTrace(ok)).toBe(`✓ DELIVERED · ${n} steps · MTU ${ok.pathMtu}`);
    });
});
