import { describe, expect, it } from 'vitest';
import type { Header, Trace } from '../../server/src/protocol/trace';
import { isFromWebview, isToWebview } from '../../server/src/protocol/messages';
import { contentSecurityPolicy, panelHtml } from '../../webview/src/html';
import {
    clampRow, describeChanges, laneLabel, diffPackets, headerLabel, isEncapsulated, layoutTrace, nestPacket, packetOutline,
} from '../../webview/src/layout';
import { crossNodeClusterIp, tooBig } from './fixtures';
import { crossNodeClusterIpTrace, exampleTrace, exampleTraceWith } from './traces';

const names = (t: Trace, reply = false) => layoutTrace(t, reply).lanes.map(l => l.namespace);

describe('lanes and step order', () => {
    it('puts the seed ClusterIP flow in lanes busybox3, node01, lan, node02, nginx, in path order', async () => {
        const trace = await crossNodeClusterIpTrace();
        const layout = layoutTrace(trace, false);
        expect(layout.lanes.map(l => [l.namespace.split('-')[0], l.kind])).toEqual([
            ['busybox3', 'pod'], ['node01', 'node'], ['lan', 'network'], ['node02', 'node'], ['nginx', 'pod'],
        ]);
        // Every step appears once, in the trace's order, in the lane of its hop.
        const flat = trace.hops.flatMap(h => h.steps);
        expect(layout.rows.map(r => r.step)).toEqual(flat);
        layout.rows.forEach((r, i) => {
            expect(r.index).toBe(i);
            expect(layout.lanes[r.lane].namespace).toBe(trace.hops[r.hopIndex].namespace);
        });
        expect(layout.rows.filter(r => r.firstInHop)).toHaveLength(trace.hops.length);
        expect(layout.endings).toEqual([expect.objectContaining({ path: 'forward', disposition: 'DELIVERED', success: true, afterRow: flat.length - 1 })]);
    });

    it('lays out a real simulator trace across the VXLAN overlay (pod to pod, node01 to node02)', async () => {
        const t = await exampleTraceWith('flannel-vxlan.knet', 'flow pod-to-pod: busybox3-c997b9cc4-tlvrq -> nginx-deployment-6b9d659f5f-qbchs:80', 'pod-to-pod');
        expect(t.disposition).toBe('DELIVERED');
        const layout = layoutTrace(t, false);
        expect(layout.lanes.map(l => l.namespace)).toEqual(['busybox3-c997b9cc4-tlvrq', 'node01', 'lan', 'node02', 'nginx-deployment-6b9d659f5f-qbchs']);
        const kinds = layout.rows.map(r => r.step.kind);
        expect(kinds.indexOf('encap')).toBeGreaterThan(0);
        expect(kinds.indexOf('decap')).toBeGreaterThan(kinds.indexOf('encap'));
        // The rows inside the tunnel are the ones whose packet carries the outer headers.
        const tunnel = layout.rows.filter(r => r.inTunnel).map(r => r.step.kind);
        expect(tunnel[0]).toBe('encap');
        expect(tunnel).toContain('transmit');
        expect(layout.rows.find(r => r.step.kind === 'transmit')!.lane).toBe(2);
    });

    it('ends a failing real trace with its disposition in the lane where it happened', async () => {
        const t = await exampleTrace('flannel-vxlan.knet', 'too-big');
        const layout = layoutTrace(t, false);
        expect(layout.endings).toHaveLength(1);
        expect(layout.endings[0]).toMatchObject({ disposition: 'MTU_EXCEEDED', success: false, lane: 0 });
        expect(layout.lanes.map(l => l.namespace)).toEqual(['busybox3-c997b9cc4-tlvrq']);
    });

    it('appends the reply path after the forward one, reusing the lanes it revisits', async () => {
        const t = await exampleTraceWith('flannel-vxlan.knet', 'flow pod-to-pod: busybox3-c997b9cc4-tlvrq -> nginx-deployment-6b9d659f5f-qbchs:80', 'pod-to-pod');
        if (!t.reply) throw new Error('the simulator gave no reply for a delivered flow');
        const fwd = layoutTrace(t, false), both = layoutTrace(t, true);
        expect(both.lanes.map(l => l.namespace)).toEqual(fwd.lanes.map(l => l.namespace));
        const replyRows = both.rows.filter(r => r.path === 'reply');
        expect(replyRows.length).toBe(t.reply.hops.flatMap(h => h.steps).length);
        expect(replyRows[0].index).toBe(fwd.rows.length);
        expect(both.rows[replyRows[0].index].lane).toBe(fwd.lanes.length - 1);
        expect(both.endings.map(e => e.path)).toEqual(['forward', 'reply']);
    });

    it('keeps a pod and a host of the same name in separate lanes', () => {
        const t = tooBig();
        t.hops.push({ namespace: t.hops[0].namespace, kind: 'host', steps: [{ ...t.hops[0].steps[0], kind: 'deliver' }] });
        expect(layoutTrace(t, false).lanes.map(l => l.key)).toEqual([`pod:${t.hops[0].namespace}`, `host:${t.hops[0].namespace}`]);
    });

    it('clamps a remembered selection to the rows there are', () => {
        const layout = layoutTrace(tooBig(), false);
        expect(clampRow(99, layout)).toBe(layout.rows.length - 1);
        expect(clampRow(-3, layout)).toBe(0);
        expect(clampRow(Number.NaN, layout)).toBe(0);
        expect(clampRow(0, { lanes: [], rows: [], endings: [] })).toBe(-1);
    });

    it('draws the packet again only where its outline changed', async () => {
        const layout = layoutTrace(await crossNodeClusterIpTrace(), false);
        const drawn = layout.rows.filter(r => r.packetChanged).map(r => r.step.kind);
        // originate, the DNAT, the encapsulation, the decapsulation: TTL alone is not an outline change.
        expect(drawn).toEqual(['originate', 'nat', 'encap', 'decap']);
    });
});

describe('header boxes', () => {
    const vxlanStack = (t: Trace) => t.hops.flatMap(h => h.steps).find(s => s.kind === 'encap')!.packet.headers;

    it('nests the inner packet inside the outer IPv4 / UDP 8472 / VXLAN of a real VXLAN trace', async () => {
        const t = await exampleTraceWith('flannel-vxlan.knet', 'flow pod-to-pod: busybox3-c997b9cc4-tlvrq -> nginx-deployment-6b9d659f5f-qbchs:80', 'pod-to-pod');
        const box = nestPacket(vxlanStack(t));
        const kinds = box.headers.map(h => h.header.kind);
        expect(kinds.slice(0, 3)).toEqual(['ipv4', 'udp', 'vxlan']);
        expect(box.inner).toBeDefined();
        const inner = box.inner!;
        expect(inner.depth).toBe(1);
        const innerIp = inner.headers.find(h => h.header.kind === 'ipv4')!.header as Extract<Header, { kind: 'ipv4' }>;
        expect(innerIp.src).toBe('10.244.1.2');
        expect(innerIp.dst).toBe('10.244.2.5');
        expect(inner.headers.at(-1)!.header.kind).toBe('tcp');
        expect(inner.inner).toBeUndefined();
        const udp = box.headers[1].header as Extract<Header, { kind: 'udp' }>;
        expect(udp.dstPort).toBe(8472);
    });

    it('nests the inner packet of a real Calico IPIP trace inside the node-to-node IPv4 header', async () => {
        const t = await exampleTrace('calico-ipip.knet', 'cross-node-clusterip');
        expect(t.disposition).toBe('DELIVERED');
        const encap = t.hops.flatMap(h => h.steps).find(s => s.kind === 'encap')!;
        const box = nestPacket(encap.packet.headers);
        const outer = box.headers.map(h => h.header);
        expect(outer).toHaveLength(1);
        expect(outer[0]).toMatchObject({ kind: 'ipv4', protocol: 4 });
        expect(box.inner!.headers[0].header).toMatchObject({ kind: 'ipv4', dst: expect.stringMatching(/^10\./) });
        // From the encapsulation to the decapsulation the rows are inside the tunnel.
        const layout = layoutTrace(t, false);
        const kinds = layout.rows.map(r => r.step.kind);
        const inTunnel = layout.rows.filter(r => r.inTunnel).map(r => r.index);
        expect(inTunnel[0]).toBe(kinds.indexOf('encap'));
        expect(inTunnel.at(-1)).toBeLessThan(kinds.indexOf('decap'));
    });

    it('nests IPIP (IPv4 directly inside IPv4) and leaves a plain packet flat', () => {
        const ip = (src: string, dst: string): Header => ({ kind: 'ipv4', src, dst, ttl: 64, df: true, protocol: 4, length: 100 });
        const ipip = nestPacket([ip('192.168.1.10', '192.168.1.11'), ip('10.0.1.2', '10.0.2.3'), { kind: 'tcp', srcPort: 1, dstPort: 80 }]);
        expect(ipip.headers.map(h => h.index)).toEqual([0]);
        expect(ipip.inner!.headers.map(h => h.index)).toEqual([1, 2]);
        const flat = nestPacket([ip('10.0.1.2', '10.0.2.3'), { kind: 'udp', srcPort: 5, dstPort: 53 }]);
        expect(flat.inner).toBeUndefined();
        expect(isEncapsulated([ip('a', 'b'), { kind: 'icmp', type: 8, code: 0 }])).toBe(false);
        expect(nestPacket([]).headers).toEqual([]);
    });

    it('compares stacks from the innermost header, so encapsulation shows pushed headers, not changed ones', async () => {
        const steps = (await crossNodeClusterIpTrace()).hops.flatMap(h => h.steps);
        const encap = steps.find(s => s.kind === 'encap')!;
        const d = diffPackets(encap.before!, encap.packet);
        const pushed = encap.packet.headers.length - encap.before!.headers.length;
        expect(pushed).toBeGreaterThanOrEqual(3);
        expect([...d.added].sort()).toEqual([...Array(pushed).keys()]);
        expect(d.changedAfter.size).toBe(0);
        const decap = steps.find(s => s.kind === 'decap')!;
        expect([...diffPackets(decap.before!, decap.packet).removed].sort()).toEqual([...Array(pushed).keys()]);
        // The hand-written seed says the same.
        const hand = crossNodeClusterIp().hops.flatMap(h => h.steps).find(s => s.kind === 'encap')!;
        expect([...diffPackets(hand.before!, hand.packet).added].sort()).toEqual([0, 1, 2, 3]);
    });

    it('labels headers the way a capture summarises them', () => {
        expect(headerLabel({ kind: 'vxlan', vni: 1, flags: '0x08' })).toBe('VXLAN VNI 1');
        expect(headerLabel({ kind: 'udp', srcPort: 51861, dstPort: 8472 })).toBe('UDP 51861→8472');
        expect(packetOutline(crossNodeClusterIp().hops[0].steps[0].packet)).toBe('IPv4 10.244.1.2→10.107.254.44 / TCP 43512→80');
    });
});

describe('NAT changes', () => {
    it('reads the seed flow\'s DNAT as one change with its port, as --to-destination prints it', async () => {
        const trace = await crossNodeClusterIpTrace();
        const nat = trace.hops.find(h => h.namespace === 'node01')!.steps.find(s => s.kind === 'nat')!;
        expect(describeChanges(nat.changes, nat)).toEqual([{ text: 'DNAT dst 10.107.254.44:80 → 10.244.2.5:80', nat: true, short: 'DNAT dst → 10.244.2.5:80' }]);
        expect([...diffPackets(nat.before!, nat.packet).changedAfter]).toEqual(['0:dst']);
        // The same change on the hand-written seed, where port 80 → 80 is listed too.
        const hand = crossNodeClusterIp().hops[1].steps.find(s => s.kind === 'nat')!;
        expect(describeChanges(hand.changes, hand)).toEqual([{ text: 'DNAT dst 10.107.254.44:80 → 10.244.2.5:80', nat: true, short: 'DNAT dst → 10.244.2.5:80' }]);
    });

    it('names an encapsulation change by what was pushed or popped', () => {
        expect(describeChanges([{ field: 'encap', from: 'none', to: 'vxlan 100.100.137.201→100.100.137.202' }]))
            .toEqual([{ text: 'encap vxlan 100.100.137.201→100.100.137.202', nat: false }]);
        expect(describeChanges([{ field: 'encap', from: 'vxlan 1.1.1.1→2.2.2.2', to: 'none' }])).toEqual([{ text: 'decap vxlan 1.1.1.1→2.2.2.2', nat: false }]);
    });

    it('keeps a TTL decrement as a minor change and a masquerade as SNAT', () => {
        const step = crossNodeClusterIp().hops[1].steps[0];
        expect(describeChanges([{ field: 'ipv4.ttl', from: '64', to: '63' }])).toEqual([{ text: 'ttl 64 → 63', nat: false }]);
        expect(describeChanges([{ field: 'ipv4.src', from: '100.100.137.50', to: '10.244.1.0' }], { ...step, kind: 'nat' }))
            .toEqual([{ text: 'SNAT src 100.100.137.50:43512 → 10.244.1.0:43512', nat: true, short: 'SNAT src → 10.244.1.0:43512' }]);
        expect(describeChanges(undefined)).toEqual([]);
    });
});

describe('the page', () => {
    it('allows scripts and styles only with the nonce, resources only from the extension, nothing inline', () => {
        const html = panelHtml({ cspSource: 'https://file+.vscode-resource.vscode-cdn.net', scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js', nonce: 'abc123+/=' });
        const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)![1].replace(/&#39;/g, "'");
        expect(csp).toBe("default-src 'none'; script-src 'nonce-abc123+/='; style-src https://file+.vscode-resource.vscode-cdn.net 'nonce-abc123+/='; "
            + "img-src https://file+.vscode-resource.vscode-cdn.net data:; font-src https://file+.vscode-resource.vscode-cdn.net");
        expect(html).not.toContain('unsafe');
        expect(html.match(/<script/g)).toHaveLength(1);
        expect(html).toContain('<script nonce="abc123+/=" src="https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js"></script>');
        expect(contentSecurityPolicy('x', 'n')).not.toContain('unsafe-inline');
    });
});

describe('messages', () => {
    it('accepts the messages of the protocol and refuses malformed ones', () => {
        expect(isFromWebview({ type: 'ready' })).toBe(true);
        expect(isFromWebview({ type: 'reveal', uri: 'file:///a.knet', range: { start: { line: 1, character: 0 }, end: { line: 1, character: 4 } } })).toBe(true);
        expect(isFromWebview({ type: 'reveal', uri: 'file:///a.knet', range: { start: { line: -1, character: 0 }, end: { line: 1, character: 4 } } })).toBe(false);
        expect(isFromWebview({ type: 'choose', uri: 'u', flow: 'f', choice: 1.5 })).toBe(false);
        expect(isFromWebview({ type: 'exportSvg', svg: '<svg/>', fileName: 'x.svg' })).toBe(true);
        expect(isFromWebview({ type: 'run', command: 'rm -rf /' })).toBe(false);
        expect(isFromWebview(null)).toBe(false);
        expect(isToWebview({ type: 'trace', uri: 'u', flow: 'f', current: true, trace: tooBig() })).toBe(true);
        expect(isToWebview({ type: 'trace', uri: 'u', flow: 'f', current: true, trace: { ...tooBig(), hops: [{ namespace: 'x', steps: [{}] }] } })).toBe(false);
        expect(isToWebview({ type: 'stale', reason: 'cursor on no flow' })).toBe(true);
    });
});

describe('names', () => {
    it('uses the namespaces exactly as the trace names them', () => {
        expect(names(tooBig())).toEqual(['busybox3-c997b9cc4-tlvrq']);
    });

    it('shortens a pod lane heading to the name its controller was given, and nothing else', () => {
        expect(laneLabel('busybox3-c997b9cc4-tlvrq', 'pod')).toBe('busybox3');
        expect(laneLabel('nginx-deployment-6b9d659f5f-qbchs', 'pod')).toBe('nginx-deployment');
        expect(laneLabel('kube-proxy-x7k2p', 'pod')).toBe('kube-proxy');
        expect(laneLabel('web', 'pod')).toBe('web');
        expect(laneLabel('worker-2.example.com', 'node')).toBe('worker-2.example.com');
    });
});
