/** overlay-mismatch and what remains of invalid-declaration after the builder. */
import { describe, expect, it } from 'vitest';
import { cluster, load } from '../helpers';
import { check, expectFixed, only } from './check-helpers';

const two = (a: string, b = '') => cluster(`
  node node01 { address 100.100.137.201 on lan dev ens192 podCIDR 10.244.1.0/24 ${a} }
  node node02 { address 100.100.137.202 on lan dev ens192 podCIDR 10.244.2.0/24 ${b} }`);

describe('overlay-mismatch', () => {
    it('reports a node whose VXLAN device disagrees with the cni VNI; the fix takes the cni\'s', async () => {
        const text = two('link flannel.1 vxlan vni 2 port 8472 dev ens192 mtu 1450');
        const r = await only(text, 'overlay-mismatch');
        expect(r.text).toBe('2');
        expect(r.message).toContain('flannel.1 on node01 has VNI 2, but cni flannel vxlan (VNI 1, port 8472)');
        expect(r.diagnostic.relatedInformation?.[0].message).toBe('cni flannel vxlan');
        expect(await expectFixed(text, r)).toContain('vni 1 port 8472');
    });

    it('reports a port and a kind contradicting cni', async () => {
        const port = two('link flannel.1 vxlan vni 1 port 4789 dev ens192');
        const p = await only(port, 'overlay-mismatch');
        expect(p.message).toContain('uses UDP port 4789');
        await expectFixed(port, p);
        const kind = two('link flannel.1 ipip dev ens192');
        const k = await only(kind, 'overlay-mismatch');
        expect(k.text).toBe('ipip');
        await expectFixed(kind, k);
    });

    it('reports a flannel device named after another VNI', async () => {
        const text = two('link flannel.7 vxlan dev ens192');
        const r = await only(text, 'overlay-mismatch');
        expect(r.text).toBe('flannel.7');
        expect(r.message).toContain('makes it flannel.1');
        expect(await expectFixed(text, r)).toContain('link flannel.1 vxlan');
    });

    it('accepts overlay devices as the cni says, and other vxlan devices', async () => {
        expect(await check(two('link flannel.1 vxlan vni 1 port 8472 dev ens192 mtu 1450', 'link flannel.1 vxlan vni 1 dev ens192'))).toEqual([]);
        expect(await check(two('link vx100 vxlan vni 100 port 4789 dev ens192 mtu 1450'))).toEqual([]);
    });
});

describe('invalid-declaration (model-wide)', () => {
    it('reports a route destination with host bits, as the kernel refuses it; the fix writes the network', async () => {
        const text = two(`routes {
      default via 100.100.137.1 dev ens192
      10.244.2.5/24 via 10.244.2.0 dev flannel.1 onlink
    }`);
        const r = await only(text, 'invalid-declaration');
        expect(r.text).toBe('10.244.2.5/24');
        expect(r.message).toContain('Invalid prefix for given prefix length');
        expect(await expectFixed(text, r)).toContain('10.244.2.0/24 via 10.244.2.0');
    });

    it('reports a master that is not a bridge', async () => {
        const r = await only(two('link dummy0 dummy link veth0 veth master dummy0'), 'invalid-declaration');
        expect(r.text).toBe('dummy0');
        expect(r.message).toContain('dummy0 is a dummy link, not a bridge');
    });

    it('reports a node address whose prefix contradicts its network', async () => {
        const text = cluster(`  node node01 { address 100.100.137.201/16 on lan podCIDR 10.244.1.0/24 }`);
        const r = await only(text, 'invalid-declaration');
        expect(r.text).toBe('100.100.137.201/16');
        await expectFixed(text, r);
    });

    it('reports a flannel node with pods but no podCIDR once, not its pods again', async () => {
        const r = await only(cluster(`  node node01 { address 100.100.137.201 on lan pod web 10.244.1.2 pod db 10.244.1.3 }
  flow f: web -> db icmp`), 'invalid-declaration');
        expect(r.text).toBe('node01');
        expect((await check(cluster(`  node node01 { address 100.100.137.201 on lan pod web 10.244.1.2 pod db 10.244.1.3 }
  flow f: web -> db icmp`))).map(x => x.code)).toEqual(['invalid-declaration']);
    });

    it('accepts valid declarations', async () => {
        expect(await check(two('link br0 bridge link veth0 veth master br0 pod web 10.244.1.2', 'routes { default via 100.100.137.1 dev ens192 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink }'))).toEqual([]);
    });
});

describe('a pod, node or service declared twice', () => {
    const nodes = (a: string, b: string, c = '') => cluster(`
  node node01 { address 100.100.137.201 on lan dev ens192 podCIDR 10.244.1.0/24 ${a} }
  node node02 { address 100.100.137.202 on lan dev ens192 podCIDR 10.244.2.0/24 ${b} }
${c}`);

    it('reports the later pod of one namespace/name, naming the first; the model keeps the first', async () => {
        const text = nodes('pod web 10.244.1.5', 'pod web 10.244.2.5');
        const r = await only(text, 'invalid-declaration');
        expect(r.message).toBe("pod 'default/web' is declared twice (on node01 and node02)");
        expect(r.line).toBe(text.split('\n').findIndex(l => l.includes('node node02')) + 1);
        expect(r.diagnostic.relatedInformation?.[0].message).toBe("first pod 'default/web' on node01");
        const { result } = await load(text);
        expect(result.model.pods.map(p => p.key)).toEqual(['default/web']);
        expect(result.model.podByKey.get('default/web')?.node.name).toBe('node01');
    });

    it('takes one name in two namespaces as two pods', async () => {
        const text = nodes('pod web 10.244.1.5', 'pod web 10.244.2.5 namespace shop');
        expect((await check(text)).filter(r => r.code === 'invalid-declaration')).toEqual([]);
        const { result } = await load(text);
        expect(result.model.podByKey.get('shop/web')?.address).toBe((10 << 24 | 244 << 16 | 2 << 8 | 5) >>> 0);
        expect(result.model.podByKey.get('default/web')?.node.name).toBe('node01');
        expect(result.model.podByKey.has('kube-system/web')).toBe(false);
    });

    it('leaves out a node declared twice with its pods, so a pod of the same name elsewhere is the first', async () => {
        const text = nodes('pod a 10.244.1.5', 'pod b 10.244.2.5',
            '  node node01 { address 100.100.137.203 on lan dev ens192 podCIDR 10.244.3.0/24 pod b 10.244.3.5 }');
        // node02 comes first in the file, so the duplicate node01 and its pod b are the ones left out.
        const all = await check(text);
        expect(all.filter(r => r.code === 'invalid-declaration').map(r => r.message)).toEqual(["node 'node01' is declared twice"]);
        const { result } = await load(text);
        expect(result.model.podByKey.get('default/b')?.node.name).toBe('node02');
        expect(result.model.pods.map(p => p.key)).toEqual(['default/a', 'default/b']);
    });

    it('adopts the first pod of a name the model has when the earlier one sat on a node declared twice', async () => {
        const text = cluster(`
  node node01 { address 100.100.137.201 on lan dev ens192 podCIDR 10.244.1.0/24 }
  node node01 { address 100.100.137.203 on lan dev ens192 podCIDR 10.244.3.0/24 pod b 10.244.3.5 }
  node node02 { address 100.100.137.202 on lan dev ens192 podCIDR 10.244.2.0/24 pod b 10.244.2.5 }`);
        const all = await check(text);
        expect(all.filter(r => r.code === 'invalid-declaration').map(r => r.message)).toEqual(["node 'node01' is declared twice"]);
        const { result } = await load(text);
        expect(result.model.podByKey.get('default/b')?.node.name).toBe('node02');
        expect(result.model.pods.map(p => `${p.key}@${p.node.name}`)).toEqual(['default/b@node02']);
    });
});
