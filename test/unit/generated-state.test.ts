/**
 * Generated tables compared with what each daemon is documented to program (flannel's
 * backends, Calico's BIRD/Felix routes, the bridge plugin, the kernel's own routes).
 */
import { describe, expect, it } from 'vitest';
import { cluster, load, loadExample } from '../helpers';
import { formatTable } from '../../server/src/cli/routes-command';
import type { ClusterModel } from '../../server/src/model/types';

function table(model: ClusterModel, name: string): string[] {
    const ns = model.nodeByName.get(name)?.netns() ?? model.pods.find(p => p.name === name)!.netns();
    return formatTable(ns.main.routes, { mark: false }).split('\n');
}

const three = (cni: string, extra = '') => cluster(`
  node node00 { address 100.100.137.200 on lan dev ens192 ${extra ? '' : 'podCIDR 10.244.0.0/24'} }
  node node01 { address 100.100.137.201 on lan dev ens192 ${extra ? '' : 'podCIDR 10.244.1.0/24'} pod a 10.244.1.2 }
  node node02 { address 100.100.137.202 on lan dev ens192 ${extra ? '' : 'podCIDR 10.244.2.0/24'} pod b 10.244.2.2 }`, `
  podNetwork 10.244.0.0/16
  serviceNetwork 10.96.0.0/12
  ${cni}
  network lan 100.100.137.0/24 { mtu 1500 gateway 100.100.137.1 }`);

describe('flannel', () => {
    it('vxlan: node02 of the seed cluster, exactly as the real node printed it', async () => {
        const { result } = await loadExample('flannel-vxlan.knet', false);
        expect(table(result.model, 'node02')).toEqual([
            'default via 100.100.137.1 dev ens192',
            '10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink',
            '10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink',
            '10.244.2.0/24 dev cni0 proto kernel scope link src 10.244.2.1',
            '100.100.137.0/24 dev ens192 proto kernel scope link src 100.100.137.202',
            '172.17.0.0/16 dev docker0 proto kernel scope link src 172.17.0.1',
        ]);
        const ns = result.model.nodeByName.get('node02')!.netns();
        const vtep = ns.links.get('flannel.1')!;
        expect([vtep.kind, vtep.vni, vtep.port, vtep.mtu]).toEqual(['vxlan', 1, 8472, 1450]);
        expect(ns.links.get('cni0')!.mtu).toBe(1450);
        // flanneld's neighbour and FDB entry per other node: VTEP MAC → node address
        expect(ns.neigh.neighbors.map(n => n.dev)).toEqual(['flannel.1', 'flannel.1']);
        const fdbDst = ns.neigh.fdb.map(f => f.dst);
        expect(fdbDst.length).toBe(2);
        const mac0 = ns.neigh.neighbors.find(n => n.address === (10 << 24 | 244 << 16 | 0 << 8 | 0) >>> 0)!.mac;
        expect(ns.neigh.fdb.find(f => f.mac === mac0)!.dst).toBe((100 << 24 | 100 << 16 | 137 << 8 | 200) >>> 0);
    });

    it('vxlan: a node without pods has no cni0 yet (the bridge plugin creates it with the first pod)', async () => {
        const { result } = await loadExample('flannel-vxlan.knet', false);
        expect(result.model.nodeByName.get('node00')!.netns().links.has('cni0')).toBe(false);
        expect(table(result.model, 'node00')).not.toContain('10.244.0.0/24 dev cni0 proto kernel scope link src 10.244.0.1');
    });

    it('vxlan: a declared routes block replaces the generated table', async () => {
        const { result } = await loadExample('flannel-vxlan.knet', false);
        expect(table(result.model, 'node01')).toEqual([
            'default via 100.100.137.1 dev ens192 proto static metric 100',
            '10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink',
            '10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1',
            '10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink',
            '100.100.137.0/24 dev ens192 proto kernel scope link src 100.100.137.201 metric 100',
            '172.17.0.0/16 dev docker0 proto kernel scope link src 172.17.0.1',
        ]);
        expect(result.model.nodeByName.get('node01')!.netns().main.routes.every(r => !r.origin.generated)).toBe(true);
    });

    it('vxlan: pods route the pod network via cni0', async () => {
        const { result } = await loadExample('flannel-vxlan.knet', false);
        expect(table(result.model, 'busybox3-c997b9cc4-tlvrq')).toEqual([
            'default via 10.244.1.1 dev eth0',
            '10.244.0.0/16 via 10.244.1.1 dev eth0',
            '10.244.1.0/24 dev eth0 proto kernel scope link src 10.244.1.2',
        ]);
        const pod = result.model.pods.find(p => p.name === 'busybox3-c997b9cc4-tlvrq')!;
        expect(pod.netns().links.get('eth0')!.mtu).toBe(1450);
        const hostSide = pod.node.netns().links.get('veth42779e36')!;
        expect([hostSide.kind, hostSide.master, hostSide.mtu]).toEqual(['veth', 'cni0', 1450]);
    });

    it('host-gw: a route via each other node on the shared L2 network, MTU of the network', async () => {
        const { result } = await load(three('cni flannel host-gw'), false);
        expect(table(result.model, 'node01')).toEqual([
            'default via 100.100.137.1 dev ens192',
            '10.244.0.0/24 via 100.100.137.200 dev ens192',
            '10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1',
            '10.244.2.0/24 via 100.100.137.202 dev ens192',
            '100.100.137.0/24 dev ens192 proto kernel scope link src 100.100.137.201',
        ]);
        const ns = result.model.nodeByName.get('node01')!.netns();
        expect(ns.links.has('flannel.1')).toBe(false);
        expect(ns.links.get('cni0')!.mtu).toBe(1500);
    });

    it('udp: TUN flannel0 (MTU − 28) and the pod network routed into it', async () => {
        const { result } = await load(three('cni flannel udp'), false);
        expect(table(result.model, 'node01')).toEqual([
            'default via 100.100.137.1 dev ens192',
            '10.244.0.0/16 dev flannel0',
            '10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1',
            '100.100.137.0/24 dev ens192 proto kernel scope link src 100.100.137.201',
        ]);
        const tun = result.model.nodeByName.get('node01')!.netns().links.get('flannel0')!;
        expect([tun.kind, tun.mtu, tun.port]).toEqual(['tun', 1472, 8285]);
    });

    it('the kernel adds local and broadcast routes for each address', async () => {
        const { result } = await loadExample('flannel-vxlan.knet', false);
        const local = formatTable(result.model.nodeByName.get('node02')!.netns().local.routes, { mark: false, showTable: true }).split('\n');
        expect(local).toContain('local 10.244.2.1 dev cni0 table local proto kernel scope host src 10.244.2.1');
        expect(local).toContain('broadcast 10.244.2.255 dev cni0 table local proto kernel scope link src 10.244.2.1');
        expect(local).toContain('local 10.244.2.0 dev flannel.1 table local proto kernel scope host src 10.244.2.0');
        expect(local).toContain('local 100.100.137.202 dev ens192 table local proto kernel scope host src 100.100.137.202');
    });
});

describe('calico', () => {
    it('ipip: BIRD routes remote blocks through tunl0, Felix a /32 per local pod, a blackhole for its own block', async () => {
        const { result } = await loadExample('calico-ipip.knet', false);
        expect(table(result.model, 'node02')).toEqual([
            'default via 100.100.137.1 dev ens192',
            'blackhole 10.244.140.64/26 proto bird',
            '10.244.140.65 dev cali16cfa08a6f9 scope link',
            '10.244.140.66 dev caliae3c1d6879e scope link',
            '10.244.196.128/26 via 100.100.137.201 dev tunl0 proto bird onlink',
            '10.244.241.64/26 via 100.100.137.200 dev tunl0 proto bird onlink',
            '100.100.137.0/24 dev ens192 proto kernel scope link src 100.100.137.202',
        ]);
        const ns = result.model.nodeByName.get('node02')!.netns();
        const tunl = ns.links.get('tunl0')!;
        expect([tunl.kind, tunl.mtu]).toEqual(['ipip', 1480]);
        expect(tunl.addresses.map(a => a.length)).toEqual([32]);
        expect(ns.links.get('cali16cfa08a6f9')!.mtu).toBe(1500); // declared on the pod
    });

    it('pods: default via 169.254.1.1, answered by proxy ARP', async () => {
        const { result } = await loadExample('calico-ipip.knet', false);
        expect(table(result.model, 'busybox1-857448d9ff-shdfz')).toEqual([
            'default via 169.254.1.1 dev eth0',
            '169.254.1.1 dev eth0 scope link',
        ]);
        const pod = result.model.pods.find(p => p.name === 'busybox1-857448d9ff-shdfz')!;
        expect(pod.netns().links.get('eth0')!.addresses[0].length).toBe(32);
        expect(pod.node.netns().links.get('cali16cfa08a6f9')!.proxyArp).toBe(true);
    });

    it('blocks are taken in order from the pod network when none are declared', async () => {
        const { result } = await load(three('cni calico ipip', 'no podCIDRs'), false);
        const blocks = result.model.nodes.map(n => n.blocks.map(b => `${b.network >>> 24 & 255}.${b.network >>> 16 & 255}.${b.network >>> 8 & 255}.${b.network & 255}/${b.length}`)[0]);
        expect(blocks).toEqual(['10.244.0.0/26', '10.244.0.64/26', '10.244.0.128/26']);
    });

    it('ipip CrossSubnet: no tunnel between nodes of one subnet', async () => {
        const { result } = await load(three('cni calico ipip { ipipMode CrossSubnet }', 'x'), false);
        const t = table(result.model, 'node01');
        expect(t).toContain('10.244.0.0/26 via 100.100.137.200 dev ens192 proto bird');
        expect(t.join('\n')).not.toContain('tunl0');
    });

    it('vxlan: vxlan.calico (VNI 4096, port 4789, MTU − 50), routes via the remote VTEP, blackhole proto 80', async () => {
        const { result } = await load(three('cni calico vxlan', 'x'), false);
        const t = table(result.model, 'node01');
        expect(t).toContain('blackhole 10.244.0.64/26 proto 80');
        expect(t).toContain('10.244.0.0/26 via 10.244.0.0 dev vxlan.calico proto 80 onlink');
        const dev = result.model.nodeByName.get('node01')!.netns().links.get('vxlan.calico')!;
        expect([dev.vni, dev.port, dev.mtu]).toEqual([4096, 4789, 1450]);
    });

    it('bgp: remote blocks via the node, no tunnel', async () => {
        const { result } = await load(three('cni calico bgp', 'x'), false);
        const t = table(result.model, 'node01');
        expect(t).toContain('10.244.0.128/26 via 100.100.137.202 dev ens192 proto bird');
        expect(result.model.nodeByName.get('node01')!.netns().links.has('tunl0')).toBe(false);
    });
});

describe('bridge CNI and hosts', () => {
    it('cbr0 per node; pods default via cbr0', async () => {
        const { result } = await load(three('cni bridge'), false);
        expect(table(result.model, 'node01')).toEqual([
            'default via 100.100.137.1 dev ens192',
            '10.244.1.0/24 dev cbr0 proto kernel scope link src 10.244.1.1',
            '100.100.137.0/24 dev ens192 proto kernel scope link src 100.100.137.201',
        ]);
        expect(table(result.model, 'a')).toEqual([
            'default via 10.244.1.1 dev eth0',
            '10.244.1.0/24 dev eth0 proto kernel scope link src 10.244.1.2',
        ]);
    });

    it('a hostNetwork pod lives in its node\'s namespace', async () => {
        const { result } = await load(cluster(`
  node n1 { address 100.100.137.5 on lan podCIDR 10.244.1.0/24 pod agent hostNetwork }`), false);
        const pod = result.model.podByKey.get('default/agent')!;
        expect(pod.netns()).toBe(result.model.nodeByName.get('n1')!.netns());
    });

    it('a declared link overrides the generated one of the same name', async () => {
        const { result } = await load(cluster(`
  node n1 { address 100.100.137.5 on lan dev ens192 podCIDR 10.244.1.0/24
    link flannel.1 vxlan vni 1 port 8472 dev ens192 mtu 1400 }`), false);
        const l = result.model.nodeByName.get('n1')!.netns().links.get('flannel.1')!;
        expect(l.mtu).toBe(1400);
        expect(l.origin.generated).toBe(false);
        expect(l.addresses.length).toBe(1); // the address flanneld gives it is kept
    });
});
