import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '../helpers';
import { main } from '../../server/src/cli/main';
import { UsageError } from '../../server/src/cli/usage';

async function run(...argv: string[]): Promise<{ code: number; out: string }> {
    let out = '';
    const code = await main(argv, s => { out += s; });
    return { code, out };
}

const FILE = path.join(EXAMPLES, 'flannel-vxlan.knet');

describe('knet rules', () => {
    it('prints node01 as iptables-save: every jumped-to chain declared, the service captured and DNATed', async () => {
        const { code, out } = await run('rules', FILE, 'node01');
        expect(code).toBe(0);
        const lines = out.split('\n');
        expect(lines).toContain('*nat');
        expect(lines).toContain('*filter');
        expect(lines.filter(l => l === 'COMMIT')).toHaveLength(2);
        const declared = new Set(lines.filter(l => l.startsWith(':')).map(l => l.slice(1).split(' ')[0]));
        for (const l of lines.filter(l => l.startsWith('-A '))) {
            expect(declared.has(l.split(' ')[1])).toBe(true);
            const target = / -j ([A-Z][A-Z0-9-]+)/.exec(l)?.[1];
            if (target && /^(KUBE|FLANNEL)-/.test(target)) expect(declared.has(target)).toBe(true);
        }
        const capture = lines.find(l => l.startsWith('-A KUBE-SERVICES -d 10.107.254.44/32 -p tcp'))!;
        const svc = / -j (KUBE-SVC-\S+)$/.exec(capture)![1];
        const toSep = lines.find(l => l.startsWith(`-A ${svc} `) && / -j KUBE-SEP-/.test(l))!;
        const sep = / -j (KUBE-SEP-\S+)$/.exec(toSep)![1];
        expect(lines).toContain(`-A ${sep} -p tcp -m comment --comment default/nginx-deployment -m tcp -j DNAT --to-destination 10.244.2.5:80`);
        // KUBE-SERVICES' last rule is the NodePort catch.
        const services = lines.filter(l => l.startsWith('-A KUBE-SERVICES '));
        const natServices = services.slice(services.findIndex(l => l.includes('cluster IP')));
        expect(natServices[natServices.length - 1]).toContain('--dst-type LOCAL -j KUBE-NODEPORTS');
        expect(out).toContain('-A KUBE-NODEPORTS -p tcp -m comment --comment default/nginx-deployment -m tcp --dport 31856 -j KUBE-EXT-');
        expect(out).toContain('-A FLANNEL-POSTRTG -s 10.244.1.0/24 -d 10.244.0.0/16');
    });

    it('--table nat prints only the nat table', async () => {
        const { out } = await run('rules', FILE, 'node02', '--table', 'nat');
        expect(out).toContain('*nat');
        expect(out).not.toContain('*filter');
        expect(out).toContain('-s 10.244.2.0/24 -d 10.244.0.0/16');
    });

    it('misuse is a usage error', async () => {
        await expect(run('rules', FILE)).rejects.toBeInstanceOf(UsageError);
        await expect(run('rules', FILE, 'nosuchnode')).rejects.toThrow(/no node named 'nosuchnode'.*node00/);
        await expect(run('rules', FILE, 'node01', '--table', 'mangle')).rejects.toThrow(/--table takes nat or filter/);
    });
});
