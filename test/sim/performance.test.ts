/**
 * A trace visits a handful of namespaces; it must not cost anything per node of the cluster
 * beyond the namespaces it enters (built lazily by the model, once).
 */
import { describe, expect, it } from 'vitest';
import { load } from '../helpers';
import { traceFlow } from '../../server/src/sim';

function bigCluster(nodes: number): string {
    const lines = [
        'cluster big {', '  podNetwork 10.0.0.0/8', '  serviceNetwork 172.16.0.0/12', '  cni flannel vxlan',
        '  network lan 192.168.0.0/16 { mtu 1500 gateway 192.168.0.1 }',
    ];
    for (let i = 0; i < nodes; i++) {
        const a = i + 2;
        lines.push(`  node n${i} { address 192.168.${a >> 8}.${a & 255} on lan podCIDR 10.${i >> 8}.${i & 255}.0/24`);
        lines.push(`    pod p${i} 10.${i >> 8}.${i & 255}.2 labels app=a${i % 50} }`);
    }
    lines.push('  service s { clusterIP 172.16.0.10 port 80/tcp selector app=a7 }');
    lines.push(`  flow across: p0 -> p${nodes - 1} icmp`, '  flow svc: p1 -> s:80', `  flow node: n3 -> p${nodes >> 1}:80`, '}');
    return lines.join('\n');
}

describe('tracing a large cluster', () => {
    it('costs milliseconds once the visited namespaces exist, whatever the cluster size', async () => {
        const { result } = await load(bigCluster(2000), false);
        const model = result.model;
        for (const f of model.flows) expect(traceFlow(model, f).disposition).toBe('DELIVERED');
        // The same walks again (another choice: not memoised), namespaces already built.
        const start = performance.now();
        for (const f of model.flows) traceFlow(model, f, { choice: 1 });
        const perFlow = (performance.now() - start) / model.flows.length;
        // ~1 ms alone on this machine; the bound leaves room for a loaded CI runner.
        expect(perFlow).toBeLessThan(200);
    }, 60_000);

    it('memoises per model, flow and choice', async () => {
        const { result } = await load(bigCluster(20), false);
        const f = result.model.flows[0];
        expect(traceFlow(result.model, f)).toBe(traceFlow(result.model, f));
        expect(traceFlow(result.model, f, { choice: 1 })).not.toBe(traceFlow(result.model, f));
    });
});
