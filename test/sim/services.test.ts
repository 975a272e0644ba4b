/**
 * Services through the walk: each kube-proxy mode, load-balancing alternatives and choices,
 * NO_ENDPOINTS / NO_LOCAL_ENDPOINT, hostPort, masquerade on the way out, replies.
 */
import { describe, expect, it } from 'vitest';
import { CALICO_HEADER, FLANNEL_HEADER, innerIp, only, stepsOf, traceIn } from './sim-helpers';

const NODES = `
  node n1 { address 100.100.137.201 on lan podCIDR 10.244.1.0/24
    pod client-pod 10.244.1.2 labels app=client
    pod web-1 10.244.1.7 labels app=web }
  node n2 { address 100.100.137.202 on lan podCIDR 10.244.2.0/24
    pod web-2 10.244.2.7 labels app=web }
  host laptop 100.100.137.50 on lan
  service web { type NodePort clusterIP 10.96.0.80 port 80/tcp targetPort 8080 nodePort 30080 selector app=web }
  service empty { clusterIP 10.96.0.81 port 80/tcp selector app=nothing }
  service local { type NodePort clusterIP 10.96.0.82 port 80/tcp targetPort 8080 nodePort 30082 selector app=web externalTrafficPolicy Local }
`;

const deliveredAt = (t: Awaited<ReturnType<typeof traceIn>>) => t.hops[t.hops.length - 1].namespace;

describe('kube-proxy iptables', () => {
    it('two endpoints: both listed as alternatives, the trace follows one, choice follows the other', async () => {
        const flow = NODES + '\n  flow f: client-pod -> web:80';
        const t0 = await traceIn(flow, 'f');
        expect(t0.disposition).toBe('DELIVERED');
        expect(t0.alternatives).toHaveLength(2);
        expect(t0.alternatives!.filter(a => a.chosen)).toHaveLength(1);
        const other = t0.alternatives!.find(a => !a.chosen)!;
        const t1 = await traceIn(flow, 'f', { choice: other.choice });
        expect(t1.disposition).toBe('DELIVERED');
        expect(new Set([deliveredAt(t0), deliveredAt(t1)])).toEqual(new Set(['web-1', 'web-2']));
        const d = innerIp(only(stepsOf(t1, 'deliver'), 'deliver'));
        expect(d.src).toBe('10.244.1.2');
        const tcp = only(stepsOf(t1, 'deliver'), 'deliver').packet.headers.find(h => h.kind === 'tcp');
        expect(tcp).toMatchObject({ dstPort: 8080 });
    });

    it('the reply arrives back from the ClusterIP and service port', async () => {
        const t = await traceIn(NODES + '\n  flow f: client-pod -> web:80', 'f');
        const back = only(stepsOf(t.reply!, 'deliver'), 'deliver');
        expect(innerIp(back)).toMatchObject({ src: '10.96.0.80', dst: '10.244.1.2' });
        expect(back.packet.headers.find(h => h.kind === 'tcp')).toMatchObject({ srcPort: 80 });
        expect(deliveredAt(t.reply!)).toBe('client-pod');
    });

    it('NO_ENDPOINTS: the filter table REJECTs a service without endpoints', async () => {
        const t = await traceIn(NODES + '\n  flow f: client-pod -> empty:80', 'f');
        expect(t.disposition).toBe('NO_ENDPOINTS');
        expect(t.hops[t.hops.length - 1].namespace).toBe('n1');
        const drop = only(stepsOf(t, 'drop'), 'drop');
        expect(drop.packet.headers[1]).toMatchObject({ kind: 'icmp', type: 3, code: 3 });
        expect(drop.packet.headers[0]).toMatchObject({ dst: '10.244.1.2' });
        expect(t.reply).toBeUndefined();
    });

    it('NO_LOCAL_ENDPOINT: externalTrafficPolicy Local from outside to a node without an endpoint… ', async () => {
        const body = NODES.replace('pod web-1 10.244.1.7 labels app=web', 'pod other 10.244.1.7 labels app=other');
        const t = await traceIn(body + '\n  flow f: laptop -> n1:30082', 'f');
        expect(t.disposition).toBe('NO_LOCAL_ENDPOINT');
        // …while the node with one delivers, keeping the client's address (no masquerade).
        const ok = await traceIn(body + '\n  flow f: laptop -> n2:30082', 'f');
        expect(ok.disposition).toBe('DELIVERED');
        expect(innerIp(only(stepsOf(ok, 'deliver'), 'deliver')).src).toBe('100.100.137.50');
    });

    it('pod traffic leaving the pod network is masqueraded by flannel to the node address and exits', async () => {
        const t = await traceIn(NODES + '\n  flow f: client-pod -> 1.1.1.1:443', 'f');
        expect(t.disposition).toBe('EXITS_NETWORK');
        expect(t.dispositionReason).toContain('source 100.100.137.201');
        expect(stepsOf(t, 'nat').some(s => s.summary.includes('MASQUERADE'))).toBe(true);
    });

    it('Calico natOutgoing masquerades pod traffic to the outside', async () => {
        const body = `
  node n1 { address 100.100.137.201 on lan
    pod a 10.244.0.2 }
  flow f: a -> 1.1.1.1:443`;
        const t = await traceIn(body, 'f', { header: CALICO_HEADER('ipip') });
        expect(t.disposition).toBe('EXITS_NETWORK');
        expect(t.dispositionReason).toContain('source 100.100.137.201');
    });

    it('hostPort: the portmap chain CNI-HOSTPORT-DNAT sends the node port to the pod', async () => {
        const body = NODES.replace('pod web-1 10.244.1.7 labels app=web', 'pod web-1 10.244.1.7 labels app=web hostPort 8443->443');
        const t = await traceIn(body + '\n  flow f: laptop -> n1:8443', 'f');
        expect(t.disposition).toBe('DELIVERED');
        const nat = only(stepsOf(t, 'nat'), 'nat');
        expect(nat.summary).toContain('CNI-HOSTPORT-DNAT');
        expect(nat.changes).toContainEqual({ field: 'ipv4.dst', from: '100.100.137.201', to: '10.244.1.7' });
        expect(deliveredAt(t)).toBe('web-1');
        const back = only(stepsOf(t.reply!, 'deliver'), 'deliver');
        expect(innerIp(back).src).toBe('100.100.137.201');
    });
});

describe('from a node', () => {
    it('OUTPUT DNATs the node’s own connection to a ClusterIP; the reply is un-DNATed on the way in', async () => {
        const t = await traceIn(NODES + '\n  flow f: n2 -> web:80', 'f');
        expect(t.disposition).toBe('DELIVERED');
        const nat = stepsOf(t, 'nat')[0];
        expect(nat.hop).toBe('n2');
        expect(nat.summary).toMatch(/^OUTPUT: KUBE-SERVICES/);
        const back = only(stepsOf(t.reply!, 'deliver'), 'deliver');
        expect(t.reply!.disposition).toBe('DELIVERED');
        expect(innerIp(back).src).toBe('10.96.0.80');
        expect(deliveredAt(t.reply!)).toBe('n2');
    });
});

describe('cluster DNS', () => {
    it('a headless service resolves to its endpoints’ own addresses: no NAT, the answers are the alternatives', async () => {
        const body = NODES + '\n  service db { clusterIP None port 5432/tcp selector app=web }\n  flow f: client-pod -> db.default.svc.cluster.local:5432';
        const t = await traceIn(body, 'f');
        expect(t.disposition).toBe('DELIVERED');
        expect(only(stepsOf(t, 'resolve'), 'resolve').summary).toMatch(/db\.default\.svc\.cluster\.local → 10\.244\.[12]\.7/);
        expect(stepsOf(t, 'nat')).toHaveLength(0);
        expect(t.alternatives).toHaveLength(2);
        const other = await traceIn(body, 'f', { choice: 1 });
        expect(deliveredAt(other)).not.toBe(deliveredAt(t));
    });

    it('a ClusterIP service by DNS name gets a resolve step; by its declared name it does not', async () => {
        const dns = await traceIn(NODES + '\n  flow f: client-pod -> web.default.svc.cluster.local:80', 'f');
        expect(only(stepsOf(dns, 'resolve'), 'resolve').summary).toContain('→ 10.96.0.80');
        const named = await traceIn(NODES + '\n  flow f: client-pod -> web:80', 'f');
        expect(stepsOf(named, 'resolve')).toHaveLength(0);
    });
});

describe('hairpin', () => {
    it('a pod reaching itself through its service: bridged back out its own port (hairpin), masqueraded to cni0’s address', async () => {
        const body = NODES.replace('pod web-2 10.244.2.7 labels app=web', 'pod other 10.244.2.7');
        const t = await traceIn(body + '\n  flow f: web-1 -> web:80', 'f');
        expect(t.disposition).toBe('DELIVERED');
        const bridge = only(stepsOf(t, 'bridge'), 'bridge');
        expect(bridge.inDevice).toBe(bridge.outDevice);
        expect(bridge.details?.some(d => d.startsWith('hairpin'))).toBe(true);
        expect(innerIp(only(stepsOf(t, 'deliver'), 'deliver'))).toMatchObject({ src: '10.244.1.1', dst: '10.244.1.7' });
        expect(t.reply?.disposition).toBe('DELIVERED');
    });
});

describe('bridge netfilter', () => {
    it('bridge-nf-call-iptables=0: the same-node ClusterIP request is routed (TTL 63), and the bridged reply escapes conntrack', async () => {
        const body = NODES.replace('pod web-1 10.244.1.7 labels app=web', 'pod web-1 10.244.1.7 labels app=web\n    sysctl net.bridge.bridge-nf-call-iptables=0');
        const probe = await traceIn(body + '\n  flow f: client-pod -> web:80', 'f');
        const local = probe.alternatives!.find(a => a.description.includes('10.244.1.7'))!;
        const t = await traceIn(body + '\n  flow f: client-pod -> web:80', 'f', { choice: local.choice });
        expect(t.disposition).toBe('DELIVERED');
        expect(innerIp(only(stepsOf(t, 'deliver'), 'deliver')).ttl).toBe(63);
        expect(t.reply?.disposition).toBe('FILTERED');
        expect(t.reply?.dispositionReason).toContain('arrives from 10.244.1.7:8080');
        // With the kubeadm default the bridged reply is un-DNATed and accepted.
        const ok = await traceIn(NODES + '\n  flow f: client-pod -> web:80', 'f', { choice: local.choice });
        expect(ok.reply?.disposition).toBe('DELIVERED');
    });
});

describe('other kube-proxy modes', () => {
    it('nftables: the same decisions', async () => {
        const t = await traceIn(NODES + '\n  flow f: client-pod -> web:80', 'f', { header: FLANNEL_HEADER('vxlan') + '\n  proxy nftables' });
        expect(t.disposition).toBe('DELIVERED');
        expect(t.alternatives).toHaveLength(2);
        const e = await traceIn(NODES + '\n  flow f: client-pod -> empty:80', 'f', { header: FLANNEL_HEADER('vxlan') + '\n  proxy nftables' });
        expect(e.disposition).toBe('NO_ENDPOINTS');
    });

    it('ipvs: the ClusterIP is local, the virtual server DNATs at INPUT and the packet goes on to a real server', async () => {
        const t = await traceIn(NODES + '\n  flow f: client-pod -> web:80', 'f', { header: FLANNEL_HEADER('vxlan') + '\n  proxy ipvs' });
        expect(t.disposition).toBe('DELIVERED');
        const route = stepsOf(t, 'route').find(s => s.hop === 'n1')!;
        expect(route.summary).toContain('kube-ipvs0');
        const nat = stepsOf(t, 'nat').find(s => s.changes?.some(c => c.field === 'ipv4.dst'))!;
        expect(nat.summary).toMatch(/IPVS|ipvs/);
        expect(['web-1', 'web-2']).toContain(deliveredAt(t));
    });

    it('ipvs: a ClusterIP port the service does not expose finds no virtual server and no listener', async () => {
        const t = await traceIn(NODES + '\n  flow f: client-pod -> web:81', 'f', { header: FLANNEL_HEADER('vxlan') + '\n  proxy ipvs' });
        expect(t.disposition).toBe('FILTERED');
        expect(t.dispositionReason).toContain('kube-ipvs0');
    });

    it('userspace: REDIRECT to kube-proxy, which opens its own connection from the node', async () => {
        const t = await traceIn(NODES + '\n  flow f: client-pod -> web:80', 'f', { header: FLANNEL_HEADER('vxlan') + '\n  proxy userspace' });
        expect(t.disposition).toBe('DELIVERED');
        expect(stepsOf(t, 'nat')[0].summary).toContain('REDIRECT');
        const second = stepsOf(t, 'originate')[1];
        expect(second.hop).toBe('n1');
        expect(['web-1', 'web-2']).toContain(deliveredAt(t));
    });
});
