/**
 * TRACE.md's seed flows on the shipped examples, step for step, against what the real
 * clusters showed (ip route, iptables -t nat -L, bridge fdb show, and the measurements).
 */
import { describe, expect, it } from 'vitest';
import { load, loadExample, readExample } from '../helpers';
import { traceFlow } from '../../server/src/sim';
import type { Trace } from '../../server/src/protocol/trace';
import { flat, innerIp, ipv4, only, stepsOf } from './sim-helpers';

async function seed(file: string, flow: string): Promise<Trace> {
    const { result } = await loadExample(file, false);
    const f = result.model.flowByName.get(flow);
    if (!f) throw new Error(`no flow ${flow} in ${file}`);
    return traceFlow(result.model, f);
}

describe('flannel-vxlan.knet', () => {
    it('cross-node-clusterip: pod route, veth, PREROUTING DNAT to 10.244.2.5:80, flannel.1, VXLAN over lan, cni0 on node02', async () => {
        const t = await seed('flannel-vxlan.knet', 'cross-node-clusterip');
        expect(t.disposition).toBe('DELIVERED');
        expect(t.hops.map(h => h.namespace)).toEqual(['busybox3-c997b9cc4-tlvrq', 'node01', 'lan', 'node02', 'nginx-deployment-6b9d659f5f-qbchs']);
        const s = flat(t);
        // 1. busybox3: default via 10.244.1.1 dev eth0, MTU 1450
        const podRoute = s.find(x => x.kind === 'route')!;
        expect(podRoute.summary).toBe('default via 10.244.1.1 dev eth0');
        expect([podRoute.outDevice, podRoute.mtu]).toEqual(['eth0', 1450]);
        // 2. veth into node01
        expect(s[s.indexOf(podRoute) + 1]).toMatchObject({ kind: 'veth', hop: 'busybox3-c997b9cc4-tlvrq' });
        // 3. PREROUTING: KUBE-SERVICES → KUBE-SVC → KUBE-SEP DNAT
        const nat = s.find(x => x.kind === 'nat' && x.hop === 'node01')!;
        expect(nat.summary).toMatch(/KUBE-SERVICES.*KUBE-SVC-.*KUBE-SEP-/);
        expect(nat.summary).toContain('10.244.2.5:80');
        expect(nat.changes).toContainEqual({ field: 'ipv4.dst', from: '10.107.254.44', to: '10.244.2.5' });
        expect(nat.details?.some(d => d.includes('10.107.254.44/32') && d.includes('--dport 80'))).toBe(true);
        expect(nat.generated).toBe(true);
        // 4. node01's declared route through flannel.1
        const n1Route = s.find(x => x.kind === 'route' && x.hop === 'node01' && x.outDevice === 'flannel.1')!;
        expect(n1Route.summary).toBe('10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink');
        expect(n1Route.generated).toBe(false);
        expect(n1Route.source).toBeDefined();
        // 5. VXLAN: outer node→node, UDP 8472, VNI 1, inner TTL 63 DF, +50
        const encap = only(stepsOf(t, 'encap'), 'encap');
        const outer = ipv4(encap, 0), inner = innerIp(encap);
        expect([outer.src, outer.dst, outer.ttl, outer.df]).toEqual(['100.100.137.201', '100.100.137.202', 64, false]);
        expect(outer.length).toBe(inner.length + 50);
        expect([inner.ttl, inner.df, inner.dst]).toEqual([63, true, '10.244.2.5']);
        expect(encap.packet.headers.find(h => h.kind === 'udp')).toMatchObject({ dstPort: 8472 });
        expect(encap.packet.headers.find(h => h.kind === 'vxlan')).toEqual({ kind: 'vxlan', vni: 1, flags: '0x08' });
        // 6. node01: 100.100.137.0/24 dev ens192, MTU 1500, across lan
        const outerRoute = s.find(x => x.kind === 'route' && x.hop === 'node01' && x.outDevice === 'ens192')!;
        expect(outerRoute.summary).toBe('100.100.137.0/24 dev ens192 proto kernel scope link src 100.100.137.201 metric 100');
        expect(outerRoute.mtu).toBe(1500);
        expect(only(stepsOf(t, 'transmit'), 'transmit').hop).toBe('lan');
        // 7. node02 strips the outer headers at flannel.1
        expect(only(stepsOf(t, 'decap'), 'decap')).toMatchObject({ hop: 'node02', outDevice: 'flannel.1' });
        // 8. node02: 10.244.2.0/24 dev cni0, bridged to nginx's veth, delivered to :80
        expect(s.find(x => x.kind === 'route' && x.hop === 'node02')!.summary).toBe('10.244.2.0/24 dev cni0 proto kernel scope link src 10.244.2.1');
        expect(only(stepsOf(t, 'bridge'), 'bridge').outDevice).toBe('veth70cee1b2');
        const deliver = only(stepsOf(t, 'deliver'), 'deliver');
        expect(innerIp(deliver)).toMatchObject({ src: '10.244.1.2', dst: '10.244.2.5' });
        expect(deliver.packet.headers.find(h => h.kind === 'tcp')).toMatchObject({ dstPort: 80 });
        expect(t.pathMtu).toBe(1450);
    });

    it('cross-node-clusterip reply: leaves from 10.244.2.5, arrives back from the ClusterIP', async () => {
        const t = await seed('flannel-vxlan.knet', 'cross-node-clusterip');
        const r = t.reply!;
        expect(r.disposition).toBe('DELIVERED');
        expect(innerIp(only(stepsOf(r, 'originate'), 'originate')).src).toBe('10.244.2.5');
        const back = innerIp(only(stepsOf(r, 'deliver'), 'deliver'));
        expect([back.src, back.dst]).toEqual(['10.107.254.44', '10.244.1.2']);
        expect(r.hops[r.hops.length - 1].namespace).toBe('busybox3-c997b9cc4-tlvrq');
    });

    it('same-node-clusterip: resolved by DNS, DNATed while bridged on cni0, bridged not routed: TTL unchanged, no SNAT', async () => {
        const t = await seed('flannel-vxlan.knet', 'same-node-clusterip');
        expect(t.disposition).toBe('DELIVERED');
        const resolve = only(stepsOf(t, 'resolve'), 'resolve');
        expect(resolve.summary).toContain('nginx-deployment.default.svc.cluster.local → 10.107.254.44');
        expect(t.hops.map(h => h.namespace)).toEqual(['busybox1-857448d9ff-shdfz', 'node02', 'nginx-deployment-6b9d659f5f-qbchs']);
        expect(stepsOf(t, 'route').filter(s => s.hop === 'node02')).toHaveLength(0);
        expect(only(stepsOf(t, 'bridge'), 'bridge').summary).toContain('br_netfilter');
        const d = innerIp(only(stepsOf(t, 'deliver'), 'deliver'));
        expect([d.src, d.dst, d.ttl]).toEqual(['10.244.2.2', '10.244.2.5', 64]);
        expect(t.reply?.disposition).toBe('DELIVERED');
        const back = innerIp(only(stepsOf(t.reply!, 'deliver'), 'deliver'));
        expect(back.src).toBe('10.107.254.44');
    });

    it('nodeport-remote: KUBE-NODEPORTS, MASQUERADE to flannel.1’s 10.244.1.0, so nginx sees 10.244.1.0; the reply is un-NATed on node01', async () => {
        const t = await seed('flannel-vxlan.knet', 'nodeport-remote');
        expect(t.disposition).toBe('DELIVERED');
        const nats = stepsOf(t, 'nat').filter(s => s.hop === 'node01');
        expect(nats[0].summary).toMatch(/KUBE-SERVICES.*KUBE-NODEPORTS/);
        expect(nats[0].details?.some(d => d.includes('KUBE-MARK-MASQ'))).toBe(true);
        expect(nats[0].changes).toContainEqual({ field: 'ipv4.dst', from: '100.100.137.201', to: '10.244.2.5' });
        const masq = nats.find(s => s.summary.includes('MASQUERADE'))!;
        expect(masq.summary).toContain('10.244.1.0');
        expect(masq.outDevice).toBe('flannel.1');
        expect(innerIp(only(stepsOf(t, 'deliver'), 'deliver')).src).toBe('10.244.1.0');
        const r = t.reply!;
        expect(r.disposition).toBe('DELIVERED');
        expect(r.hops[r.hops.length - 1].namespace).toBe('client');
        const back = only(stepsOf(r, 'deliver'), 'deliver');
        expect(innerIp(back)).toMatchObject({ src: '100.100.137.201', dst: '100.100.137.50' });
        expect(back.packet.headers.find(h => h.kind === 'tcp')).toMatchObject({ srcPort: 31856 });
    });

    it('nodeport-remote with host-gw: the source becomes node01’s own 100.100.137.201', async () => {
        const text = readExample('flannel-vxlan.knet')
            .replace('cni flannel vxlan { vni 1 port 8472 }', 'cni flannel host-gw')
            .replace(/routes \{[^}]*\}/, '');
        const model = (await load(text, false)).result.model;
        const t = traceFlow(model, model.flowByName.get('nodeport-remote')!);
        expect(t.disposition).toBe('DELIVERED');
        expect(stepsOf(t, 'encap')).toHaveLength(0);
        expect(innerIp(only(stepsOf(t, 'deliver'), 'deliver')).src).toBe('100.100.137.201');
    });

    it('nodeport-local: on node02 itself the source becomes cni0’s 10.244.2.1', async () => {
        const t = await seed('flannel-vxlan.knet', 'nodeport-local');
        expect(t.disposition).toBe('DELIVERED');
        expect(innerIp(only(stepsOf(t, 'deliver'), 'deliver')).src).toBe('10.244.2.1');
    });

    it('too-big: 1451 bytes with DF fail in busybox3 itself at MTU 1450', async () => {
        const t = await seed('flannel-vxlan.knet', 'too-big');
        expect(t.disposition).toBe('MTU_EXCEEDED');
        expect(t.pathMtu).toBe(1450);
        expect(t.hops.map(h => h.namespace)).toEqual(['busybox3-c997b9cc4-tlvrq']);
        expect(only(stepsOf(t, 'drop'), 'drop').summary).toBe('ping: local error: message too long, mtu=1450');
        expect(t.reply).toBeUndefined();
    });
});

describe('calico-ipip.knet', () => {
    it('cross-node-clusterip: default via 169.254.1.1, DNAT, block via node02 dev tunl0 onlink, IPIP over lan, /32 dev cali on node02', async () => {
        const t = await seed('calico-ipip.knet', 'cross-node-clusterip');
        expect(t.disposition).toBe('DELIVERED');
        expect(stepsOf(t, 'resolve')).toHaveLength(1);
        const routes = stepsOf(t, 'route');
        expect(routes[0].summary).toBe('default via 169.254.1.1 dev eth0');
        expect(routes[0].mtu).toBe(1480);
        expect(routes.map(r => r.summary)).toContain('10.244.140.64/26 via 100.100.137.202 dev tunl0 proto bird onlink');
        expect(routes.map(r => r.summary)).toContain('10.244.140.66 dev caliae3c1d6879e scope link');
        const nat = stepsOf(t, 'nat').find(s => s.hop === 'node01')!;
        expect(nat.changes).toContainEqual({ field: 'ipv4.dst', from: '10.107.254.44', to: '10.244.140.66' });
        const encap = only(stepsOf(t, 'encap'), 'encap');
        const outer = ipv4(encap, 0), inner = innerIp(encap);
        expect([outer.src, outer.dst, outer.protocol]).toEqual(['100.100.137.201', '100.100.137.202', 4]);
        expect([outer.ttl, outer.df]).toEqual([inner.ttl, inner.df]);
        expect(outer.length).toBe(inner.length + 20);
        expect(encap.mtu).toBe(1480);
        // TCP: busybox3's 1480 is the smaller MTU of the two ends.
        expect(t.flow.size).toBe(1480);
        expect(t.pathMtu).toBe(1480);
    });

    it('same-node-clusterip: routed by the /32 to the cali veth (TTL 63)', async () => {
        const t = await seed('calico-ipip.knet', 'same-node-clusterip');
        expect(t.disposition).toBe('DELIVERED');
        expect(stepsOf(t, 'encap')).toHaveLength(0);
        expect(innerIp(only(stepsOf(t, 'deliver'), 'deliver'))).toMatchObject({ dst: '10.244.140.66', ttl: 63 });
    });

    it('nodeport-remote: masqueraded to node01’s tunl0 address toward the other node’s pod', async () => {
        const t = await seed('calico-ipip.knet', 'nodeport-remote');
        expect(t.disposition).toBe('DELIVERED');
        expect(innerIp(only(stepsOf(t, 'deliver'), 'deliver')).src).toBe('10.244.196.128');
        expect(t.reply?.disposition).toBe('DELIVERED');
    });
});
