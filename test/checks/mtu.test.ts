/** mtu-mismatch, both forms: positive, negative, each fix applied and checked again. */
import { describe, expect, it } from 'vitest';
import { cluster } from '../helpers';
import { check, expectFixed, only } from './check-helpers';

const two = (a: string, b: string, header?: string) => cluster(`
  node node01 { address 100.100.137.201 on lan dev ens192 podCIDR 10.244.1.0/24 ${a} }
  node node02 { address 100.100.137.202 on lan dev ens192 podCIDR 10.244.2.0/24 ${b} }`, header);

describe('mtu-mismatch (error)', () => {
    it('reports a VXLAN device above the underlay minus 50, saying its outer packets get fragmented; fix sets 1450', async () => {
        const text = two('link flannel.1 vxlan vni 1 port 8472 dev ens192 mtu 1500', '');
        const r = await only(text, 'mtu-mismatch');
        expect(r.severity).toBe('error');
        expect(r.text).toBe('1500');
        expect(r.message).toContain("flannel.1 on node01 has MTU 1500, above ens192's 1500 − 50 (VXLAN) = 1450");
        expect(r.message).toContain('DF clear');
        expect(r.diagnostic.relatedInformation?.[0].message).toBe('network lan, MTU 1500');
        expect(await expectFixed(text, r)).toContain('dev ens192 mtu 1450');
    });

    it('reports an IPIP tunnel above the underlay minus 20, saying the node answers frag needed', async () => {
        const text = cluster(`
  node node01 { address 100.100.137.201 on lan dev ens192 block 10.244.1.0/26 link tunl0 ipip mtu 1500 }
  node node02 { address 100.100.137.202 on lan dev ens192 block 10.244.2.0/26 }`).replace('cni flannel vxlan', 'cni calico ipip');
        const r = await only(text, 'mtu-mismatch');
        expect(r.message).toContain('1500 − 20 (IPIP) = 1480');
        expect(r.message).toContain('frag needed');
        await expectFixed(text, r);
    });

    it('accepts overlay devices within their underlay, also on jumbo frames', async () => {
        expect(await check(two('link flannel.1 vxlan vni 1 port 8472 dev ens192 mtu 1450', ''))).toEqual([]);
        // The network leaves its MTU unsaid: the nodes agree on jumbo frames.
        expect(await check(two('link ens192 nic mtu 9000 link flannel.1 vxlan vni 1 dev ens192 mtu 8950', 'link ens192 nic mtu 9000')
            .replace('{ mtu 1500 gateway', '{ gateway'))).toEqual([]);
    });

    it('reports a host-side veth whose MTU differs from its pod\'s eth0', async () => {
        const text = two('pod web 10.244.1.2 iface vethweb mtu 1450 link vethweb veth mtu 1400', '');
        const r = await only(text, 'mtu-mismatch');
        expect(r.message).toContain('vethweb on node01 has MTU 1400 but its other end, eth0 of pod web, has 1450');
        expect(r.diagnostic.relatedInformation?.[0].message).toBe('MTU of pod web');
        expect(await expectFixed(text, r)).toContain('link vethweb veth mtu 1450');
    });

    it('reports the two declared ends of a veth pair differing, once', async () => {
        const text = two('link va veth peer vb mtu 1500 link vb veth peer va mtu 1400', '');
        const r = await only(text, 'mtu-mismatch');
        expect(r.message).toContain('vb on node01 has MTU 1400 but its peer va has 1500');
        await expectFixed(text, r);
    });

    it('reports nodes on one network declaring different NIC MTUs', async () => {
        const text = two('link ens192 nic mtu 9000', '');
        const r = await only(text, 'mtu-mismatch');
        expect(r.message).toContain('ens192 on node01 has MTU 9000 but network lan has MTU 1500');
        expect(await expectFixed(text, r)).toContain('link ens192 nic mtu 1500');
        // With the network's MTU unsaid, the odd one out is still the one declaring 9000.
        const unsaid = await only(text.replace('{ mtu 1500 gateway', '{ gateway'), 'mtu-mismatch');
        expect(unsaid.message).toContain('ens192 on node01 has MTU 9000 but the other nodes on lan (node02) use 1500');
    });
});

describe('mtu-mismatch (warning)', () => {
    it('warns about a pod MTU above the overlay it crosses; fix lowers it to the overlay MTU', async () => {
        const text = two('pod web 10.244.1.2', 'pod db 10.244.2.5 mtu 9000');
        const r = await only(text, 'mtu-mismatch');
        expect(r.severity).toBe('warning');
        expect(r.text).toBe('9000');
        expect(r.message).toContain("pod db has MTU 9000, above flannel.1's 1450 on node02");
        expect(r.message).toContain('frag needed');
        expect(r.diagnostic.relatedInformation?.[0].message).toBe('flannel.1 (MTU 1450) comes from this cni');
        expect(await expectFixed(text, r)).toContain('pod db 10.244.2.5 mtu 1450');
    });

    it('does not warn for pods at the overlay MTU, or with no other node to reach', async () => {
        expect(await check(two('pod web 10.244.1.2 mtu 1450', ''))).toEqual([]);
        expect(await check(cluster(`  node node01 { address 100.100.137.201 on lan podCIDR 10.244.1.0/24 pod web 10.244.1.2 mtu 1500 }`))).toEqual([]);
    });

    it('Calico CrossSubnet: no tunnel within one subnet, tunl0 once a node sits in another', async () => {
        const text = (third: string) => cluster(`
  network far 100.100.140.0/24
  node node01 { address 100.100.137.201 on lan dev ens192 block 10.244.1.0/26 pod web 10.244.1.2 mtu 1500 }
  node node02 { address ${third} dev ens192 block 10.244.2.0/26 }`).replace('cni flannel vxlan', 'cni calico ipip { ipipMode CrossSubnet }');
        expect(await check(text('100.100.137.202 on lan'))).toEqual([]);
        const r = await only(text('100.100.140.2 on far'), 'mtu-mismatch');
        expect(r.message).toContain("pod web has MTU 1500, above tunl0's 1480 on node01");
    });

    it('compares with the NIC where there is no overlay (host-gw)', async () => {
        const text = two('pod web 10.244.1.2 mtu 1500', 'pod db 10.244.2.5 mtu 9000').replace('cni flannel vxlan', 'cni flannel host-gw');
        const r = await only(text, 'mtu-mismatch');
        expect(r.message).toContain("pod db has MTU 9000, above ens192's 1500 on node02");
    });
});
