import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ROOT } from '../helpers';

const KNET = path.join(ROOT, 'bin', 'knet.cjs');

function knet(...args: string[]) {
    const r = spawnSync(process.execPath, [KNET, ...args], { cwd: ROOT, encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('knet CLI (the bundle users run)', () => {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.cjs'))) execFileSync(process.execPath, ['scripts/bundle.mjs'], { cwd: ROOT });

    it('routes prints node02 as the real node did, generated lines marked after the route text', () => {
        const r = knet('routes', 'examples/flannel-vxlan.knet', 'node02');
        expect(r.code).toBe(0);
        const lines = r.stdout.trimEnd().split('\n');
        expect(lines.map(l => l.replace(/\s+# generated: .*$/, ''))).toEqual([
            'default via 100.100.137.1 dev ens192',
            '10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink',
            '10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink',
            '10.244.2.0/24 dev cni0 proto kernel scope link src 10.244.2.1',
            '100.100.137.0/24 dev ens192 proto kernel scope link src 100.100.137.202',
            '172.17.0.0/16 dev docker0 proto kernel scope link src 172.17.0.1',
        ]);
        expect(lines[1]).toMatch(/# generated: flannel$/);
    });

    it('routes on a pod', () => {
        const r = knet('routes', 'examples/calico-ipip.knet', 'busybox1-857448d9ff-shdfz');
        expect(r.stdout).toContain('default via 169.254.1.1 dev eth0');
        expect(r.stdout).toContain('169.254.1.1 dev eth0 scope link');
    });

    it('check: clean example exits 0, errors exit 1, json is the documented shape', () => {
        expect(knet('check', 'examples/flannel-vxlan.knet').code).toBe(0);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knet-'));
        const bad = path.join(dir, 'bad.knet');
        fs.writeFileSync(bad, 'cluster c {\n  podNetwork 10.244.0.300/16\n}\n');
        const text = knet('check', bad);
        expect(text.code).toBe(1);
        expect(text.stdout).toContain(`${bad}:2:14 error invalid-address`);
        const json = knet('check', '--format', 'json', bad);
        expect(json.code).toBe(1);
        const records = JSON.parse(json.stdout);
        expect(records[0]).toMatchObject({ file: bad, line: 2, column: 14, endLine: 2, endColumn: 29, severity: 'error', code: 'invalid-address' });
    });

    it('misuse is one line on stderr and exit 2', () => {
        for (const args of [['routes', 'nofile.knet', 'x'], ['routes', 'examples/flannel-vxlan.knet', 'nonode'], ['check'], ['frobnicate'], ['check', '--format', 'xml', 'examples/flannel-vxlan.knet'], ['check', '--bogus']]) {
            const r = knet(...args);
            expect(r.code, args.join(' ')).toBe(2);
            expect(r.stderr.trim().split('\n').length, args.join(' ')).toBe(1);
            expect(r.stderr).toMatch(/^knet: /);
        }
    });

    it('--help documents every command', () => {
        const r = knet('--help');
        expect(r.code).toBe(0);
        for (const c of ['knet check', 'knet trace', 'knet routes', '--format']) expect(r.stdout).toContain(c);
    });
});
