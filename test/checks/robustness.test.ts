/**
 * Bad input never crashes a check: every example cut off at many points (what the editor
 * holds while someone types) runs through every check without throwing. And the checks
 * stay linear on a large cluster.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { EXAMPLES, knetFiles, load } from '../helpers';
import { CHECKS } from '../../server/src/checks/run';
import { CheckContext } from '../../server/src/checks/context';

describe('checks on half-typed files', () => {
    for (const file of knetFiles(EXAMPLES)) {
        it(file.replace(/.*examples\//, ''), async () => {
            const text = fs.readFileSync(file, 'utf8');
            for (let cut = 0; cut <= text.length; cut += 23) {
                const { result } = await load(text.slice(0, cut), false);
                const ctx = new CheckContext(result.model, result.findings);
                for (const check of CHECKS) {
                    expect(() => ctx.record(check(ctx)), `${check.name} at ${cut}`).not.toThrow();
                }
            }
        });
    }
});

/** A flannel cluster with `nodes` nodes, `pods` pods each, one service per node, a few declared tables. */
function large(nodes: number, pods: number): string {
    const out = ['cluster big {', '  podNetwork 10.0.0.0/8', '  serviceNetwork 172.20.0.0/16', '  cni flannel vxlan',
        '  network lan 192.168.0.0/16 { mtu 1500 gateway 192.168.0.1 }'];
    const range = (n: number) => `10.${Math.floor(n / 256)}.${n % 256}`;
    for (let n = 0; n < nodes; n++) {
        out.push(`  node n${n} {`, `    address 192.168.${10 + Math.floor(n / 250)}.${(n % 250) + 2} on lan dev ens192`, `    podCIDR ${range(n)}.0/24`);
        if (n < 3) {
            out.push('    routes {', '      default via 192.168.0.1 dev ens192', '      192.168.0.0/16 dev ens192 scope link', `      ${range(n)}.0/24 dev cni0 proto kernel scope link src ${range(n)}.1`);
            for (let m = 0; m < nodes; m++) if (m !== n) out.push(`      ${range(m)}.0/24 via ${range(m)}.0 dev flannel.1 onlink`);
            out.push('    }');
        }
        for (let p = 0; p < pods; p++) out.push(`    pod p${n}-${p} ${range(n)}.${p + 2} labels app=a${n}`);
        out.push('  }');
        out.push(`  service s${n} { type NodePort clusterIP 172.20.${Math.floor((n + 2) / 256)}.${(n + 2) % 256} port 80/tcp nodePort ${30000 + n} selector app=a${n} }`);
    }
    out.push('}');
    return out.join('\n');
}

describe('checks at scale', () => {
    it('check 1,500 nodes, 22,500 pods and 1,500 services in well under three seconds', async () => {
        const { result, diagnostics } = await load(large(1500, 15), false);
        expect(diagnostics).toEqual([]);
        expect(result.model.pods.length).toBe(22500);
        const t = performance.now();
        const ctx = new CheckContext(result.model, result.findings);
        const found = CHECKS.flatMap(c => { const f = c(ctx); ctx.record(f); return f; });
        const ms = performance.now() - t;
        expect(found.map(f => f.message)).toEqual([]);
        // Measured about 0.1 s here; a pairwise pass over the pods would take minutes.
        expect(ms).toBeLessThan(3000);
    }, 120_000);
});
