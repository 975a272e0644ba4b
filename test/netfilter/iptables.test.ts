import { describe, expect, it } from 'vitest';
import { loadExample } from '../helpers';
import { runHook } from '../../server/src/sim/netfilter';
import { formatIp, parseIp } from '../../server/src/model/address';
import type { ClusterModel, Node } from '../../server/src/model/types';
import type { HookContext, PacketView } from '../../server/src/sim/netfilter/types';

function ip(s: string): number {
    const v = parseIp(s);
    if (v === undefined) throw new Error(s);
    return v;
}

/** A hook context whose local addresses are the node's table local, as the kernel decides. */
export function ctxFor(model: ClusterModel, node: Node, extra: Partial<HookContext> = {}): HookContext {
    const local = node.netns().local;
    return { model, node, isLocal: (a: number) => local.lookup(a)?.type === 'local', ...extra };
}

export function tcp(src: string, dst: string, dstPort: number, srcPort = 40000): PacketView {
    return { src: ip(src), dst: ip(dst), protocol: 'tcp', srcPort, dstPort, mark: 0 };
}

describe('iptables mode: the seed flows', () => {
    it('DNATs busybox3 → ClusterIP 10.107.254.44:80 to 10.244.2.5:80 on node01 (KUBE-SERVICES → KUBE-SVC → KUBE-SEP)', async () => {
        const { result: { model } } = await loadExample('flannel-vxlan.knet');
        const node01 = model.nodeByName.get('node01')!;
        const r = runHook('PREROUTING', ctxFor(model, node01, { inDev: 'cni0' }), tcp('10.244.1.2', '10.107.254.44', 80));
        expect(r.verdict).toBe('ACCEPT');
        expect(formatIp(r.packet.dst)).toBe('10.244.2.5');
        expect(r.packet.dstPort).toBe(80);
        expect(r.dnat).toEqual({ to: ip('10.244.2.5'), port: 80 });
        const chains = r.hits.map(h => h.chain);
        expect(chains[0]).toBe('PREROUTING');
        expect(chains[1]).toBe('KUBE-SERVICES');
        expect(chains[2]).toMatch(/^KUBE-SVC-[A-Z2-7]{16}$/);
        expect(chains[3]).toMatch(/^KUBE-SEP-[A-Z2-7]{16}$/);
        expect(r.hits[1].rule).toContain('-d 10.107.254.44/32 -p tcp');
        expect(r.hits[1].rule).toContain('--dport 80 -j ' + chains[2]);
        expect(r.hits[3].rule).toContain('-j DNAT --to-destination 10.244.2.5:80');
        // A pod source is inside the pod network: no KUBE-MARK-MASQ, so no SNAT later.
        expect(r.packet.mark).toBe(0);
        expect(r.hits[1].span).toBeDefined();
    });
});
