/** overlapping-cidr, address-outside-range, duplicate-address: positive, negative, fixes, no cascades. */
import { describe, expect, it } from 'vitest';
import { cluster } from '../helpers';
import { check, expectFixed, only } from './check-helpers';

const two = (a: string, b: string, extra = '') => cluster(`
  node node01 { address 100.100.137.201 on lan dev ens192 ${a} }
  node node02 { address 100.100.137.202 on lan dev ens192 ${b} }
${extra}`);

describe('overlapping-cidr', () => {
    it('reports two nodes\' overlapping podCIDRs once, on the later, naming both', async () => {
        const r = await only(two('podCIDR 10.244.1.0/24', 'podCIDR 10.244.1.128/25'), 'overlapping-cidr');
        expect(r.text).toBe('10.244.1.128/25');
        expect(r.message).toContain('podCIDR 10.244.1.128/25 of node02 overlaps podCIDR 10.244.1.0/24 of node01');
        expect(r.diagnostic.relatedInformation?.[0].message).toBe('podCIDR 10.244.1.0/24 of node01');
    });

    it('does not cascade into the pods: two nodes given one range is one fault, not a duplicate per pod', async () => {
        const all = await check(two('podCIDR 10.244.1.0/24 pod a 10.244.1.2', 'podCIDR 10.244.1.0/24 pod b 10.244.1.2', '  flow f: a -> b icmp'));
        expect(all.map(r => `${r.code} ${r.text}`)).toEqual(['overlapping-cidr 10.244.1.0/24']);
        expect(all[0].line).toBe(8);
    });

    it('accepts disjoint podCIDRs inside the pod network', async () => {
        expect(await check(two('podCIDR 10.244.1.0/24', 'podCIDR 10.244.2.0/24'))).toEqual([]);
    });

    it('reports the pod network overlapping an underlay network', async () => {
        const text = cluster(`  node node01 { address 10.244.99.5 on lan2 podCIDR 10.244.1.0/24 }`, `
  podNetwork 10.244.0.0/16
  serviceNetwork 10.96.0.0/12
  network lan2 10.244.99.0/24`);
        const r = await only(text, 'overlapping-cidr');
        expect(r.text).toBe('10.244.99.0/24');
        expect(r.message).toContain('network lan2 10.244.99.0/24 overlaps pod network 10.244.0.0/16');
    });

    it('does not cascade: a podCIDR inside the overlapping part of the service network is not reported again', async () => {
        const text = two('podCIDR 10.244.200.0/24', 'podCIDR 10.244.201.0/24').replace('serviceNetwork 10.96.0.0/12', 'serviceNetwork 10.244.128.0/17');
        const all = await check(text);
        expect(all.map(r => `${r.code} ${r.text}`)).toEqual(['overlapping-cidr 10.244.128.0/17']);
    });

    it('lets node-local ranges repeat across nodes, but not overlap a routed range', async () => {
        expect(await check(two('podCIDR 10.244.1.0/24 link docker0 bridge address 172.17.0.1/16', 'podCIDR 10.244.2.0/24 link docker0 bridge address 172.17.0.1/16'))).toEqual([]);
        const r = await only(two('podCIDR 10.244.1.0/24 link docker0 bridge address 100.100.0.1/16', 'podCIDR 10.244.2.0/24'), 'overlapping-cidr');
        expect(r.text).toBe('100.100.0.1/16');
        expect(r.message).toContain('docker0 100.100.0.1/16 on node01 overlaps network lan');
    });
});

describe('address-outside-range', () => {
    it('reports a pod outside its podCIDR and takes the next free address', async () => {
        const text = two('podCIDR 10.244.1.0/24 pod web 10.244.1.2 pod api 10.244.200.7', 'podCIDR 10.244.2.0/24');
        const r = await only(text, 'address-outside-range');
        expect(r.text).toBe('10.244.200.7');
        expect(r.message).toContain("pod api address 10.244.200.7 lies outside node01's podCIDR 10.244.1.0/24");
        const fixed = await expectFixed(text, r);
        // .0 is the network, .1 cni0 (the pods' gateway), .2 is web's.
        expect(fixed).toContain('pod api 10.244.1.3');
    });

    it('reports a pod on its podCIDR\'s network or broadcast address, once', async () => {
        for (const [ip, what] of [['10.244.1.255', 'broadcast'], ['10.244.1.0', 'network']]) {
            const text = two(`podCIDR 10.244.1.0/24 pod web ${ip}`, 'podCIDR 10.244.2.0/24');
            const r = await only(text, 'address-outside-range');
            expect((await check(text)).length).toBe(1);
            expect(r.message).toContain(`is the ${what} address of node01's podCIDR 10.244.1.0/24`);
            await expectFixed(text, r);
        }
    });

    it('reports a node outside its network once: no duplicate or route noise elsewhere (host-gw)', async () => {
        const text = cluster(`
  node node01 { address 100.100.137.201 on lan podCIDR 10.244.1.0/24 pod a 10.244.1.2 }
  node node02 { address 100.100.138.202 on lan podCIDR 10.244.2.0/24 pod b 10.244.2.2 }
  node node03 { address 100.100.137.203 on lan podCIDR 10.244.3.0/24 }`).replace('cni flannel vxlan', 'cni flannel host-gw');
        const all = await check(text);
        expect(all.map(r => `${r.line}:${r.code}`)).toEqual(['8:address-outside-range']);
        const fixed = await expectFixed(text, all[0]);
        expect(fixed).toContain('address 100.100.137.2 on lan');
    });

    it('reports a clusterIP outside the service network, fixing it with a free one past the apiserver\'s', async () => {
        const text = two('podCIDR 10.244.1.0/24 pod web 10.244.1.2 labels app=web', 'podCIDR 10.244.2.0/24', `
  service web { clusterIP 10.200.0.10 port 80/tcp selector app=web }`);
        const r = await only(text, 'address-outside-range');
        expect(r.text).toBe('10.200.0.10');
        expect(await expectFixed(text, r)).toContain('clusterIP 10.96.0.2');
    });

    it('reports a podCIDR outside the pod network and offers the next free range', async () => {
        const text = two('podCIDR 10.244.0.0/24', 'podCIDR 10.245.4.0/24');
        const r = await only(text, 'address-outside-range');
        expect(r.text).toBe('10.245.4.0/24');
        expect(await expectFixed(text, r)).toContain('podCIDR 10.244.1.0/24');
    });

    it('reports a host and a gateway outside their network', async () => {
        const text = cluster(`  node node01 { address 100.100.137.201 on lan podCIDR 10.244.1.0/24 }
  host client 100.100.140.50 on lan`);
        const r = await only(text, 'address-outside-range');
        expect(r.message).toContain('address 100.100.140.50 of host client lies outside network lan 100.100.137.0/24');
        expect(await expectFixed(text, r)).toContain('host client 100.100.137.2 on lan');
        const gw = await only(text.replace('host client 100.100.140.50 on lan', '').replace('gateway 100.100.137.1', 'gateway 100.100.138.1'), 'address-outside-range');
        expect(gw.text).toBe('100.100.138.1');
        expect(gw.message).toContain('gateway 100.100.138.1 of network lan lies outside 100.100.137.0/24');
    });

    it('accepts pods, nodes and services in their ranges', async () => {
        expect(await check(two('podCIDR 10.244.1.0/24 pod web 10.244.1.2 labels app=web', 'podCIDR 10.244.2.0/24', `
  service web { clusterIP 10.96.0.10 port 80/tcp selector app=web }`))).toEqual([]);
    });
});

describe('duplicate-address', () => {
    it('reports the second of two pods with one address, pointing at the first', async () => {
        const text = two('podCIDR 10.244.1.0/24 pod web 10.244.1.2', 'podCIDR 10.244.2.0/24 pod api 10.244.2.2 pod db 10.244.2.2');
        const r = await only(text, 'duplicate-address');
        expect(r.line).toBe(8);
        expect(r.message).toContain('10.244.2.2 of pod db is already the address of pod api');
        expect(r.diagnostic.relatedInformation).toHaveLength(1);
        expect(await expectFixed(text, r)).toContain('pod db 10.244.2.3');
    });

    it('reports a pod that took its node\'s gateway address (cni0)', async () => {
        const r = await only(two('podCIDR 10.244.1.0/24 pod web 10.244.1.1', 'podCIDR 10.244.2.0/24'), 'duplicate-address');
        expect(r.message).toContain('cni0 of node01');
    });

    it('reports a node and a host sharing an address, and a clusterIP given twice', async () => {
        const text = two('podCIDR 10.244.1.0/24 pod web 10.244.1.2 labels app=web', 'podCIDR 10.244.2.0/24', `
  host client 100.100.137.201 on lan
  service a { clusterIP 10.96.0.10 port 80/tcp selector app=web }
  service b { clusterIP 10.96.0.10 port 81/tcp selector app=web }`);
        const all = await check(text);
        expect(all.map(r => `${r.code}:${r.text}`).sort()).toEqual(['duplicate-address:10.96.0.10', 'duplicate-address:100.100.137.201']);
        expect(all.find(r => r.text === '100.100.137.201')!.message).toContain('host client is already the address of node node01');
        for (const r of all) await expectFixed(text, r);
    });

    it('does not report distinct addresses', async () => {
        expect(await check(two('podCIDR 10.244.1.0/24 pod web 10.244.1.2', 'podCIDR 10.244.2.0/24 pod api 10.244.2.2'))).toEqual([]);
    });
});
