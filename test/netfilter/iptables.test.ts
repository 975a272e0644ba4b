import { describe, expect, it } from 'vitest';
import { cluster, load, loadExample } from '../helpers';
import { portProtoHash, endpointChainName } from '../../server/src/model/generate/kube-proxy/names';
import { chainPath, ctxFor, devAddress, hook, ip, show, tcp } from './context';

describe('chain names', () => {
    it('are the names kube-proxy gives well-known services on every real cluster', () => {
        // As iptables-save prints them on any kubeadm cluster (default/kubernetes:https, kube-dns).
        expect('KUBE-SVC-' + portProtoHash('default/kubernetes:https', 'tcp')).toBe('KUBE-SVC-NPX46M4PTMTKRN6Y');
        expect('KUBE-SVC-' + portProtoHash('kube-system/kube-dns:dns', 'udp')).toBe('KUBE-SVC-TCOU7JCQXEZGVUNU');
        expect(endpointChainName('default/web', 'tcp', '10.244.1.2:80')).toMatch(/^KUBE-SEP-[A-Z2-7]{16}$/);
        expect(endpointChainName('default/web', 'tcp', '10.244.1.2:80')).not.toBe(endpointChainName('default/web', 'tcp', '10.244.1.3:80'));
    });
});

describe('iptables mode: the seed flows', () => {
    it('DNATs busybox3 → ClusterIP 10.107.254.44:80 to 10.244.2.5:80 on node01 (KUBE-SERVICES → KUBE-SVC → KUBE-SEP)', async () => {
        const { result: { model } } = await loadExample('flannel-vxlan.knet');
        const r = hook('PREROUTING', ctxFor(model, 'node01', { inDev: 'cni0' }), tcp('10.244.1.2', '10.107.254.44', 80));
        expect(r.verdict).toBe('ACCEPT');
        expect(show(r.packet.dst)).toBe('10.244.2.5');
        expect(r.packet.dstPort).toBe(80);
        expect(r.dnat).toEqual({ to: ip('10.244.2.5'), port: 80 });
        expect(chainPath(r)).toEqual(['PREROUTING', 'KUBE-SERVICES', 'KUBE-SVC-*', 'KUBE-SEP-*']);
        expect(r.hits[1].rule).toMatch(/^-A KUBE-SERVICES -d 10\.107\.254\.44\/32 -p tcp .*--dport 80 -j KUBE-SVC-/);
        expect(r.hits[1].rule.endsWith(r.hits[2].chain)).toBe(true);
        expect(r.hits[2].rule.endsWith(r.hits[3].chain)).toBe(true);
        expect(r.hits[3].rule).toContain('-j DNAT --to-destination 10.244.2.5:80');
        // A pod source is inside the pod network: no KUBE-MARK-MASQ, so no SNAT later.
        expect(r.packet.mark).toBe(0);
        for (const h of r.hits) expect(h.by).toBe('kube-proxy');
        expect(r.hits[1].span).toBeDefined();
        expect(r.alternatives?.map(a => a.chosen)).toEqual([true]);
        const post = hook('POSTROUTING', ctxFor(model, 'node01', { outDev: 'flannel.1', outDevAddress: devAddress(model.nodeByName.get('node01')!, 'flannel.1') }), r.packet);
        expect(post.snat).toBeUndefined();
        expect(post.packet.src).toBe(ip('10.244.1.2'));
    });

    it('NodePort client → node01:31856: KUBE-NODEPORTS → KUBE-EXT → KUBE-MARK-MASQ → KUBE-SVC → KUBE-SEP, then MASQUERADE to flannel.1', async () => {
        const { result: { model } } = await loadExample('flannel-vxlan.knet');
        const node01 = model.nodeByName.get('node01')!;
        const pre = hook('PREROUTING', ctxFor(model, 'node01', { inDev: 'ens192' }), tcp('100.100.137.50', '100.100.137.201', 31856));
        expect(chainPath(pre)).toEqual(['PREROUTING', 'KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-EXT-*', 'KUBE-MARK-MASQ', 'KUBE-EXT-*', 'KUBE-SVC-*', 'KUBE-SEP-*']);
        expect(pre.hits[1].rule).toContain('--dst-type LOCAL -j KUBE-NODEPORTS');
        expect(pre.hits[2].rule).toContain('--dport 31856');
        expect(pre.hits[2].span).toBeDefined();
        expect(pre.packet.mark & 0x4000).toBe(0x4000);
        expect(show(pre.packet.dst)).toBe('10.244.2.5');
        const fwd = hook('FORWARD', ctxFor(model, 'node01', { inDev: 'ens192', outDev: 'flannel.1' }), pre.packet);
        expect(fwd.verdict).toBe('ACCEPT');
        expect(fwd.hits.map(h => h.chain)).toEqual(['FORWARD', 'KUBE-FORWARD']);
        const flannel1 = devAddress(node01, 'flannel.1');
        const post = hook('POSTROUTING', ctxFor(model, 'node01', { outDev: 'flannel.1', outDevAddress: flannel1 }), pre.packet);
        expect(show(post.packet.src)).toBe('10.244.1.0');
        expect(post.snat).toEqual({ to: flannel1, port: 40000, masquerade: true });
        expect(post.packet.mark & 0x4000).toBe(0); // --xor-mark clears it
        // flanneld leaves kube-proxy's marked packets alone; KUBE-POSTROUTING masquerades.
        expect(post.hits.map(h => h.chain)).toEqual(['POSTROUTING', 'FLANNEL-POSTRTG', 'POSTROUTING', 'KUBE-POSTROUTING', 'KUBE-POSTROUTING']);
        expect(post.hits[post.hits.length - 1].rule).toContain('-j MASQUERADE');
    });

    it('the node with the endpoint masquerades to cni0 (10.244.2.1)', async () => {
        const { result: { model } } = await loadExample('flannel-vxlan.knet');
        const pre = hook('PREROUTING', ctxFor(model, 'node02', { inDev: 'ens192' }), tcp('100.100.137.50', '100.100.137.202', 31856));
        const post = hook('POSTROUTING', ctxFor(model, 'node02', { outDev: 'cni0', outDevAddress: devAddress(model.nodeByName.get('node02')!, 'cni0') }), pre.packet);
        expect(show(post.packet.src)).toBe('10.244.2.1');
    });

    it('a node process reaching a ClusterIP is marked (! -s POD_NETWORK) and masqueraded', async () => {
        const { result: { model } } = await loadExample('flannel-vxlan.knet');
        const out = hook('OUTPUT', ctxFor(model, 'node01'), tcp('100.100.137.201', '10.107.254.44', 80));
        expect(chainPath(out)).toEqual(['OUTPUT', 'KUBE-SERVICES', 'KUBE-SVC-*', 'KUBE-MARK-MASQ', 'KUBE-SVC-*', 'KUBE-SEP-*']);
        expect(out.hits[2].rule).toContain('! -s 10.244.0.0/16 -d 10.107.254.44/32');
        expect(out.hits[2].position).toBe(1);
        expect(out.packet.mark).toBe(0x4000);
    });

    it('hairpin: a pod reaching its own service is marked in KUBE-SEP and masqueraded to the bridge address', async () => {
        const { result: { model } } = await loadExample('flannel-vxlan.knet');
        const node02 = model.nodeByName.get('node02')!;
        const pre = hook('PREROUTING', ctxFor(model, 'node02', { inDev: 'cni0', bridged: true }), tcp('10.244.2.5', '10.107.254.44', 80));
        expect(chainPath(pre)).toEqual(['PREROUTING', 'KUBE-SERVICES', 'KUBE-SVC-*', 'KUBE-SEP-*', 'KUBE-MARK-MASQ', 'KUBE-SEP-*']);
        expect(pre.hits[3].rule).toContain('-s 10.244.2.5/32');
        const post = hook('POSTROUTING', ctxFor(model, 'node02', { outDev: 'cni0', outDevAddress: devAddress(node02, 'cni0'), bridged: true }), pre.packet);
        expect(show(post.packet.src)).toBe('10.244.2.1');
        expect(show(post.packet.dst)).toBe('10.244.2.5');
    });
});

const THREE = cluster(`
  node n1 { address 100.100.137.201 on lan podCIDR 10.244.1.0/24
    pod a 10.244.1.2 labels app=web
    pod b 10.244.1.3 labels app=web
    pod client 10.244.1.9 labels app=client }
  node n2 { address 100.100.137.202 on lan podCIDR 10.244.2.0/24
    pod c 10.244.2.2 labels app=web }
  node n3 { address 100.100.137.203 on lan podCIDR 10.244.3.0/24 }
  service web { type NodePort clusterIP 10.96.0.10 port 80/tcp targetPort 8080 nodePort 30080 selector app=web }
  service sticky { clusterIP 10.96.0.12 port 80/tcp targetPort 8080 selector app=web sessionAffinity ClientIP }
  service local { type NodePort clusterIP 10.96.0.13 port 80/tcp targetPort 8080 nodePort 30081 selector app=web externalTrafficPolicy Local }
  service empty { type NodePort clusterIP 10.96.0.11 port 81/tcp nodePort 30082 selector app=nothing }`);

describe('load balancing', () => {
    it('splits three endpoints with statistic probabilities 1/3, 1/2, then unconditionally; each endpoint 1/3 overall', async () => {
        const { result: { model } } = await load(THREE);
        const r = hook('PREROUTING', ctxFor(model, 'n1'), tcp('10.244.1.9', '10.96.0.10', 80));
        expect(r.alternatives?.map(a => a.probability)).toEqual([1 / 3, 1 / 3, 1 / 3]);
        expect(r.alternatives?.map(a => a.description.split(' ')[0])).toEqual(['10.244.1.2:8080', '10.244.1.3:8080', '10.244.2.2:8080']);
        expect(r.alternatives?.map(a => a.chosen)).toEqual([true, false, false]);
        const svc = r.hits.find(h => h.chain.startsWith('KUBE-SVC-'))!;
        expect(svc.rule).toContain('--mode random --probability 0.33333333349');
        for (const [choice, prob, dst] of [[1, '--probability 0.50000000000', '10.244.1.3'], [2, undefined, '10.244.2.2']] as const) {
            const other = hook('PREROUTING', ctxFor(model, 'n1', { choice }), tcp('10.244.1.9', '10.96.0.10', 80));
            const hit = other.hits.find(h => h.chain.startsWith('KUBE-SVC-'))!;
            if (prob) expect(hit.rule).toContain(prob);
            else expect(hit.rule).not.toContain('statistic');
            expect(hit.position).toBe(choice + 2); // after the ! -s POD_NETWORK masquerade rule
            expect(show(other.packet.dst)).toBe(dst);
            expect(other.alternatives?.[choice].chosen).toBe(true);
        }
    });

    it('sessionAffinity ClientIP: one client always lands on one endpoint, the choice explained as the recent match', async () => {
        const { result: { model } } = await load(THREE);
        const dsts = new Set<number>();
        for (let i = 0; i < 5; i++) dsts.add(hook('PREROUTING', ctxFor(model, 'n1'), tcp('10.244.1.9', '10.96.0.12', 80, 40000 + i)).packet.dst);
        expect(dsts.size).toBe(1);
        const r = hook('PREROUTING', ctxFor(model, 'n1'), tcp('10.244.1.9', '10.96.0.12', 80));
        expect(r.alternatives?.every(a => a.rule?.includes('--rcheck'))).toBe(true);
        expect(r.hits.find(h => h.chain.startsWith('KUBE-SEP-') && h.rule.includes('DNAT'))?.rule).toContain('-m recent --set');
        // Different clients spread over the endpoints.
        const spread = new Set<number>();
        for (let i = 1; i < 60; i++) spread.add(hook('PREROUTING', ctxFor(model, 'n1'), tcp(`10.244.3.${i}`, '10.96.0.12', 80)).packet.dst);
        expect(spread.size).toBeGreaterThan(1);
    });
});

describe('externalTrafficPolicy Local', () => {
    it('with a local endpoint: external clients go to KUBE-SVL with this node\'s endpoints only, source kept', async () => {
        const { result: { model } } = await load(THREE);
        const r = hook('PREROUTING', ctxFor(model, 'n2'), tcp('100.100.137.50', '100.100.137.202', 30081));
        expect(chainPath(r)).toEqual(['PREROUTING', 'KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-EXT-*', 'KUBE-SVL-*', 'KUBE-SEP-*']);
        expect(show(r.packet.dst)).toBe('10.244.2.2');
        expect(r.alternatives).toHaveLength(1);
        expect(r.packet.mark).toBe(0);
    });

    it('without a local endpoint: no DNAT, then the filter table DROPs it (NO_LOCAL_ENDPOINT)', async () => {
        const { result: { model } } = await load(THREE);
        const pre = hook('PREROUTING', ctxFor(model, 'n3'), tcp('100.100.137.50', '100.100.137.203', 30081));
        expect(pre.dnat).toBeUndefined();
        const input = hook('INPUT', ctxFor(model, 'n3'), pre.packet);
        expect(input.verdict).toBe('DROP');
        expect(input.disposition).toBe('NO_LOCAL_ENDPOINT');
        expect(input.hits[input.hits.length - 1].rule).toMatch(/KUBE-EXTERNAL-SERVICES .*has no local endpoints.*--dport 30081 -j DROP/);
    });

    it('pods still reach it through KUBE-SVC (all endpoints) on a node without a local endpoint', async () => {
        const { result: { model } } = await load(THREE);
        const r = hook('PREROUTING', ctxFor(model, 'n3'), tcp('10.244.1.9', '100.100.137.203', 30081));
        expect(chainPath(r).slice(0, 5)).toEqual(['PREROUTING', 'KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-EXT-*', 'KUBE-SVC-*']);
        expect(r.hits[3].rule).toContain('pod traffic for default/local external destinations');
        expect(r.alternatives).toHaveLength(3);
    });
});

describe('no endpoints', () => {
    it('REJECTs a ClusterIP with ICMP port unreachable in filter KUBE-SERVICES (NO_ENDPOINTS)', async () => {
        const { result: { model } } = await load(THREE);
        const pre = hook('PREROUTING', ctxFor(model, 'n1'), tcp('10.244.1.9', '10.96.0.11', 81));
        expect(pre.dnat).toBeUndefined();
        const fwd = hook('FORWARD', ctxFor(model, 'n1'), pre.packet);
        expect(fwd.verdict).toBe('REJECT');
        expect(fwd.disposition).toBe('NO_ENDPOINTS');
        expect(fwd.reject).toMatchObject({ icmpType: 3, icmpCode: 3 });
        expect(fwd.hits[fwd.hits.length - 1].rule).toContain('"default/empty has no endpoints"');
    });

    it('REJECTs its NodePort in KUBE-EXTERNAL-SERVICES at INPUT', async () => {
        const { result: { model } } = await load(THREE);
        const input = hook('INPUT', ctxFor(model, 'n1'), tcp('100.100.137.50', '100.100.137.201', 30082));
        expect(input.verdict).toBe('REJECT');
        expect(input.disposition).toBe('NO_ENDPOINTS');
        expect(input.hits.map(h => h.chain)).toEqual(['INPUT', 'KUBE-EXTERNAL-SERVICES']);
    });
});

describe('masqueradeAll', () => {
    it('marks pod-sourced service traffic too', async () => {
        const { result: { model } } = await load(THREE.replace('podNetwork 10.244.0.0/16', 'podNetwork 10.244.0.0/16\n  proxy iptables masqueradeAll'));
        const r = hook('PREROUTING', ctxFor(model, 'n1'), tcp('10.244.1.9', '10.96.0.10', 80));
        expect(chainPath(r)).toEqual(['PREROUTING', 'KUBE-SERVICES', 'KUBE-SVC-*', 'KUBE-MARK-MASQ', 'KUBE-SVC-*', 'KUBE-SEP-*']);
        expect(r.hits[2].rule).not.toContain('! -s');
        expect(r.packet.mark).toBe(0x4000);
        const { result: { model: plain } } = await load(THREE);
        expect(hook('PREROUTING', ctxFor(plain, 'n1'), tcp('10.244.1.9', '10.96.0.10', 80)).packet.mark).toBe(0);
    });
});

describe('bad input', () => {
    it('never throws: unknown ports, icmp, a packet to nowhere', async () => {
        const { result: { model } } = await load(THREE);
        for (const h of ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'] as const) {
            const r = hook(h, ctxFor(model, 'n1'), { src: 0, dst: 0xffffffff, protocol: 'icmp', mark: 0 });
            expect(r.verdict).toBe('ACCEPT');
        }
    });
});

describe('endpoints as kube-proxy resolves them', () => {
    it('a named targetPort takes the container port of that name; pods without it are no endpoint', async () => {
        const { result: { model } } = await load(cluster(`
  node n1 { address 100.100.137.201 on lan podCIDR 10.244.1.0/24
    pod web 10.244.1.7 { labels app=web containers http:8080, metrics:9090 }
    pod other 10.244.1.8 { labels app=web containers metrics:9090 } }
  service web { clusterIP 10.96.0.20 port 80/tcp targetPort http selector app=web }`));
        const r = hook('PREROUTING', ctxFor(model, 'n1'), tcp('10.244.1.9', '10.96.0.20', 80));
        expect(r.dnat).toEqual({ to: ip('10.244.1.7'), port: 8080 });
        expect(r.alternatives).toHaveLength(1);
    });

    it('a hostNetwork endpoint is reached at its node address', async () => {
        const { result: { model } } = await load(cluster(`
  node n1 { address 100.100.137.201 on lan podCIDR 10.244.1.0/24
    pod agent hostNetwork labels app=agent }
  service agent { clusterIP 10.96.0.21 port 9100/tcp selector app=agent }`));
        const r = hook('PREROUTING', ctxFor(model, 'n1'), tcp('10.244.1.9', '10.96.0.21', 9100));
        expect(r.dnat).toEqual({ to: ip('100.100.137.201'), port: 9100 });
    });
});

describe('largeClusterMode', () => {
    it('past 1,000 endpoints kube-proxy leaves the comments off the endpoint rules', async () => {
        const pods = Array.from({ length: 1001 }, (_, i) => `    pod p${i} 10.244.${1 + Math.floor(i / 250)}.${(i % 250) + 2} labels app=big`).join('\n');
        const { result: { model } } = await load(cluster(`
  node n1 { address 100.100.137.201 on lan podCIDR 10.244.0.0/20
${pods} }
  service big { clusterIP 10.96.0.50 port 80/tcp selector app=big }`), false);
        const r = hook('PREROUTING', ctxFor(model, 'n1', { choice: 3 }), tcp('10.244.9.9', '10.96.0.50', 80));
        const lb = r.hits.find(h => h.chain.startsWith('KUBE-SVC-'))!;
        expect(model.services[0].endpoints.length, lb.rule).toBe(1001);
        expect(lb.rule).toMatch(/^-A KUBE-SVC-\S+ -m statistic --mode random --probability \S+ -j KUBE-SEP-\S+$/);
        const dnat = r.hits[r.hits.length - 1].rule;
        expect(dnat).toMatch(/^-A KUBE-SEP-\S+ -p tcp -m tcp -j DNAT --to-destination 10\.244\.1\.5:80$/);
        expect(r.hits.find(h => h.chain === 'KUBE-SERVICES')!.rule).toContain('--comment "default/big cluster IP"');
        expect(r.alternatives).toHaveLength(1001);
    });
});
