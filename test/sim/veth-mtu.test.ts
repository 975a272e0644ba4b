/** What `knet lab` measured on a real kernel: a veth lets IP packets up to its MTU + 4 through (is_skb_forwardable). */
import { describe, expect, it } from 'vitest';
import { load, readExample } from '../helpers';
import { traceFlow } from '../../server/src/sim';

const text = (size: number) => readExample('flannel-vxlan.knet').replace(
    '    pod busybox3-c997b9cc4-tlvrq',
    '    link vethbig0001 veth mtu 1450\n    pod bigmtu 10.244.1.9 mtu 1500 iface vethbig0001\n    pod busybox3-c997b9cc4-tlvrq',
).replace(/\n}\s*$/, `\n  flow probe: bigmtu -> nginx-deployment-6b9d659f5f-qbchs icmp size ${size} df\n}\n`);

async function probe(size: number) {
    const { result } = await load(text(size), false);
    return traceFlow(result.model, result.model.flowByName.get('probe')!, { reply: false });
}

describe('a pod whose eth0 is above its host-side veth', () => {
    it('up to MTU + 4 crosses the veth and the node answers frag-needed from the pod gateway', async () => {
        const t = await probe(1454);
        expect(t.disposition).toBe('MTU_EXCEEDED');
        expect(t.dispositionAt).toContain('flannel.1');
        expect(JSON.stringify(t)).toContain('10.244.1.1');
    });
    it('beyond that the veth drops it silently', async () => {
        const t = await probe(1455);
        expect(t.disposition).toBe('MTU_EXCEEDED');
        expect(t.dispositionAt).toContain('vethbig0001');
    });
});
