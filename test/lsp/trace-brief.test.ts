/**
 * The trace in brief (hover) and the CodeLens title, read off Trace objects as the
 * contract of protocol/trace.ts describes them.
 */
import { describe, expect, it } from 'vitest';
import type { Hop, Step, Trace } from '../../server/src/protocol/trace';
import { lensTitle, traceMarkdown, whereItEnded } from '../../server/src/lsp/trace-brief';

const inner = { kind: 'ipv4' as const, src: '10.244.1.2', dst: '10.244.2.5', ttl: 63, df: true, protocol: 6, length: 60 };
const outer = { kind: 'ipv4' as const, src: '100.100.137.201', dst: '100.100.137.202', ttl: 64, df: false, protocol: 17, length: 110 };

function step(kind: Step['kind'], summary: string, extra: Partial<Step> = {}): Step {
    return { kind, namespace: 'x', summary, packet: { headers: [inner], length: 60 }, generated: true, ...extra };
}

function trace(disposition: Trace['disposition'], hops: Hop[], pathMtu = 1450): Trace {
    return {
        flow: { name: 'cross-node', text: 'busybox3 -> nginx:80', source: 'busybox3', destination: 'nginx:80', destinationAddress: '10.107.254.44', destinationPort: 80, protocol: 'tcp', size: 60, df: true },
        disposition, dispositionReason: disposition === 'DELIVERED' ? 'a socket listens on 10.244.2.5:80' : '1451 bytes with DF set do not fit', pathMtu, hops,
    };
}

const delivered = trace('DELIVERED', [
    { namespace: 'busybox3', kind: 'pod', node: 'node01', steps: [step('originate', 'TCP SYN from 10.244.1.2'), step('route', 'default via 10.244.1.1 dev eth0', { outDevice: 'eth0', mtu: 1450 })] },
    { namespace: 'node01', kind: 'node', steps: [
        step('veth', 'veth42779e36 → cni0'),
        step('nat', 'PREROUTING: PREROUTING → KUBE-SERVICES → KUBE-SVC-XYZ → KUBE-SEP-ABC — DNAT to 10.244.2.5:80'),
        step('route', '10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink', { outDevice: 'flannel.1', mtu: 1450 }),
        step('encap', 'VXLAN VNI 1 to UDP 8472', { packet: { headers: [outer, inner], length: 110 } }),
    ] },
    { namespace: 'lan', kind: 'network', steps: [step('transmit', 'across lan')] },
    { namespace: 'node02', kind: 'node', steps: [step('decap', 'VXLAN VNI 1 stripped'), step('deliver', 'to nginx :80', { inDevice: 'eth0' })] },
]);

describe('trace brief', () => {
    it('titles a delivered flow with its hops and path MTU', () => {
        expect(lensTitle(delivered)).toBe('✓ DELIVERED · 4 hops · MTU 1450');
    });

    it('titles a failed flow with where and, for MTU, the limit', () => {
        const t = trace('MTU_EXCEEDED', [{ namespace: 'node01', kind: 'node', steps: [step('drop', 'frag needed', { outDevice: 'flannel.1', mtu: 1450 })] }]);
        expect(lensTitle(t)).toBe('✗ MTU_EXCEEDED at flannel.1 (1450)');
        expect(whereItEnded(t)).toBe('flannel.1');
    });

    it('lists each namespace with the route, the NAT and the tunnel with its outer addresses', () => {
        const md = traceMarkdown(delivered);
        expect(md).toContain('**cross-node** ✓ DELIVERED · path MTU 1450');
        expect(md).toContain('busybox3 → nginx:80 (10.107.254.44:80/tcp)');
        const lines = md.split('\n');
        const order = ['1. pod busybox3 (node01)', '   default via 10.244.1.1 dev eth0', '2. node node01', '   DNAT to 10.244.2.5:80 (PREROUTING, KUBE-SEP-ABC)',
            '   10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink', '   ⇢ VXLAN VNI 1 to UDP 8472 · outer 100.100.137.201 → 100.100.137.202', '3. network lan', '4. node node02'];
        let at = -1;
        for (const want of order) {
            const i = lines.indexOf(want);
            expect(i, want).toBeGreaterThan(at);
            at = i;
        }
        expect(md).not.toContain('veth42779e36 → cni0'); // crossings are not deciding steps
        expect(md).toContain('a socket listens on 10.244.2.5:80');
    });

    it('says how the reply fares and which way it goes', () => {
        const reply = trace('DELIVERED', [{ namespace: 'nginx', kind: 'pod', steps: [] }, { namespace: 'node02', kind: 'node', steps: [] }, { namespace: 'busybox3', kind: 'pod', steps: [] }]);
        reply.flow = { ...reply.flow, sourceAddress: '10.244.2.5' };
        expect(traceMarkdown({ ...delivered, reply })).toContain('reply ✓ DELIVERED from 10.244.2.5: nginx → node02 → busybox3');
    });
});
