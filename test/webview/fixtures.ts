/**
 * Traces written by hand from TRACE.md's seed flows (the real three-node flannel VXLAN
 * cluster: busybox3 10.244.1.2 on node01 → nginx-deployment ClusterIP 10.107.254.44:80,
 * one endpoint 10.244.2.5 on node02). Used only while the simulator cannot trace a flow;
 * `traces.ts` prefers the simulator's own output.
 */
import type { Header, Hop, Packet, Step, Trace } from '../../server/src/protocol/trace';

const ip = (src: string, dst: string, ttl: number, df: boolean, protocol: number, length: number): Header =>
    ({ kind: 'ipv4', src, dst, ttl, df, protocol, length });
const tcp = (srcPort: number, dstPort: number): Header => ({ kind: 'tcp', srcPort, dstPort, flags: 'S', mss: 1410 });
const pkt = (length: number, ...headers: Header[]): Packet => ({ headers, length });
const at = (line: number) => ({ start: { line, character: 2 }, end: { line, character: 60 } });

const SPORT = 43512;
const inner = (dst: string, ttl: number) => pkt(1450, ip('10.244.1.2', dst, ttl, true, 6, 1450), tcp(SPORT, 80));
const outer = (ttl: number) => pkt(1500,
    ip('100.100.137.201', '100.100.137.202', 64, false, 17, 1500),
    { kind: 'udp', srcPort: 51861, dstPort: 8472, length: 1480 },
    { kind: 'vxlan', vni: 1, flags: '0x08' },
    { kind: 'ethernet', src: '0a:2f:9c:11:40:01', dst: '0a:2f:9c:11:40:02' },
    ip('10.244.1.2', '10.244.2.5', ttl, true, 6, 1450), tcp(SPORT, 80));

const step = (s: Omit<Step, 'generated'> & { generated?: boolean }): Step => ({ generated: false, ...s });
const BUSYBOX3 = 'busybox3-c997b9cc4-tlvrq';
const NGINX = 'nginx-deployment-6b9d659f5f-qbchs';

export function crossNodeClusterIp(): Trace {
    const hops: Hop[] = [
        { namespace: BUSYBOX3, kind: 'pod', node: 'node01', steps: [
            step({ kind: 'originate', namespace: BUSYBOX3, outDevice: 'eth0', summary: `TCP SYN 10.244.1.2:${SPORT} → 10.107.254.44:80, source from eth0`, packet: pkt(1450, ip('10.244.1.2', '10.107.254.44', 64, true, 6, 1450), tcp(SPORT, 80)), source: at(31) }),
            step({ kind: 'route', namespace: BUSYBOX3, outDevice: 'eth0', summary: 'default via 10.244.1.1 dev eth0', decidedBy: 'default via 10.244.1.1 dev eth0', mtu: 1450, generated: true, packet: pkt(1450, ip('10.244.1.2', '10.107.254.44', 64, true, 6, 1450), tcp(SPORT, 80)), source: at(31) }),
            step({ kind: 'veth', namespace: BUSYBOX3, inDevice: 'eth0', outDevice: 'veth42779e36', summary: 'eth0 → veth42779e36 in node01', generated: true, mtu: 1450, packet: pkt(1450, ip('10.244.1.2', '10.107.254.44', 64, true, 6, 1450), tcp(SPORT, 80)), source: at(31) }),
        ] },
        { namespace: 'node01', kind: 'node', steps: [
            step({ kind: 'bridge', namespace: 'node01', inDevice: 'veth42779e36', outDevice: 'cni0', summary: 'cni0: frame to the bridge\'s own MAC, handed up to IP', generated: true, packet: pkt(1450, ip('10.244.1.2', '10.107.254.44', 64, true, 6, 1450), tcp(SPORT, 80)), source: at(21) }),
            step({ kind: 'nat', namespace: 'node01', inDevice: 'cni0', summary: 'PREROUTING: KUBE-SERVICES → KUBE-SVC-V2OKYYMBY3REGZOG → KUBE-SEP-OJMYM7U7GDUW7QJX DNAT to 10.244.2.5:80', details: [
                '-A KUBE-SERVICES -d 10.107.254.44/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-V2OKYYMBY3REGZOG',
                '-A KUBE-SVC-V2OKYYMBY3REGZOG -j KUBE-SEP-OJMYM7U7GDUW7QJX',
                '-A KUBE-SEP-OJMYM7U7GDUW7QJX -p tcp -m tcp -j DNAT --to-destination 10.244.2.5:80',
            ], decidedBy: '-A KUBE-SEP-OJMYM7U7GDUW7QJX -p tcp -m tcp -j DNAT --to-destination 10.244.2.5:80', generated: true,
            before: inner('10.107.254.44', 64), packet: inner('10.244.2.5', 64),
            changes: [{ field: 'ipv4.dst', from: '10.107.254.44', to: '10.244.2.5' }, { field: 'tcp.dstPort', from: '80', to: '80' }], source: at(39) }),
            step({ kind: 'route', namespace: 'node01', inDevice: 'cni0', outDevice: 'flannel.1', summary: '10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink', decidedBy: '10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink', mtu: 1450,
                before: inner('10.244.2.5', 64), packet: inner('10.244.2.5', 63), changes: [{ field: 'ipv4.ttl', from: '64', to: '63' }], source: at(23) }),
            step({ kind: 'encap', namespace: 'node01', inDevice: 'flannel.1', outDevice: 'ens192', summary: 'flannel.1: VXLAN VNI 1 to 100.100.137.202 (UDP 8472)', details: [
                'neigh: 10.244.2.0 dev flannel.1 lladdr 0a:2f:9c:11:40:02 PERMANENT',
                'fdb: 0a:2f:9c:11:40:02 dev flannel.1 dst 100.100.137.202 self permanent',
            ], decidedBy: 'flannel.1 vxlan id 1 dstport 8472 dev ens192', generated: true, before: inner('10.244.2.5', 63), packet: outer(63), mtu: 1450, source: at(5) }),
            step({ kind: 'route', namespace: 'node01', outDevice: 'ens192', summary: '100.100.137.0/24 dev ens192 proto kernel scope link src 100.100.137.201 metric 100', decidedBy: '100.100.137.0/24 dev ens192 proto kernel scope link src 100.100.137.201 metric 100', mtu: 1500, packet: outer(63), source: at(26) }),
        ] },
        { namespace: 'lan', kind: 'network', steps: [
            step({ kind: 'transmit', namespace: 'lan', inDevice: 'ens192', outDevice: 'ens192', summary: 'lan 100.100.137.0/24 (L2): 100.100.137.201 → 100.100.137.202 (node02 ens192)', mtu: 1500, packet: outer(63), source: at(8) }),
        ] },
        { namespace: 'node02', kind: 'node', steps: [
            step({ kind: 'decap', namespace: 'node02', inDevice: 'ens192', outDevice: 'flannel.1', summary: 'UDP 8472 to flannel.1, VNI 1 matches: outer headers stripped', generated: true, before: outer(63), packet: inner('10.244.2.5', 63), source: at(5) }),
            step({ kind: 'route', namespace: 'node02', inDevice: 'flannel.1', outDevice: 'cni0', summary: '10.244.2.0/24 dev cni0 proto kernel scope link src 10.244.2.1', decidedBy: '10.244.2.0/24 dev cni0 proto kernel scope link src 10.244.2.1', mtu: 1450, generated: true,
                before: inner('10.244.2.5', 63), packet: inner('10.244.2.5', 62), changes: [{ field: 'ipv4.ttl', from: '63', to: '62' }], source: at(30) }),
            step({ kind: 'bridge', namespace: 'node02', inDevice: 'cni0', outDevice: 'veth70cee1b2', summary: 'cni0: fdb entry for the pod\'s MAC on port veth70cee1b2', generated: true, mtu: 1450, packet: inner('10.244.2.5', 62), source: at(35) }),
            step({ kind: 'veth', namespace: 'node02', inDevice: 'veth70cee1b2', outDevice: 'eth0', summary: `veth70cee1b2 → eth0 in ${NGINX}`, generated: true, packet: inner('10.244.2.5', 62), source: at(35) }),
        ] },
        { namespace: NGINX, kind: 'pod', node: 'node02', steps: [
            step({ kind: 'deliver', namespace: NGINX, inDevice: 'eth0', summary: '10.244.2.5:80/tcp is local: delivered', packet: inner('10.244.2.5', 62), source: at(35) }),
        ] },
    ];
    return {
        flow: { name: 'cross-node-clusterip', text: `${BUSYBOX3} -> nginx-deployment:80`, source: BUSYBOX3, destination: 'nginx-deployment',
            sourceAddress: '10.244.1.2', destinationAddress: '10.107.254.44', protocol: 'tcp', destinationPort: 80, size: 1450, df: true, range: at(46) },
        disposition: 'DELIVERED', dispositionAt: `${NGINX} eth0`, dispositionReason: `a socket listens on 10.244.2.5:80 in ${NGINX}`,
        pathMtu: 1450, hops,
        alternatives: [{ description: '10.244.2.5:80 (KUBE-SEP-OJMYM7U7GDUW7QJX)', probability: 1, choice: 0, chosen: true }],
    };
}

export function tooBig(): Trace {
    const p = pkt(1451, ip('10.244.1.2', '10.244.2.5', 64, true, 1, 1451), { kind: 'icmp', type: 8, code: 0, description: 'echo request' });
    return {
        flow: { name: 'too-big', text: `${BUSYBOX3} -> ${NGINX} icmp size 1451 df`, source: BUSYBOX3, destination: NGINX,
            sourceAddress: '10.244.1.2', destinationAddress: '10.244.2.5', protocol: 'icmp', size: 1451, df: true, range: at(49) },
        disposition: 'MTU_EXCEEDED', dispositionAt: `${BUSYBOX3} eth0`,
        dispositionReason: 'message too long, mtu=1450: the 1451-byte packet has DF set and eth0 is 1450, so the send fails in the pod',
        pathMtu: 1450,
        hops: [{ namespace: BUSYBOX3, kind: 'pod', node: 'node01', steps: [
            step({ kind: 'originate', namespace: BUSYBOX3, outDevice: 'eth0', summary: 'ICMP echo request 10.244.1.2 → 10.244.2.5, 1451 bytes, DF', packet: p, source: at(49) }),
            step({ kind: 'route', namespace: BUSYBOX3, outDevice: 'eth0', summary: '10.244.0.0/16 via 10.244.1.1 dev eth0', decidedBy: '10.244.0.0/16 via 10.244.1.1 dev eth0', mtu: 1450, generated: true, packet: p, source: at(31) }),
            step({ kind: 'drop', namespace: BUSYBOX3, outDevice: 'eth0', summary: 'ping: local error: message too long, mtu=1450', mtu: 1450, generated: true, packet: p, source: at(31) }),
        ] }],
    };
}
