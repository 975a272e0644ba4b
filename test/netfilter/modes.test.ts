import { describe, expect, it } from 'vitest';
import { cluster, load, loadExample, readExample } from '../helpers';
import { conntrackEntry, ipvsLocalAddresses, nodeRuleset, reverseNat, serviceRules } from '../../server/src/sim/netfilter';
import { ctxFor, devAddress, hook, ip, show, tcp } from './context';

const BODY = `
  node n1 { address 100.100.137.201 on lan podCIDR 10.244.1.0/24
    pod a 10.244.1.2 labels app=web
    pod client 10.244.1.9 labels app=client }
  node n2 { address 100.100.137.202 on lan podCIDR 10.244.2.0/24
    pod b 10.244.2.2 labels app=web
    pod c 10.244.2.3 labels app=web }
  service web { type NodePort clusterIP 10.96.0.10 port 80/tcp targetPort 8080 nodePort 30080 selector app=web }
  service empty { clusterIP 10.96.0.11 port 81/tcp selector app=nothing }
  host outside 8.8.8.8`;

const withProxy = (proxy: string, cni = 'cni flannel vxlan') => cluster(BODY, `
  podNetwork 10.244.0.0/16
  serviceNetwork 10.96.0.0/12
  ${cni}
  proxy ${proxy}
  network lan 100.100.137.0/24 { mtu 1500 gateway 100.100.137.1 }`);

describe('nftables mode', () => {
    it('makes the same decision and reports nft rules: service-ips verdict map, numgen vmap, dnat', async () => {
        const { result: { model } } = await load(withProxy('nftables'));
        const r = hook('PREROUTING', ctxFor(model, 'n1', { choice: 1 }), tcp('10.244.1.9', '10.96.0.10', 80));
        expect(show(r.packet.dst)).toBe('10.244.2.2');
        const chains = r.hits.map(h => h.chain);
        expect(chains[0]).toBe('nat-prerouting');
        expect(chains[1]).toBe('services');
        expect(chains[2]).toMatch(/^service-[A-Z2-7]{8}-default\/web\/tcp\/$/);
        expect(chains[3]).toMatch(/^endpoint-[A-Z2-7]{8}-default\/web\/tcp\/__10\.244\.2\.2\/8080$/);
        expect(r.hits[1].rule).toContain('vmap @service-ips');
        expect(r.hits[1].rule).toContain('10.96.0.10 . tcp . 80');
        expect(r.hits[2].rule).toMatch(/^numgen random mod 3 vmap \{ 0 : goto endpoint-\S+ , 1 : goto endpoint-\S+ , 2 : goto endpoint-\S+ \}$/);
        expect(r.hits[3].rule).toBe('meta l4proto tcp dnat to 10.244.2.2:8080');
        expect(r.hits.some(h => h.rule.startsWith('-A '))).toBe(false);
        expect(r.alternatives?.map(a => a.probability)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    });

    it('rejects a service without endpoints through the no-endpoint-services map', async () => {
        const { result: { model } } = await load(withProxy('nftables'));
        const r = hook('OUTPUT', ctxFor(model, 'n1'), tcp('100.100.137.201', '10.96.0.11', 81));
        expect(r.verdict).toBe('REJECT');
        expect(r.disposition).toBe('NO_ENDPOINTS');
        expect(r.hits[r.hits.length - 1].rule).toContain('@no-endpoint-services');
    });

    it('cluster-ips-check: a ClusterIP on a port it does not serve is rejected, an unallocated one dropped', async () => {
        const { result: { model } } = await load(withProxy('nftables'));
        const ping = hook('FORWARD', ctxFor(model, 'n1'), { src: ip('10.244.1.9'), dst: ip('10.96.0.10'), protocol: 'icmp', mark: 0 });
        expect(ping.verdict).toBe('REJECT');
        expect(ping.hits.map(h => h.rule)).toEqual(['ct state new jump cluster-ips-check', 'ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"']);
        const unallocated = hook('OUTPUT', ctxFor(model, 'n1'), tcp('100.100.137.201', '10.96.0.99', 80));
        expect(unallocated.verdict).toBe('DROP');
        expect(unallocated.hits[unallocated.hits.length - 1].rule).toBe('ip daddr 10.96.0.0/12 drop comment "Drop traffic to unallocated ClusterIPs"');
        // iptables mode has no such check: the packet goes on (to the default route).
        const { result: { model: ipt } } = await load(withProxy('iptables'));
        expect(hook('FORWARD', ctxFor(ipt, 'n1'), { src: ip('10.244.1.9'), dst: ip('10.96.0.10'), protocol: 'icmp', mark: 0 }).verdict).toBe('ACCEPT');
        // DNATed traffic passes both kube-proxy's table and flannel's iptables FORWARD accept.
        const dnat = hook('PREROUTING', ctxFor(model, 'n1'), tcp('10.244.1.9', '10.96.0.10', 80));
        const fwd = hook('FORWARD', ctxFor(model, 'n1'), dnat.packet);
        expect(fwd.verdict).toBe('ACCEPT');
        expect(fwd.hits.map(h => h.chain)).toEqual(['FORWARD', 'FLANNEL-FWD']);
    });

    it('answers NodePorts on the node\'s primary address only (nodeport-ips), iptables on every local address', async () => {
        const { result: { model } } = await load(withProxy('nftables'));
        const cni0 = devAddress(model.nodeByName.get('n1')!, 'cni0');
        const onNic = hook('PREROUTING', ctxFor(model, 'n1'), tcp('100.100.137.50', '100.100.137.201', 30080));
        expect(onNic.hits[1].rule).toContain('ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports');
        expect(onNic.dnat).toBeDefined();
        expect(hook('PREROUTING', ctxFor(model, 'n1'), { ...tcp('10.244.1.9', '0.0.0.0', 30080), dst: cni0 }).dnat).toBeUndefined();
        const { result: { model: ipt } } = await load(withProxy('iptables'));
        expect(hook('PREROUTING', ctxFor(ipt, 'n1'), { ...tcp('10.244.1.9', '0.0.0.0', 30080), dst: cni0 }).dnat).toBeDefined();
        expect(nodeRuleset(model, model.nodeByName.get('n1')!)).toMatch(/set nodeport-ips \{[^}]*elements = \{ 100\.100\.137\.201 \}/);
    });

    it('lists the kube-proxy table as nft prints it', async () => {
        const { result: { model } } = await load(withProxy('nftables'));
        const text = nodeRuleset(model, model.nodeByName.get('n1')!);
        expect(text).toContain('table ip kube-proxy {');
        expect(text).toMatch(/map service-ips \{[^}]*elements = \{ 10\.96\.0\.10 \. tcp \. 80 : goto service-/);
        expect(text).toMatch(/chain nat-prerouting \{\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n\t\tjump services\n\t\}/);
        expect(text).toMatch(/map no-endpoint-services \{[^}]*10\.96\.0\.11 \. tcp \. 81 comment "default\/empty" : goto reject-chain/);
        expect(text).toContain('numgen random mod 3 vmap');
    });
});

describe('ipvs mode', () => {
    it('puts every ClusterIP on kube-ipvs0 (local), not in iptables mode', async () => {
        const { result: { model } } = await load(withProxy('ipvs'));
        expect([...ipvsLocalAddresses(model)].map(show)).toEqual(['10.96.0.10', '10.96.0.11']);
        const { result: { model: ipt } } = await load(withProxy('iptables'));
        expect(ipvsLocalAddresses(ipt).size).toBe(0);
    });

    it('leaves PREROUTING without DNAT; the virtual server picks a real server at INPUT (rr: the first)', async () => {
        const { result: { model } } = await load(withProxy('ipvs'));
        const pre = hook('PREROUTING', ctxFor(model, 'n1'), tcp('10.244.1.9', '10.96.0.10', 80));
        expect(pre.dnat).toBeUndefined();
        expect(pre.hits[pre.hits.length - 1].rule).toContain('--match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT');
        const input = hook('INPUT', ctxFor(model, 'n1'), pre.packet);
        expect(input.ipvs).toEqual({ virtualServer: 'TCP  10.96.0.10:80 rr', scheduler: 'rr', realServer: '10.244.1.2:8080' });
        expect(show(input.packet.dst)).toBe('10.244.1.2');
        expect(input.hits.map(h => h.table)).toContain('ipvs');
        expect(input.alternatives?.every(a => a.rule?.startsWith('rr (round robin)'))).toBe(true);
        expect(input.alternatives?.map(a => a.chosen)).toEqual([true, false, false]);
    });

    it('sh: the source address picks the real server, the same for one client every time', async () => {
        const { result: { model } } = await load(withProxy('ipvs scheduler sh'));
        const pick = (src: string) => hook('INPUT', ctxFor(model, 'n1'), tcp(src, '10.96.0.10', 80)).ipvs?.realServer;
        expect(pick('10.244.1.9')).toBe(pick('10.244.1.9'));
        const seen = new Set<string | undefined>();
        for (let i = 1; i < 40; i++) seen.add(pick(`10.244.3.${i}`));
        expect(seen.size).toBeGreaterThan(1);
        expect(hook('INPUT', ctxFor(model, 'n1'), tcp('10.244.1.9', '10.96.0.10', 80)).ipvs?.scheduler).toBe('sh');
    });

    it('masquerades node-sourced ClusterIP traffic via ipsets and answers port unreachable without real servers', async () => {
        const { result: { model } } = await load(withProxy('ipvs'));
        const out = hook('OUTPUT', ctxFor(model, 'n1'), tcp('100.100.137.201', '10.96.0.10', 80));
        expect(out.packet.mark).toBe(0x4000);
        expect(out.hits.some(h => h.rule.includes('! -s 10.244.0.0/16') && h.rule.includes('KUBE-CLUSTER-IP'))).toBe(true);
        const none = hook('INPUT', ctxFor(model, 'n1'), tcp('10.244.1.9', '10.96.0.11', 81));
        expect(none.verdict).toBe('REJECT');
        expect(none.disposition).toBe('NO_ENDPOINTS');
    });

    it('prints kube-ipvs0, ipvsadm -Ln and the ipsets', async () => {
        const { result: { model } } = await load(withProxy('ipvs scheduler lc'));
        const text = nodeRuleset(model, model.nodeByName.get('n1')!);
        expect(text).toContain('inet 10.96.0.10/32 scope global kube-ipvs0');
        expect(text).toMatch(/TCP {2}10\.96\.0\.10:80 lc\n {2}-> 10\.244\.1\.2:8080 +Masq/);
        expect(text).toContain('TCP  100.100.137.201:30080 lc');
        expect(text).toMatch(/Name: KUBE-CLUSTER-IP\n[^]*?Members:\n10\.96\.0\.10,tcp:80/);
        expect(text).toContain('-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT');
    });
});

describe('userspace mode', () => {
    it('REDIRECTs to a kube-proxy port, which connects to an endpoint', async () => {
        const { result: { model } } = await load(withProxy('userspace'));
        const r = hook('PREROUTING', ctxFor(model, 'n1', { inDev: 'cni0' }), tcp('10.244.1.9', '10.96.0.10', 80));
        expect(r.hits[1].chain).toBe('KUBE-PORTALS-CONTAINER');
        expect(r.hits[1].rule).toMatch(/-d 10\.96\.0\.10\/32 -p tcp .* --dport 80 -j REDIRECT --to-ports (\d+)$/);
        const port = Number(/--to-ports (\d+)$/.exec(r.hits[1].rule)![1]);
        expect(r.redirectedToProxy).toEqual({ port, endpoint: ip('10.244.1.2'), endpointPort: 8080 });
        expect(r.packet.dstPort).toBe(port);
        expect(show(r.packet.dst)).toBe('10.244.1.1'); // cni0's address: REDIRECT goes to the incoming device
        const other = hook('PREROUTING', ctxFor(model, 'n1', { inDev: 'cni0', choice: 2 }), tcp('10.244.1.9', '10.96.0.10', 80));
        expect(other.redirectedToProxy?.endpoint).toBe(ip('10.244.2.3'));
        const host = hook('OUTPUT', ctxFor(model, 'n1'), tcp('100.100.137.201', '10.96.0.10', 80));
        expect(host.hits[1].chain).toBe('KUBE-PORTALS-HOST');
        expect(host.hits[1].rule).toContain(`-j DNAT --to-destination 100.100.137.201:${port}`);
        expect(host.redirectedToProxy?.port).toBe(port);
    });
});

describe('CNI masquerade', () => {
    it('flannel ipMasq: pod → outside is masqueraded to the node address, pod → pod is not', async () => {
        const { result: { model } } = await load(withProxy('iptables'));
        const n1 = model.nodeByName.get('n1')!;
        const ctx = ctxFor(model, 'n1', { outDev: 'eth0', outDevAddress: ip('100.100.137.201') });
        const out = hook('POSTROUTING', ctx, tcp('10.244.1.9', '8.8.8.8', 443));
        expect(show(out.packet.src)).toBe('100.100.137.201');
        expect(out.hits[out.hits.length - 1]).toMatchObject({ chain: 'FLANNEL-POSTRTG', by: 'flannel' });
        expect(out.hits[out.hits.length - 1].rule).toContain('-s 10.244.0.0/16 ! -d 224.0.0.0/4');
        expect(out.hits[out.hits.length - 1].span).toBeDefined();
        const inside = hook('POSTROUTING', ctxFor(model, 'n1', { outDev: 'flannel.1', outDevAddress: devAddress(n1, 'flannel.1') }), tcp('10.244.1.9', '10.244.2.2', 8080));
        expect(inside.snat).toBeUndefined();
        const multicast = hook('POSTROUTING', ctx, tcp('10.244.1.9', '239.1.1.1', 5000));
        expect(multicast.snat).toBeUndefined();
        const off = await load(withProxy('iptables', 'cni flannel vxlan { ipMasq false }'));
        expect(hook('POSTROUTING', ctxFor(off.result.model, 'n1', { outDev: 'eth0', outDevAddress: ip('100.100.137.201') }), tcp('10.244.1.9', '8.8.8.8', 443)).snat).toBeUndefined();
        expect(hook('FORWARD', ctxFor(model, 'n1'), tcp('10.244.1.9', '8.8.8.8', 443)).hits.map(h => h.chain)).toEqual(['FORWARD', 'FLANNEL-FWD']);
    });

    it('Calico natOutgoing: pool → outside masqueraded by cali-nat-outgoing, off when natOutgoing false', async () => {
        const { result: { model } } = await loadExample('calico-ipip.knet');
        const ctx = ctxFor(model, 'node01', { outDev: 'ens192', outDevAddress: ip('100.100.137.201') });
        const out = hook('POSTROUTING', ctx, tcp('10.244.196.131', '8.8.8.8', 443));
        expect(show(out.packet.src)).toBe('100.100.137.201');
        expect(out.hits.map(h => h.chain)).toEqual(['POSTROUTING', 'cali-POSTROUTING', 'cali-nat-outgoing']);
        expect(out.hits[2].rule).toContain('--match-set cali40masq-ipam-pools src -m set ! --match-set cali40all-ipam-pools dst -j MASQUERADE');
        expect(out.hits[2].by).toBe('calico');
        expect(hook('POSTROUTING', ctx, tcp('10.244.196.131', '10.244.140.66', 80)).snat).toBeUndefined();
        const text = readExample('calico-ipip.knet').replace('ipipMode Always }', 'ipipMode Always natOutgoing false }');
        const off = await load(text);
        expect(hook('POSTROUTING', ctxFor(off.result.model, 'node01', { outDev: 'ens192', outDevAddress: ip('100.100.137.201') }), tcp('10.244.196.131', '8.8.8.8', 443)).snat).toBeUndefined();
    });
});

describe('conntrack', () => {
    it('reverses DNAT and MASQUERADE for the reply: from the ClusterIP back to the client', async () => {
        const { result: { model } } = await loadExample('flannel-vxlan.knet');
        const original = tcp('100.100.137.50', '100.100.137.201', 31856);
        const pre = hook('PREROUTING', ctxFor(model, 'node01'), original);
        const post = hook('POSTROUTING', ctxFor(model, 'node01', { outDev: 'flannel.1' }), pre.packet);
        expect(show(post.packet.src)).toBe('10.244.1.0'); // flannel.1's address, found without outDevAddress
        const entry = conntrackEntry('node01', original, post.packet);
        const reply = { src: ip('10.244.2.5'), dst: ip('10.244.1.0'), protocol: 'tcp' as const, srcPort: 80, dstPort: 40000, mark: 0 };
        const back = reverseNat(entry, reply)!;
        expect(show(back.src)).toBe('100.100.137.201');
        expect(back.srcPort).toBe(31856);
        expect(show(back.dst)).toBe('100.100.137.50');
        expect(reverseNat(entry, { ...reply, srcPort: 81 })).toBeUndefined();
    });
});

describe('serviceRules (hovers)', () => {
    it('gives one service\'s chains in the proxy mode\'s own syntax', async () => {
        for (const [proxy, expected, absent] of [
            ['iptables', /-A KUBE-SERVICES -d 10\.96\.0\.10\/32 [^\n]*\n(?:.*\n)*-A KUBE-SEP-[A-Z2-7]{16} -p tcp [^\n]*DNAT --to-destination 10\.244\.2\.3:8080/, '10.96.0.11'],
            ['nftables', /chain service-[^\n]*\n\tip daddr 10\.96\.0\.10 ip saddr != 10\.244\.0\.0\/16 jump mark-for-masquerade\n\tnumgen random mod 3 vmap/, '-A '],
            ['ipvs', /TCP {2}10\.96\.0\.10:80 rr\n {2}-> 10\.244\.1\.2:8080/, 'KUBE-'],
            ['userspace', /-A KUBE-PORTALS-CONTAINER -d 10\.96\.0\.10\/32 .*REDIRECT --to-ports \d+/, '10.96.0.11'],
        ] as const) {
            const { result: { model } } = await load(withProxy(proxy));
            const text = serviceRules(model, model.serviceByKey.get('default/web')!, model.nodeByName.get('n1')!);
            expect(text, proxy).toMatch(expected);
            expect(text, proxy).not.toContain(absent);
        }
    });
});

describe('more edges', () => {
    it('positions reported for hits are the rule numbers in the printed chain', async () => {
        const { result: { model } } = await load(withProxy('iptables').replace('  host outside', `  service second { clusterIP 10.96.0.30 port 443/tcp targetPort 8443 selector app=web }
  service third { clusterIP 10.96.0.31 port 53/udp selector app=web }
  host outside`));
        const text = nodeRuleset(model, model.nodeByName.get('n1')!, { table: 'nat' });
        const services = text.split('\n').filter(l => l.startsWith('-A KUBE-SERVICES '));
        for (const [vip, port, proto] of [['10.96.0.10', 80, 'tcp'], ['10.96.0.30', 443, 'tcp'], ['10.96.0.31', 53, 'udp']] as const) {
            const r = hook('PREROUTING', ctxFor(model, 'n1'), { ...tcp('10.244.1.9', vip, port), protocol: proto });
            const hit = r.hits.find(h => h.chain === 'KUBE-SERVICES')!;
            expect(services[hit.position! - 1]).toBe(hit.rule);
        }
        const np = hook('PREROUTING', ctxFor(model, 'n1'), tcp('100.100.137.50', '100.100.137.201', 30080));
        const last = np.hits.find(h => h.chain === 'KUBE-SERVICES')!;
        expect(last.position).toBe(services.length);
        expect(services[services.length - 1]).toBe(last.rule);
    });

    it('ipvs, externalTrafficPolicy Local: a node without a local real server answers port unreachable (NO_LOCAL_ENDPOINT)', async () => {
        const { result: { model } } = await load(withProxy('ipvs').replace('selector app=web }', 'selector app=web externalTrafficPolicy Local }'));
        const onN1 = hook('INPUT', ctxFor(model, 'n1'), tcp('100.100.137.50', '100.100.137.201', 30080));
        expect(onN1.ipvs?.realServer).toBe('10.244.1.2:8080'); // n1's own endpoint only
        expect(onN1.alternatives).toHaveLength(1);
        const { result: { model: m2 } } = await load(withProxy('ipvs').replace('selector app=web }', 'selector app=web externalTrafficPolicy Local }').replace('pod a 10.244.1.2 labels app=web', ''));
        const none = hook('INPUT', ctxFor(m2, 'n1'), tcp('100.100.137.50', '100.100.137.201', 30080));
        expect(none.verdict).toBe('REJECT');
        expect(none.disposition).toBe('NO_LOCAL_ENDPOINT');
        const pre = hook('PREROUTING', ctxFor(m2, 'n1'), tcp('100.100.137.50', '100.100.137.201', 30080));
        expect(pre.packet.mark).toBe(0); // KUBE-NODE-PORT-LOCAL-TCP: RETURN, the client address is kept
    });

    it('userspace: a service without endpoints is closed by kube-proxy (NO_ENDPOINTS)', async () => {
        const { result: { model } } = await load(withProxy('userspace'));
        const r = hook('PREROUTING', ctxFor(model, 'n1', { inDev: 'cni0' }), tcp('10.244.1.9', '10.96.0.11', 81));
        expect(r.verdict).toBe('DROP');
        expect(r.disposition).toBe('NO_ENDPOINTS');
        expect(r.hits[r.hits.length - 1].rule).toContain('closes the connection');
    });

    it('Calico: the node\'s own traffic leaving by tunl0 is masqueraded to tunl0\'s address', async () => {
        const { result: { model } } = await loadExample('calico-ipip.knet');
        const node01 = model.nodeByName.get('node01')!;
        const tunl0 = devAddress(node01, 'tunl0');
        const r = hook('POSTROUTING', ctxFor(model, 'node01', { outDev: 'tunl0', outDevAddress: tunl0 }), tcp('100.100.137.201', '10.244.140.66', 80));
        expect(r.packet.src).toBe(tunl0);
        expect(r.hits[r.hits.length - 1].rule).toMatch(/^-A cali-POSTROUTING -o tunl0 .*-j MASQUERADE/);
        const fromTunnel = hook('POSTROUTING', ctxFor(model, 'node01', { outDev: 'tunl0', outDevAddress: tunl0 }), { ...tcp('0.0.0.0', '10.244.140.66', 80), src: tunl0 });
        expect(fromTunnel.snat).toBeUndefined();
    });
});
