/**
 * The walk on small clusters, per CNI mode and per disposition, asserted against what the
 * kernel does (TRACE.md's measurements and the daemons' documented behaviour).
 */
import { describe, expect, it } from 'vitest';
import { CALICO_HEADER, FLANNEL_HEADER, flat, innerIp, ipv4, kinds, only, stepsOf, traceIn } from './sim-helpers';

const TWO_NODES = (pods1 = 'pod a 10.244.1.2\n    pod b 10.244.1.3', pods2 = 'pod c 10.244.2.2', extra = '') => `
  node n1 { address 100.100.137.201 on lan podCIDR 10.244.1.0/24
    ${pods1} }
  node n2 { address 100.100.137.202 on lan podCIDR 10.244.2.0/24
    ${pods2} }
  ${extra}`;

describe('flannel vxlan', () => {
    it('same node pod to pod is bridged on cni0: TTL unchanged, no route on the node', async () => {
        const t = await traceIn(TWO_NODES() + '\n  flow f: a -> b:80', 'f');
        expect(t.disposition).toBe('DELIVERED');
        expect(kinds(t)).toEqual(['a:originate', 'a:route', 'a:veth', 'n1:bridge', 'n1:veth', 'b:deliver']);
        const deliver = only(stepsOf(t, 'deliver'), 'deliver');
        expect(ipv4(deliver).ttl).toBe(64);
        expect(t.pathMtu).toBe(1450);
    });

    it('cross node: VXLAN to the remote VTEP found by neighbour and FDB, outer node→node TTL 64 DF clear, +50 bytes', async () => {
        const t = await traceIn(TWO_NODES() + '\n  flow f: a -> c icmp size 1400', 'f');
        expect(t.disposition).toBe('DELIVERED');
        expect(t.hops.map(h => h.namespace)).toEqual(['a', 'n1', 'lan', 'n2', 'c']);
        const encap = only(stepsOf(t, 'encap'), 'encap');
        const outer = ipv4(encap, 0);
        expect([outer.src, outer.dst, outer.ttl, outer.df, outer.protocol, outer.length]).toEqual(['100.100.137.201', '100.100.137.202', 64, false, 17, 1450]);
        const udp = encap.packet.headers.find(h => h.kind === 'udp');
        expect(udp && udp.kind === 'udp' && udp.dstPort).toBe(8472);
        expect(udp && udp.kind === 'udp' && udp.srcPort).toBeGreaterThanOrEqual(32768);
        expect(encap.packet.headers.find(h => h.kind === 'vxlan')).toEqual({ kind: 'vxlan', vni: 1, flags: '0x08' });
        const inner = innerIp(encap);
        expect([inner.ttl, inner.df, inner.length]).toEqual([63, true, 1400]);
        expect(encap.details?.some(d => d.startsWith('neighbour: 10.244.2.0 dev flannel.1'))).toBe(true);
        expect(encap.details?.some(d => d.includes('dst 100.100.137.202'))).toBe(true);
        const routes = stepsOf(t, 'route').map(s => s.summary);
        expect(routes).toContain('10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink');
        expect(routes).toContain('10.244.2.0/24 dev cni0 proto kernel scope link src 10.244.2.1');
        const decap = only(stepsOf(t, 'decap'), 'decap');
        expect(decap.hop).toBe('n2');
        expect(decap.packet.headers.filter(h => h.kind === 'ipv4')).toHaveLength(1);
        expect(ipv4(only(stepsOf(t, 'deliver'), 'deliver')).ttl).toBe(62);
        expect(only(stepsOf(t, 'transmit'), 'transmit').hop).toBe('lan');
    });

    it('the same UDP source port for one flow (a flow hash), different for another flow', async () => {
        const t1 = await traceIn(TWO_NODES() + '\n  flow f: a -> c:80\n  flow g: a -> c:81', 'f');
        const t2 = await traceIn(TWO_NODES() + '\n  flow f: a -> c:80\n  flow g: a -> c:81', 'g');
        const port = (t: typeof t1) => { const u = only(stepsOf(t, 'encap'), 'encap').packet.headers.find(h => h.kind === 'udp'); return u?.kind === 'udp' ? u.srcPort : -1; };
        expect(port(t1)).not.toBe(port(t2));
    });

    it('ping with DF: 1450 bytes pass, 1451 fail in the pod itself with a local error', async () => {
        const ok = await traceIn(TWO_NODES() + '\n  flow f: a -> c icmp size 1450 df', 'f');
        expect(ok.disposition).toBe('DELIVERED');
        const bad = await traceIn(TWO_NODES() + '\n  flow f: a -> c icmp size 1451 df', 'f');
        expect(bad.disposition).toBe('MTU_EXCEEDED');
        expect(bad.hops.map(h => h.namespace)).toEqual(['a']);
        expect(only(stepsOf(bad, 'drop'), 'drop').summary).toBe('ping: local error: message too long, mtu=1450');
        expect(bad.pathMtu).toBe(1450);
    });

    it('pod and host-side veth at 1500, flannel.1 at 1450: the node answers frag needed from the pod gateway 10.244.1.1', async () => {
        const t = await traceIn(TWO_NODES('pod a 10.244.1.2 mtu 1500') + '\n  flow f: a -> c icmp size 1500 df', 'f');
        expect(t.disposition).toBe('MTU_EXCEEDED');
        const drop = only(stepsOf(t, 'drop'), 'drop');
        expect(drop.hop).toBe('n1');
        expect(drop.summary).toBe('ICMP frag needed and DF set (mtu = 1450) from 10.244.1.1');
        expect(drop.packet.headers).toEqual([
            expect.objectContaining({ kind: 'ipv4', src: '10.244.1.1', dst: '10.244.1.2', protocol: 1 }),
            expect.objectContaining({ kind: 'icmp', type: 3, code: 4, mtu: 1450 }),
        ]);
        expect(t.pathMtu).toBe(1450);
    });

    it('only the pod eth0 at 1500: the frame is dropped at the host-side veth, no ICMP', async () => {
        const t = await traceIn(TWO_NODES('pod a 10.244.1.2 iface vetha mtu 1500\n    link vetha veth mtu 1450') + '\n  flow f: a -> c icmp size 1500 df', 'f');
        expect(t.disposition).toBe('MTU_EXCEEDED');
        const drop = only(stepsOf(t, 'drop'), 'drop');
        expect(drop.hop).toBe('n1');
        expect(drop.inDevice).toBe('vetha');
        expect(drop.summary).toContain('no ICMP');
        expect(t.pathMtu).toBe(1450);
    });

    it('a frame bridged to a port with a smaller MTU is dropped at that port, no ICMP', async () => {
        const t = await traceIn(TWO_NODES('pod a 10.244.1.2 mtu 1500\n    pod b 10.244.1.3 mtu 1400') + '\n  flow f: a -> b icmp size 1500', 'f');
        expect(t.disposition).toBe('MTU_EXCEEDED');
        const drop = only(stepsOf(t, 'drop'), 'drop');
        expect([drop.hop, drop.mtu]).toEqual(['n1', 1400]);
        expect(drop.summary).toContain('no ICMP');
        expect(t.pathMtu).toBe(1400);
    });

    it('without DF a too-big packet is fragmented, not refused', async () => {
        const t = await traceIn(TWO_NODES('pod a 10.244.1.2 mtu 1500') + '\n  flow f: a -> c icmp size 1500 nodf', 'f');
        expect(t.disposition).toBe('DELIVERED');
        expect(flat(t).some(s => s.details?.some(d => d.includes('fragmented')))).toBe(true);
    });

    it('an overlay MTU set too high: VXLAN outer packets (DF clear) are fragmented on the underlay and still arrive', async () => {
        const t = await traceIn(TWO_NODES('pod a 10.244.1.2 mtu 1500\n    link flannel.1 vxlan mtu 1500', 'pod c 10.244.2.2 mtu 1500\n    link cni0 bridge mtu 1500') + '\n  flow f: a -> c icmp size 1500 df', 'f');
        expect(t.disposition).toBe('DELIVERED');
        const outerRoute = stepsOf(t, 'route').find(s => s.outDevice === 'eth0' && s.hop === 'n1');
        expect(outerRoute?.details?.some(d => d.includes('1550 bytes > MTU 1500 with DF clear'))).toBe(true);
    });

    it('with the route to the remote pod range gone, packets go unencapsulated to the gateway, which drops pod addresses', async () => {
        const body = TWO_NODES('pod a 10.244.1.2\n    routes {\n      default via 100.100.137.1 dev eth0\n      10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1\n      100.100.137.0/24 dev eth0 proto kernel scope link src 100.100.137.201\n    }') + '\n  flow f: a -> c icmp';
        const t = await traceIn(body, 'f');
        expect(t.disposition).toBe('UNDERLAY_DROP');
        expect(stepsOf(t, 'encap')).toHaveLength(0);
        expect(t.dispositionAt).toContain('100.100.137.1');
    });

    it('a node sends to a remote pod from its flannel.1 address', async () => {
        const t = await traceIn(TWO_NODES() + '\n  flow f: n1 -> c icmp', 'f');
        expect(t.disposition).toBe('DELIVERED');
        expect(innerIp(only(stepsOf(t, 'originate'), 'originate')).src).toBe('10.244.1.0');
    });

    it('the reply comes back from the destination to the source', async () => {
        const t = await traceIn(TWO_NODES() + '\n  flow f: a -> c:80', 'f');
        expect(t.reply?.disposition).toBe('DELIVERED');
        const first = only(stepsOf(t.reply!, 'originate'), 'originate');
        expect([innerIp(first).src, innerIp(first).dst]).toEqual(['10.244.2.2', '10.244.1.2']);
        expect(t.reply!.hops[t.reply!.hops.length - 1].namespace).toBe('a');
    });
});

describe('flannel udp and host-gw', () => {
    it('udp: TUN flannel0 hands the packet to flanneld, which sends UDP 8285 node to node (+28)', async () => {
        const t = await traceIn(TWO_NODES() + '\n  flow f: a -> c icmp size 1400', 'f', { header: FLANNEL_HEADER('udp') });
        expect(t.disposition).toBe('DELIVERED');
        const encap = only(stepsOf(t, 'encap'), 'encap');
        expect(encap.outDevice).toBe('flannel0');
        const outer = ipv4(encap, 0);
        expect([outer.src, outer.dst, outer.length]).toEqual(['100.100.137.201', '100.100.137.202', 1428]);
        const udp = encap.packet.headers.find(h => h.kind === 'udp');
        expect(udp?.kind === 'udp' && udp.dstPort).toBe(8285);
        expect(only(stepsOf(t, 'decap'), 'decap').outDevice).toBe('flannel0');
        expect(t.pathMtu).toBe(1472);
    });

    it('host-gw: plain routing via the other node, no encapsulation, pods at the network MTU', async () => {
        const t = await traceIn(TWO_NODES() + '\n  flow f: a -> c icmp', 'f', { header: FLANNEL_HEADER('host-gw') });
        expect(t.disposition).toBe('DELIVERED');
        expect(stepsOf(t, 'encap')).toHaveLength(0);
        expect(stepsOf(t, 'route').map(s => s.summary)).toContain('10.244.2.0/24 via 100.100.137.202 dev eth0');
        expect(t.pathMtu).toBe(1500);
    });
});

describe('calico', () => {
    const NODES = `
  node n1 { address 100.100.137.201 on lan
    pod a 10.244.0.2
    pod b 10.244.0.3 }
  node n2 { address 100.100.137.202 on lan
    pod c 10.244.0.66 }`;

    it('ipip: pod routes via 169.254.1.1 (proxy ARP), node routes the block via tunl0 onlink, protocol 4 copying DF and TTL', async () => {
        const t = await traceIn(NODES + '\n  flow f: a -> c icmp size 1480', 'f', { header: CALICO_HEADER('ipip') });
        expect(t.disposition).toBe('DELIVERED');
        const routes = stepsOf(t, 'route').map(s => s.summary);
        expect(routes[0]).toBe('default via 169.254.1.1 dev eth0');
        expect(routes).toContain('10.244.0.64/26 via 100.100.137.202 dev tunl0 proto bird onlink');
        const encap = only(stepsOf(t, 'encap'), 'encap');
        const outer = ipv4(encap, 0), inner = innerIp(encap);
        expect([outer.src, outer.dst, outer.protocol, outer.length]).toEqual(['100.100.137.201', '100.100.137.202', 4, 1500]);
        expect([outer.ttl, outer.df]).toEqual([inner.ttl, inner.df]);
        expect(encap.mtu).toBe(1480);
        expect(stepsOf(t, 'route').some(s => /^10\.244\.0\.66 dev cali[0-9a-f]{11} scope link$/.test(s.summary))).toBe(true);
    });

    it('ipip: same node goes through the host by the /32 route to the cali veth (routed, TTL 63)', async () => {
        const t = await traceIn(NODES + '\n  flow f: a -> b icmp', 'f', { header: CALICO_HEADER('ipip') });
        expect(t.disposition).toBe('DELIVERED');
        expect(kinds(t)).toEqual(['a:originate', 'a:route', 'a:veth', 'n1:route', 'n1:veth', 'b:deliver']);
        expect(ipv4(only(stepsOf(t, 'deliver'), 'deliver')).ttl).toBe(63);
    });

    it('ipip with tunl0 set above the underlay: IPIP copies DF, so the node answers frag needed', async () => {
        const nodes = NODES.replace('pod a 10.244.0.2', 'pod a 10.244.0.2 mtu 1500\n    link tunl0 ipip mtu 1500');
        const t = await traceIn(nodes + '\n  flow f: a -> c icmp size 1500', 'f', { header: CALICO_HEADER('ipip') });
        expect(t.disposition).toBe('MTU_EXCEEDED');
        expect(only(stepsOf(t, 'drop'), 'drop').summary).toContain('frag needed and DF set (mtu = 1480)');
    });

    it('vxlan: vxlan.calico, UDP 4789, VNI 4096', async () => {
        const t = await traceIn(NODES + '\n  flow f: a -> c icmp', 'f', { header: CALICO_HEADER('vxlan') });
        expect(t.disposition).toBe('DELIVERED');
        const encap = only(stepsOf(t, 'encap'), 'encap');
        expect(encap.outDevice).toBe('vxlan.calico');
        const udp = encap.packet.headers.find(h => h.kind === 'udp');
        expect(udp?.kind === 'udp' && udp.dstPort).toBe(4789);
        expect(encap.packet.headers.find(h => h.kind === 'vxlan')).toMatchObject({ vni: 4096 });
        expect(t.pathMtu).toBe(1450);
    });

    it('bgp: remote blocks routed via the node address on the NIC, no tunnel', async () => {
        const t = await traceIn(NODES + '\n  flow f: a -> c icmp', 'f', { header: CALICO_HEADER('bgp') });
        expect(t.disposition).toBe('DELIVERED');
        expect(stepsOf(t, 'encap')).toHaveLength(0);
        expect(stepsOf(t, 'route').map(s => s.summary)).toContain('10.244.0.64/26 via 100.100.137.202 dev eth0 proto bird');
    });

    it('ipip CrossSubnet: nodes on one subnet route directly, without the tunnel', async () => {
        const t = await traceIn(NODES + '\n  flow f: a -> c icmp', 'f', { header: CALICO_HEADER('ipip', ' { ipipMode CrossSubnet }') });
        expect(t.disposition).toBe('DELIVERED');
        expect(stepsOf(t, 'encap')).toHaveLength(0);
    });

    it('a pod to its own node’s blackholed block address that no pod holds: BLACKHOLE', async () => {
        const t = await traceIn(NODES + '\n  flow f: a -> 10.244.0.9 icmp', 'f', { header: CALICO_HEADER('ipip') });
        expect(t.disposition).toBe('BLACKHOLE');
        expect(only(stepsOf(t, 'drop'), 'drop').hop).toBe('n1');
    });
});

describe('cni bridge and routed networks', () => {
    const header = (kind: string) => `
  podNetwork 10.244.0.0/16
  serviceNetwork 10.96.0.0/12
  cni bridge
  network vpc 10.0.0.0/16 { mtu 9001 gateway 10.0.0.1 kind ${kind} }`;
    const nodes = `
  node n1 { address 10.0.1.10 on vpc dev eth0 podCIDR 10.244.1.0/24
    pod a 10.244.1.2 }
  node n2 { address 10.0.1.11 on vpc dev eth0 podCIDR 10.244.2.0/24
    pod c 10.244.2.2 }`;

    it('a routed network carries pod ranges by its route table (a transmit per crossing)', async () => {
        const t = await traceIn(nodes + '\n  flow f: a -> c icmp', 'f', { header: header('routed') });
        expect(t.disposition).toBe('DELIVERED');
        const vpc = flat(t).filter(s => s.hop === 'vpc');
        expect(vpc.map(s => s.kind)).toEqual(['transmit', 'route', 'transmit']);
        expect(vpc[1].summary).toContain('10.244.2.0/24 via 10.0.1.11');
        expect(vpc[1].generated).toBe(true);
        expect(t.pathMtu).toBe(9001);
    });

    it('an l2 network: the gateway does not route pod addresses → UNDERLAY_DROP', async () => {
        const t = await traceIn(nodes + '\n  flow f: a -> c icmp', 'f', { header: header('l2') });
        expect(t.disposition).toBe('UNDERLAY_DROP');
        expect(t.dispositionReason).toContain('not pod addresses');
    });

    it('an address outside every network exits through the gateway', async () => {
        const t = await traceIn(nodes + '\n  host dns 8.8.8.8\n  flow f: n1 -> dns:53/udp', 'f', { header: header('l2') });
        expect(t.disposition).toBe('EXITS_NETWORK');
        expect(t.dispositionReason).toContain('source 10.0.1.10');
        expect(t.flow.size).toBeGreaterThan(28);
    });
});

describe('dispositions', () => {
    it('NO_INTERFACE: a pod with network none', async () => {
        const t = await traceIn(TWO_NODES('pod a 10.244.1.2\n    pod lonely network none') + '\n  flow f: lonely -> c icmp', 'f');
        expect(t.disposition).toBe('NO_INTERFACE');
    });

    it('NO_ROUTE: a declared table without a route for the destination', async () => {
        const t = await traceIn(TWO_NODES('pod a 10.244.1.2\n    routes {\n      100.100.137.0/24 dev eth0 proto kernel scope link src 100.100.137.201\n    }') + '\n  flow f: n1 -> 8.8.8.8 icmp', 'f');
        expect(t.disposition).toBe('NO_ROUTE');
    });

    it('BLACKHOLE: unreachable and blackhole routes', async () => {
        const t = await traceIn(TWO_NODES('pod a 10.244.1.2\n    routes {\n      default via 100.100.137.1 dev eth0\n      unreachable 8.8.8.0/24\n      100.100.137.0/24 dev eth0 proto kernel scope link src 100.100.137.201\n    }') + '\n  flow f: n1 -> 8.8.8.8 icmp', 'f');
        expect(t.disposition).toBe('BLACKHOLE');
        expect(t.dispositionReason).toContain('unreachable 8.8.8.0/24');
    });

    it('NEIGHBOR_UNREACHABLE: a next hop nobody owns on the segment', async () => {
        const t = await traceIn(TWO_NODES('pod a 10.244.1.2\n    routes {\n      default via 100.100.137.99 dev eth0\n      100.100.137.0/24 dev eth0 proto kernel scope link src 100.100.137.201\n    }') + '\n  flow f: n1 -> 8.8.8.8 icmp', 'f');
        expect(t.disposition).toBe('NEIGHBOR_UNREACHABLE');
        expect(t.dispositionReason).toContain('100.100.137.99');
    });

    it('LOOP: two nodes sending a range to each other run the TTL out', async () => {
        const r = (self: string, other: string) => `routes {\n      default via 100.100.137.1 dev eth0\n      172.16.0.0/16 via ${other} dev eth0\n      100.100.137.0/24 dev eth0 proto kernel scope link src ${self}\n    }`;
        const body = `
  node n1 { address 100.100.137.201 on lan ${r('100.100.137.201', '100.100.137.202')} }
  node n2 { address 100.100.137.202 on lan ${r('100.100.137.202', '100.100.137.201')} }
  flow f: n1 -> 172.16.0.1 icmp`;
        const t = await traceIn(body, 'f');
        expect(t.disposition).toBe('LOOP');
        expect(t.dispositionReason).toContain('time exceeded');
        expect(t.hops.length).toBeGreaterThan(60);
    });

    it('FORWARD_DISABLED: ip_forward=0 on the node a pod routes through', async () => {
        const t = await traceIn(TWO_NODES('pod a 10.244.1.2\n    sysctl net.ipv4.ip_forward=0') + '\n  flow f: a -> c icmp', 'f');
        expect(t.disposition).toBe('FORWARD_DISABLED');
        expect(t.hops[t.hops.length - 1].namespace).toBe('n1');
    });

    it('rp_filter strict drops a packet arriving where the route back does not leave', async () => {
        // n2 routes n1's pod range back via the gateway, not flannel.1: asymmetric.
        const n2 = `pod c 10.244.2.2
    sysctl net.ipv4.conf.all.rp_filter=1
    routes {
      default via 100.100.137.1 dev eth0
      10.244.2.0/24 dev cni0 proto kernel scope link src 10.244.2.1
      100.100.137.0/24 dev eth0 proto kernel scope link src 100.100.137.202
    }`;
        const t = await traceIn(TWO_NODES(undefined, n2) + '\n  flow f: a -> c icmp', 'f');
        expect(t.disposition).toBe('FILTERED');
        expect(t.dispositionReason).toContain('rp_filter=1');
        const loose = await traceIn(TWO_NODES(undefined, n2.replace('rp_filter=1', 'rp_filter=2')) + '\n  flow f: a -> c icmp', 'f');
        expect(loose.disposition).toBe('DELIVERED');
    });

    it('EXITS_NETWORK for an unknown outside address from a pod', async () => {
        const t = await traceIn(TWO_NODES() + '\n  flow f: a -> 1.1.1.1 icmp', 'f');
        expect(t.disposition).toBe('EXITS_NETWORK');
    });

    it('a host on the network reaches a node; a host beyond the gateway comes in through it', async () => {
        const near = await traceIn(TWO_NODES() + '\n  host client 100.100.137.50 on lan\n  flow f: client -> n2 icmp', 'f');
        expect(near.disposition).toBe('DELIVERED');
        expect(near.hops.map(h => h.namespace)).toEqual(['client', 'lan', 'n2']);
        const far = await traceIn(TWO_NODES() + '\n  host far 203.0.113.9\n  flow f: far -> n2 icmp', 'f');
        expect(far.disposition).toBe('DELIVERED');
        expect(far.hops.map(h => h.kind)).toEqual(['host', 'outside', 'network', 'node']);
        expect(far.reply?.disposition).toBe('DELIVERED');
        expect(far.reply!.hops.map(h => h.kind)).toEqual(['node', 'network', 'outside', 'host']);
        const toPod = await traceIn(TWO_NODES() + '\n  host far 203.0.113.9\n  flow f: far -> c icmp', 'f');
        expect(toPod.disposition).toBe('UNDERLAY_DROP');
    });

    it('hostNetwork pods send from their node’s namespace and address', async () => {
        const t = await traceIn(TWO_NODES('pod a 10.244.1.2\n    pod agent hostNetwork') + '\n  flow f: agent -> c icmp', 'f');
        expect(t.disposition).toBe('DELIVERED');
        expect(t.hops[0].namespace).toBe('n1');
        expect(t.hops[0].kind).toBe('node');
    });

    it('a container reaches a sibling in its pod over lo', async () => {
        const t = await traceIn(TWO_NODES('pod a 10.244.1.2 { containers web:80, sidecar:9090 }') + '\n  flow f: a container web -> a:9090', 'f');
        expect(t.disposition).toBe('DELIVERED');
        expect(t.hops.map(h => h.namespace)).toEqual(['a']);
        expect(only(stepsOf(t, 'deliver'), 'deliver').summary).toContain('sidecar');
    });

    it('TCP segments are sized by the smaller MSS of the two ends', async () => {
        const t = await traceIn(TWO_NODES('pod a 10.244.1.2 mtu 1500\n    link flannel.1 vxlan mtu 1500', 'pod c 10.244.2.2 mtu 1400') + '\n  flow f: a -> c:80', 'f');
        expect(t.flow.size).toBe(1400);
        const syn = only(stepsOf(t, 'originate'), 'originate').packet.headers.find(h => h.kind === 'tcp');
        expect(syn?.kind === 'tcp' && syn.mss).toBe(1360);
    });

    it('ICMP defaults to ping’s 84 bytes', async () => {
        const t = await traceIn(TWO_NODES() + '\n  flow f: a -> c icmp', 'f');
        expect(t.flow.size).toBe(84);
    });

    it('ipvs holds ClusterIPs on kube-ipvs0, so a ClusterIP answers ping; iptables mode does not', async () => {
        const svc = '\n  service web { clusterIP 10.96.0.10 port 80/tcp selector app=web }\n  flow f: n1 -> web icmp';
        const pods = 'pod a 10.244.1.2 labels app=web';
        const ipvs = await traceIn(TWO_NODES(pods) + svc, 'f', { header: FLANNEL_HEADER('vxlan') + '\n  proxy ipvs' });
        expect(ipvs.disposition).toBe('DELIVERED');
        expect(ipvs.hops.map(h => h.namespace)).toEqual(['n1']);
        expect(stepsOf(ipvs, 'route')[0].summary).toContain('dev kube-ipvs0');
        const iptables = await traceIn(TWO_NODES(pods) + svc, 'f');
        expect(iptables.disposition).toBe('UNDERLAY_DROP');
    });

    it('multipath: the flow hash picks one nexthop and the others are mentioned', async () => {
        const body = `
  node n1 { address 100.100.137.201 on lan podCIDR 10.244.1.0/24
    routes {
      default nexthop via 100.100.137.1 dev eth0 weight 1 nexthop via 100.100.137.202 dev eth0 weight 1
      100.100.137.0/24 dev eth0 proto kernel scope link src 100.100.137.201
    } }
  node n2 { address 100.100.137.202 on lan podCIDR 10.244.2.0/24 }
  flow f: n1 -> 9.9.9.9 icmp`;
        const t = await traceIn(body, 'f');
        expect(t.disposition).toBe('EXITS_NETWORK');
        const route = stepsOf(t, 'route')[0];
        expect(route.details?.filter(d => d.startsWith('chosen nexthop'))).toHaveLength(1);
        expect(route.details?.filter(d => d.startsWith('other nexthop'))).toHaveLength(1);
    });

    it('a declared GRE tunnel: protocol 47, +24 bytes, decapsulated by the peer’s gre device', async () => {
        const body = `
  node n1 { address 100.100.137.201 on lan podCIDR 10.244.1.0/24
    link gre1 gre local 100.100.137.201 remote 100.100.137.202 address 192.168.50.1/30 }
  node n2 { address 100.100.137.202 on lan podCIDR 10.244.2.0/24
    link gre1 gre local 100.100.137.202 remote 100.100.137.201 address 192.168.50.2/30 }
  flow f: n1 -> 192.168.50.2 icmp`;
        const t = await traceIn(body, 'f');
        expect(t.disposition).toBe('DELIVERED');
        const encap = only(stepsOf(t, 'encap'), 'encap');
        expect(ipv4(encap, 0)).toMatchObject({ protocol: 47, length: 84 + 24, dst: '100.100.137.202' });
        expect(only(stepsOf(t, 'decap'), 'decap')).toMatchObject({ hop: 'n2', outDevice: 'gre1' });
    });

    it('a declared VLAN: tagged frames reach the same VLAN id on the segment, not another', async () => {
        const body = (id2: number) => `
  node n1 { address 100.100.137.201 on lan podCIDR 10.244.1.0/24
    link eth0.10 vlan id 10 dev eth0 address 192.168.10.1/24 }
  node n2 { address 100.100.137.202 on lan podCIDR 10.244.2.0/24
    link eth0.${id2} vlan id ${id2} dev eth0 address 192.168.10.2/24 }
  flow f: n1 -> 192.168.10.2 icmp`;
        const t = await traceIn(body(10), 'f');
        expect(t.disposition).toBe('DELIVERED');
        expect(only(stepsOf(t, 'transmit'), 'transmit').summary).toContain('VLAN 10');
        expect(only(stepsOf(t, 'deliver'), 'deliver').inDevice).toBe('eth0.10');
        const other = await traceIn(body(20), 'f');
        expect(other.disposition).toBe('NEIGHBOR_UNREACHABLE');
    });
});
