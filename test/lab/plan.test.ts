/**
 * The lab's plan and readers, without root: the commands it would run for the example
 * cluster, the capture decoder on a hand-built VXLAN frame, and ping's words.
 */
import { describe, expect, it } from 'vitest';
import { planLab, routeArgs } from '../../server/src/lab/plan';
import { ifname, labPrefix, netnsName } from '../../server/src/lab/names';
import { readPcap } from '../../server/src/lab/pcap';
import { readPing } from '../../server/src/lab/probe';
import { assertConfined } from '../../server/src/lab/shell';
import { iptablesRestore, natRuleset } from '../../server/src/lab/rules';
import { loadExample } from '../helpers';

describe('lab plan', () => {
    it('names: a prefix per file, a letter per kind, interface names cut to 15 with a hash', () => {
        const p = labPrefix('/x/a.knet');
        expect(p).toMatch(/^kn-[0-9a-f]{4}-$/);
        expect(labPrefix('/y/a.knet')).not.toBe(p);
        expect(netnsName(p, 'pod', 'default/web')).toBe(`${p}p-default_web`);
        expect(ifname('short')).toBe('short');
        const long = ifname('worker-2.example.com');
        expect(long.length).toBe(15);
        expect(ifname('worker-2.example.org')).not.toBe(long);
    });

    it('every command stays inside the lab\'s namespaces', async () => {
        const { result } = await loadExample('flannel-vxlan.knet', false);
        const plan = planLab(result.model, 'kn-test-', { brNetfilter: true });
        for (const c of plan.commands) expect(() => assertConfined(c.argv), c.argv.join(' ')).not.toThrow();
        expect(() => assertConfined(['ip', 'link', 'add', 'x', 'type', 'dummy'])).toThrow(/refusing/);
        expect(() => assertConfined(['ip', '-n', 'kn-test-n-a', 'link', 'add', 'x', 'type', 'veth', 'peer', 'name', 'y', 'netns', '1'])).toThrow(/refusing/);
        expect(() => assertConfined(['ip', 'netns', 'exec', 'other', 'sh'])).toThrow(/refusing/);
    });

    it('flannel.1 gets the MAC the other nodes\' neighbour entries name, and those entries and FDB rows are programmed', async () => {
        const { result } = await loadExample('flannel-vxlan.knet', false);
        const plan = planLab(result.model, 'kn-test-', { brNetfilter: true });
        const node02 = result.model.nodeByName.get('node02')!;
        const mac = result.model.nodeByName.get('node01')!.netns().neigh.neighbors.find(n => n.dev === 'flannel.1' && n.address === node02.podCidr!.network)!.mac;
        const text = plan.commands.map(c => c.argv.join(' '));
        expect(text).toContain(`ip -n kn-test-n-node02 link add name flannel.1 address ${mac} type vxlan id 1 dev ens192 local 100.100.137.202 dstport 8472 nolearning`);
        expect(text).toContain(`ip -n kn-test-n-node01 neigh replace 10.244.2.0 lladdr ${mac} dev flannel.1 nud permanent`);
        expect(text).toContain(`bridge -n kn-test-n-node01 fdb append ${mac} dev flannel.1 dst 100.100.137.202`);
        // node01's pasted table, line for line; gateway routes after the routes that make their next hop reachable.
        const routes = text.filter(t => t.startsWith('ip -n kn-test-n-node01 route add'));
        expect(routes.indexOf('ip -n kn-test-n-node01 route add default via 100.100.137.1 dev ens192 proto static metric 100'))
            .toBeGreaterThan(routes.indexOf('ip -n kn-test-n-node01 route add 100.100.137.0/24 dev ens192 proto kernel scope link src 100.100.137.201 metric 100'));
        expect(routes).toContain('ip -n kn-test-n-node01 route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink');
        // The pod's veth: host side in the node, eth0 moved into the pod.
        expect(text).toContain('ip -n kn-test-n-node01 link add name veth42779e36 type veth peer name eth0 netns kn-test-p-default_busybox3-c997b9cc4-tlvrq');
        // The segment: gateway on br0, nothing routed for cluster ranges.
        expect(text).toContain('ip -n kn-test-w-lan addr add 100.100.137.1/24 brd + dev br0');
        expect(text).toContain('ip -n kn-test-w-lan route add blackhole default');
        expect(plan.segments).toEqual([{ network: 'lan', ns: 'kn-test-w-lan', device: 'br0' }]);
    });

    it('Calico IPIP: tunl0 is planned, and the pods\' host sides answer ARP by proxy', async () => {
        const { result } = await loadExample('calico-ipip.knet', false);
        const plan = planLab(result.model, 'kn-test-', { brNetfilter: false });
        const text = plan.commands.map(c => c.argv.join(' '));
        expect(text.some(t => /link add name tunl0 type ipip$/.test(t))).toBe(true);
        expect(text.some(t => /proxy_arp/.test(t) && /cali[0-9a-f]{11}/.test(t))).toBe(true);
        expect(text.some(t => t.includes('bridge-nf-call-iptables'))).toBe(false);
    });

    it('route arguments are what `ip route add` takes (state flags left to the kernel)', async () => {
        const { result } = await loadExample('flannel-vxlan.knet', false);
        const docker = result.model.nodeByName.get('node01')!.netns().main.routes.find(r => r.dev === 'docker0')!;
        expect(routeArgs(docker).join(' ')).toBe('172.17.0.0/16 dev docker0 proto kernel scope link src 172.17.0.1');
    });

    it('iptables-restore input: kube-proxy and flannel chains declared before their rules, one COMMIT per table', async () => {
        const { result } = await loadExample('flannel-vxlan.knet', false);
        const text = iptablesRestore(result.model, result.model.nodeByName.get('node01')!);
        expect(text.match(/^COMMIT$/gm)).toHaveLength(2);
        const lines = text.split('\n');
        for (const chain of ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ', 'FLANNEL-POSTRTG']) {
            const decl = lines.indexOf(`:${chain} - [0:0]`);
            expect(decl, chain).toBeGreaterThan(0);
            expect(lines.findIndex(l => l.startsWith(`-A ${chain} `)), chain).toBeGreaterThan(decl);
        }
        expect(text).toContain('-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS');
        expect(text).toContain('-j DNAT --to-destination 10.244.2.5:80');
        // In iptables mode the lab loads netfilter's own export: the same rules.
        const rules = (t: string) => t.split('\n').filter(l => l.startsWith('-A ')).sort();
        expect(rules(natRuleset(result.model).forNode!(result.model.nodeByName.get('node01')!))).toEqual(rules(text));
    });
});

describe('lab readers', () => {
    it('decodes a VXLAN frame captured on the underlay: outer addresses, port, VNI, TTLs, DF', () => {
        const inner = ipv4('10.244.1.2', '10.244.2.5', 63, true, 1, Buffer.from([8, 0, 0, 0, 0, 1, 0, 1]));
        const innerEth = Buffer.concat([Buffer.alloc(12, 0xaa), Buffer.from([0x08, 0x00]), inner]);
        const vxlan = Buffer.from([0x08, 0, 0, 0, 0, 0, 1, 0]);
        const udp = Buffer.alloc(8);
        udp.writeUInt16BE(40000, 0); udp.writeUInt16BE(8472, 2); udp.writeUInt16BE(8 + vxlan.length + innerEth.length, 4);
        const outer = ipv4('100.100.137.201', '100.100.137.202', 64, false, 17, Buffer.concat([udp, vxlan, innerEth]));
        const frame = Buffer.concat([Buffer.alloc(12, 0xbb), Buffer.from([0x08, 0x00]), outer]);
        const packets = readPcap(pcap(1, [frame]), new Set([8472]));
        expect(packets).toHaveLength(1);
        expect(packets[0].ip).toMatchObject({ src: '10.244.1.2', dst: '10.244.2.5', ttl: 63, df: true });
        expect(packets[0].l4).toMatchObject({ kind: 'icmp', icmpType: 8 });
        expect(packets[0].outer).toMatchObject({ kind: 'vxlan', udpDstPort: 8472, vni: 1, ip: { src: '100.100.137.201', dst: '100.100.137.202', ttl: 64, df: false } });
        // The same datagram on a port not known as VXLAN stays plain UDP.
        const plain = readPcap(pcap(1, [frame]), new Set([4789]))[0];
        expect(plain.l4).toMatchObject({ kind: 'udp', dstPort: 8472 });
        expect(plain.outer).toBeUndefined();
        // Linux cooked v2 (tcpdump -i any).
        const sll2 = Buffer.concat([Buffer.from([0x08, 0x00]), Buffer.alloc(18), inner]);
        expect(readPcap(pcap(276, [sll2]), new Set())[0].ip.src).toBe('10.244.1.2');
    });

    it('reads ping: a reply, a local refusal, frag-needed from a hop', () => {
        expect(readPing({ code: 0, stderr: '', stdout: '64 bytes from 10.244.2.5: icmp_seq=1 ttl=62 time=0.1 ms\n1 packets transmitted, 1 received, 0% packet loss' }).replied).toBe(true);
        expect(readPing({ code: 1, stdout: '', stderr: 'ping: local error: message too long, mtu=1450\n' }).mtuRefused).toEqual({ where: 'local', mtu: 1450 });
        const frag = readPing({ code: 1, stderr: '', stdout: 'From 10.244.1.1 icmp_seq=1 Frag needed and DF set (mtu = 1450)\n1 packets transmitted, 0 received, +1 errors' });
        expect(frag).toMatchObject({ replied: false, mtuRefused: { where: 'icmp', mtu: 1450, from: '10.244.1.1' } });
    });
});

function ipv4(src: string, dst: string, ttl: number, df: boolean, protocol: number, payload: Buffer): Buffer {
    const h = Buffer.alloc(20);
    h[0] = 0x45; h.writeUInt16BE(20 + payload.length, 2); h.writeUInt16BE(df ? 0x4000 : 0, 6); h[8] = ttl; h[9] = protocol;
    src.split('.').forEach((o, i) => { h[12 + i] = Number(o); });
    dst.split('.').forEach((o, i) => { h[16 + i] = Number(o); });
    return Buffer.concat([h, payload]);
}

function pcap(linkType: number, frames: Buffer[]): Buffer {
    const g = Buffer.alloc(24);
    g.writeUInt32LE(0xa1b2c3d4, 0); g.writeUInt16LE(2, 4); g.writeUInt16LE(4, 6); g.writeUInt32LE(65535, 16); g.writeUInt32LE(linkType, 20);
    const parts: Buffer[] = [g];
    for (const f of frames) {
        const h = Buffer.alloc(16);
        h.writeUInt32LE(f.length, 8); h.writeUInt32LE(f.length, 12);
        parts.push(h, f);
    }
    return Buffer.concat(parts);
}
