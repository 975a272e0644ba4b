/**
 * A node whose block an edit left alone is kept, with its pods, for the next version of the
 * model (the block is the same AST object after a splice). What depends on the rest of the
 * cluster is set per version. After every kind of spliced edit, the model, the diagnostics
 * and every flow's trace must be those of a fresh build of the same text, and the untouched
 * nodes must really have been kept. Service blocks likewise keep what they say (their
 * parts), while their endpoints are chosen afresh.
 */
import { describe, expect, it } from 'vitest';
import { EmptyFileSystem, URI, type LangiumDocument } from 'langium';
import { createKnetServices } from '../../server/src/language/knet-module';
import { formatCidr, formatIp, formatPrefix } from '../../server/src/model/address';
import { formatRoute } from '../../server/src/model/route-table';
import type { AddressOwner, ClusterModel, Netns } from '../../server/src/model/types';
import { ownershipFiled } from '../../server/src/language/build-model';
import { formatTrace } from '../../server/src/sim';
import { traceFlow } from '../../server/src/sim';
import { editedDocument, freshBuilds } from './versions';

const { shared, Knet } = createKnetServices(EmptyFileSystem);

const BASE = `cluster kept {
  podNetwork     10.244.0.0/16
  serviceNetwork 10.96.0.0/12
  cni calico ipip { blockSize 26 ipipMode Always }
  proxy iptables

  network lan 100.100.137.0/24 { mtu 1500 gateway 100.100.137.1 }

  node node00 {
    address 100.100.137.200 on lan dev ens192
    pod a0 10.244.0.2 labels app=web
    pod b0 10.244.0.3 labels app=db
  }

  node node01 {
    address 100.100.137.201 on lan dev ens192
    pod a1 10.244.0.66 labels app=web
  }

  node node02 {
    address 100.100.137.202 on lan dev ens192
    pod a2 10.244.0.130 labels app=web
  }

  node node03 {
    address 100.100.137.203 on lan dev ens192
    link tunl0 ipip mtu 1500
    pod a3 10.244.0.194 mtu 1500 labels app=web
  }

  service web {
    clusterIP 10.96.0.10
    port 80/tcp targetPort 8080
    selector app=web
  }

  service db {
    type NodePort
    clusterIP 10.96.0.20
    port 5432/tcp targetPort 5432 nodePort 30432
    selector app=db
  }

  service pinned {
    clusterIP 10.96.0.30
    port 80/tcp targetPort 8080
    endpoints a1, a2
  }

  host client 100.100.137.50 on lan

  flow to-web: b0 -> web:80
  flow across: a0 -> a3:8080
  flow from-outside: client -> a2:8080
}
`;

function namespaceRows(ns: Netns): string[] {
    return [
        ...[...ns.links.values()].map(l => `link ${l.name} ${l.kind} mtu ${l.mtu} ${l.addresses.map(formatCidr).join(',')} ${l.master ?? ''} ${JSON.stringify(l.spans ?? {})}`),
        ...ns.main.routes.map(r => `route ${formatRoute(r)} ${JSON.stringify(r.origin.span ?? null)}`),
    ];
}

/** Everything a user can see of the nodes and pods: values, spans and the generated namespaces. */
function fingerprint(model: ClusterModel): unknown {
    return model.nodes.map(n => ({
        name: n.name, nameSpan: n.nameSpan, origin: n.origin.span, podCidrSpan: n.podCidrSpan,
        blocks: n.blocks.map(formatPrefix), blockSpans: n.blockSpans, declared: n.blocksDeclared,
        addresses: n.addresses.map(a => ({ a: a.address, len: a.length, nic: a.nic, network: a.network.name, current: model.networkByName.get(a.network.name) === a.network, spans: { address: a.spans.address, network: a.spans.network, nic: a.spans.nic } })),
        links: n.declaredLinks.map(l => ({ name: l.name, mtu: l.mtu, spans: JSON.stringify(l.spans) })),
        netns: namespaceRows(n.netns()),
        pods: n.pods.map(p => ({
            key: p.key, address: p.address, iface: p.hostIface, nameSpan: p.nameSpan, addressSpan: p.addressSpan, mtuSpan: p.mtuSpan,
            netns: namespaceRows(p.netns()),
        })),
    }));
}

/** Who owns every address the model names (nodes' links included), and which are contested. */
function owners(model: ClusterModel): unknown {
    const ips = new Set<number>();
    for (const n of model.nodes) {
        for (const a of n.addresses) ips.add(a.address);
        for (const l of n.netns().links.values()) for (const a of l.addresses) ips.add(a.network);
        for (const p of n.pods) if (p.address !== undefined) ips.add(p.address);
    }
    for (const s of model.services) if (s.clusterIP !== undefined) ips.add(s.clusterIP);
    for (const h of model.hosts) ips.add(h.address);
    for (const net of model.networks) if (net.gateway !== undefined) ips.add(net.gateway);
    const name = (o: AddressOwner | undefined) => !o ? '-' : o.kind === 'pod' ? `pod ${o.pod.key}` : o.kind === 'node' ? `node ${o.node.name} ${o.device}`
        : o.kind === 'host' ? `host ${o.host.name}` : o.kind === 'gateway' ? `gateway ${o.network.name}` : `service ${o.service.key}`;
    return { owners: [...ips].sort((a, b) => a - b).map(ip => `${formatIp(ip)} ${name(model.owners.get(ip))}`), size: model.owners.size, contested: [...model.contested].sort() };
}

/** Everything a user can see of the services, their endpoints included. */
function serviceFingerprint(model: ClusterModel): unknown {
    return model.services.map(s => ({
        key: s.key, type: s.type, clusterIP: s.clusterIP, headless: s.headless, clusterIPSpan: s.clusterIPSpan, selectorSpan: s.selectorSpan,
        nameSpan: s.nameSpan, origin: s.origin.span, selector: s.selector && [...s.selector], policy: s.externalTrafficPolicy, affinity: s.sessionAffinity,
        ports: s.ports.map(p => ({ port: p.port, target: p.targetPort, nodePort: p.nodePort, protocol: p.protocol, span: p.span, nodePortSpan: p.nodePortSpan })),
        endpoints: s.endpoints.map(p => `${p.key} ${p.address === undefined ? '-' : formatIp(p.address)} ${p.node.name}`),
        current: s.endpoints.every(p => model.podByKey.get(p.key) === p),
    }));
}

function traces(model: ClusterModel): string[] {
    return model.flows.map(f => formatTrace(traceFlow(model, f)));
}

const strip = (d: LangiumDocument) => (d.diagnostics ?? []).map(x => ({ message: x.message, range: x.range, code: x.code }));

function edit(text: string, from: string, to: string): string {
    expect(text.includes(from), from).toBe(true);
    return text.replace(from, to);
}

describe('nodes kept across spliced edits', () => {
    it('give the model, diagnostics and traces of a fresh build, and are kept only while they hold', async () => {
        const open = editedDocument(shared, URI.parse('file:///kept/cluster.knet'));
        const build = freshBuilds(shared, 'kept/fresh');

        // Each step: the text, and which nodes must be the previous version's objects.
        const steps: { what: string; text: string; kept: string[]; services?: string[] }[] = [];
        let t = BASE;
        t = edit(t, 'pod a0 10.244.0.2 labels app=web', 'pod a0 10.244.0.4 labels app=web,tier=x');
        steps.push({ what: 'a pod line of node00', text: t, kept: ['node01', 'node02', 'node03'] });
        t = edit(t, '    pod b0 10.244.0.3 labels app=db\n', '    pod b0 10.244.0.3 labels app=db\n    pod c0 10.244.0.5\n    pod d0 10.244.0.6\n');
        steps.push({ what: 'lines added above the others', text: t, kept: ['node01', 'node02', 'node03'] });
        t = edit(t, 'pod a1 10.244.0.66', 'pod a1 10.244.0.300');
        steps.push({ what: 'a finding in node01', text: t, kept: ['node00', 'node02', 'node03'] });
        t = edit(t, 'pod a2 10.244.0.130', 'pod a2 10.244.0.131');
        steps.push({ what: 'node02, node01 still wrong', text: t, kept: ['node00', 'node03'] });
        t = edit(t, 'pod a1 10.244.0.300', 'pod a1 10.244.0.66');
        steps.push({ what: 'node01 fixed', text: t, kept: ['node00', 'node02', 'node03'] });
        t = edit(t, 'pod a2 10.244.0.131', 'pod a2 10.244.0.66');
        steps.push({ what: "node02's pod takes node01's pod's address", text: t, kept: ['node00', 'node01', 'node03'] });
        t = edit(t, 'pod a2 10.244.0.66', 'pod a2 10.244.0.132');
        steps.push({ what: 'and gives it back', text: t, kept: ['node00', 'node01', 'node03'] });
        t = edit(t, 'clusterIP 10.96.0.10', 'clusterIP 10.96.0.11');
        steps.push({ what: "the service's clusterIP", text: t, kept: ['node00', 'node01', 'node02', 'node03'] });
        t = edit(t, '    pod d0 10.244.0.6\n', '');
        steps.push({ what: 'a pod removed', text: t, kept: ['node01', 'node02', 'node03'] });
        t = edit(t, 'pod c0 10.244.0.5', 'pod c0 100.100.137.201');
        steps.push({ what: "a pod takes node01's address", text: t, kept: ['node01', 'node02', 'node03'] });
        t = edit(t, 'pod c0 100.100.137.201', 'pod c0 10.244.0.5');
        steps.push({ what: 'and gives it back', text: t, kept: ['node01', 'node02', 'node03'] });
        t = edit(t, '    address 100.100.137.202 on lan dev ens192\n', '    address 100.100.137.202 on lan dev ens192\n    block 10.244.0.0/26\n');
        steps.push({ what: "node02 declares node00's allocated block", text: t, kept: ['node00', 'node01', 'node03'] });
        t = edit(t, '    block 10.244.0.0/26\n', '');
        steps.push({ what: 'and gives it back', text: t, kept: ['node00', 'node01', 'node03'] });
        t = edit(t, 'type NodePort', 'type NodPort');
        steps.push({ what: "a finding in service db's block", text: t, kept: ['node00', 'node01', 'node02', 'node03'], services: ['default/web', 'default/pinned'] });
        t = edit(t, 'pod a2 10.244.0.132', 'pod a2 10.244.0.134');
        steps.push({ what: 'node02, service db still wrong', text: t, kept: ['node00', 'node01', 'node03'], services: ['default/web', 'default/pinned'] });
        t = edit(t, 'pod a2 10.244.0.134', 'pod a2 10.244.0.132');
        steps.push({ what: 'and back', text: t, kept: ['node00', 'node01', 'node03'], services: ['default/web', 'default/pinned'] });
        t = edit(t, 'type NodPort', 'type NodePort');
        steps.push({ what: 'service db fixed', text: t, kept: ['node00', 'node01', 'node02', 'node03'], services: ['default/web', 'default/pinned'] });
        t = edit(t, 'selector app=db', 'selector app=web');
        steps.push({ what: "service db's selector", text: t, kept: ['node00', 'node01', 'node02', 'node03'], services: ['default/web', 'default/pinned'] });
        t = edit(t, 'pod a2 10.244.0.132', 'pod a2 10.244.0.133');
        steps.push({ what: "a pinned endpoint's node rebuilt", text: t, kept: ['node00', 'node01', 'node03'], services: ['default/web', 'default/db', 'default/pinned'] });
        t = edit(t, 'endpoints a1, a2', 'endpoints a1');
        steps.push({ what: "service pinned's endpoints", text: t, kept: ['node00', 'node01', 'node02', 'node03'], services: ['default/web', 'default/db'] });
        t = edit(t, '{ mtu 1500 gateway 100.100.137.1 }', '{ mtu 1450 gateway 100.100.137.1 }');
        steps.push({ what: 'the network block', text: t, kept: [] });
        t = edit(t, 'cni calico ipip { blockSize 26 ipipMode Always }', 'cni calico vxlan { blockSize 26 }');
        steps.push({ what: 'the CNI backend', text: t, kept: ['node00', 'node01', 'node02', 'node03'] });
        t = edit(t, 'cni calico vxlan { blockSize 26 }', 'cni flannel vxlan { }');
        steps.push({ what: 'the CNI plugin (host-side veth names)', text: t, kept: [] });
        steps.push({ what: 'back to the start', text: BASE, kept: [] });

        let previous = Knet.model.ModelCache.get(await open(BASE)).model;
        ownershipFiled.patched = ownershipFiled.anew = 0;
        let sawDiagnosticsInKeptNodes = false;
        for (const step of steps) {
            const document = await open(step.text);
            const model = Knet.model.ModelCache.get(document).model;
            const want = await build(step.text);
            const wantModel = Knet.model.ModelCache.get(want).model;
            expect(JSON.stringify(fingerprint(model), null, 1).split("\n"), step.what).toEqual(JSON.stringify(fingerprint(wantModel), null, 1).split("\n"));
            expect(owners(model), step.what).toEqual(owners(wantModel));
            // An older model whose table was handed on files one again when asked (its kept
            // nodes are the new version's by now, so only that it answers is checked).
            expect(previous.owners.size, step.what).toBeGreaterThan(0);
            expect(strip(document), step.what).toEqual(strip(want));
            expect(traces(model), step.what).toEqual(traces(wantModel));
            expect(serviceFingerprint(model), step.what).toEqual(serviceFingerprint(wantModel));
            if (step.services) {
                // A kept service block's parts are the last build's (its ports, read once).
                const keptServices = model.services.filter(s => previous.services.some(p => p.key === s.key && p.ports === s.ports)).map(s => s.key);
                expect(keptServices, step.what).toEqual(step.services);
            }
            const kept = model.nodes.filter(n => previous.nodes.includes(n)).map(n => n.name);
            expect(kept, step.what).toEqual(step.kept);
            if (kept.includes('node03') && strip(document).some(d => d.range.start.line > step.text.slice(0, step.text.indexOf('node node03')).split('\n').length)) {
                sawDiagnosticsInKeptNodes = true;
            }
            previous = model;
        }
        // Most edits patched the last version's owner table; those that contested an address,
        // changed the networks or the CNI's device addresses filed it anew.
        expect(ownershipFiled.patched).toBeGreaterThanOrEqual(7);
        expect(ownershipFiled.anew).toBeGreaterThanOrEqual(4);
        // The spans of a kept node were checked where an edit above it had moved them.
        expect(sawDiagnosticsInKeptNodes).toBe(true);
    });
});

describe('the owner table handed on with flannel', () => {
    // flannel's device addresses are each node's own (its podCIDR, its pods): a kept node's
    // are not asked for again while the backend and the VNI stay; a change of either files
    // them again, and the owners are always a fresh build's.
    const FLANNEL = BASE
        .replace('cni calico ipip { blockSize 26 ipipMode Always }', 'cni flannel vxlan { vni 1 port 8472 }')
        .replace(/(node (node0\d) \{\n)/g, (_m, head: string, name: string) => `${head}    podCIDR 10.244.${Number(name.slice(-1)) * 64}.0/26\n`)
        .replace(/ 10\.244\.0\.(\d+)( |\n)/g, (_m, last: string, after: string) => ` 10.244.${Math.floor(Number(last) / 64) * 64}.${Number(last) % 64 || 2}${after}`)
        .replace('    link tunl0 ipip mtu 1500\n', '')
        .replace(' mtu 1500 labels app=web', ' labels app=web');

    it('gives the owners of a fresh build after pod edits, a backend change and a VNI change', async () => {
        const open = editedDocument(shared, URI.parse('file:///kept/flannel.knet'));
        const build = freshBuilds(shared, 'kept/flannel-fresh');
        const start = Knet.model.ModelCache.get(await open(FLANNEL)).model;
        expect(strip(await build(FLANNEL)).filter(d => d.code !== 'unreachable-flow')).toEqual([]);
        expect(start.nodes.map(n => n.netns().links.has('flannel.1'))).toEqual([true, true, true, true]);

        let t = FLANNEL;
        const steps: { what: string; text: string; patched: boolean }[] = [];
        t = edit(t, 'pod a0 10.244.0.2 labels app=web', 'pod a0 10.244.0.4 labels app=web');
        steps.push({ what: 'a pod line of node00', text: t, patched: true });
        t = edit(t, 'cni flannel vxlan { vni 1 port 8472 }', 'cni flannel vxlan { vni 1 port 8473 }');
        steps.push({ what: 'the port: every node kept, its devices the same', text: t, patched: true });
        t = edit(t, 'cni flannel vxlan { vni 1 port 8473 }', 'cni flannel vxlan { vni 2 port 8473 }');
        steps.push({ what: 'the VNI: flannel.1 becomes flannel.2 on every node, filed anew', text: t, patched: false });
        t = edit(t, 'pod a0 10.244.0.4 labels app=web', 'pod a0 10.244.0.5 labels app=web');
        steps.push({ what: 'a pod line of node00 again', text: t, patched: true });
        t = edit(t, 'cni flannel vxlan { vni 2 port 8473 }', 'cni flannel host-gw');
        steps.push({ what: 'host-gw: no flannel device, its addresses gone', text: t, patched: false });
        t = edit(t, 'cni flannel host-gw', 'cni flannel vxlan { vni 1 port 8472 }');
        steps.push({ what: 'back to vxlan', text: t, patched: false });
        for (const step of steps) {
            const before = ownershipFiled.patched;
            const model = Knet.model.ModelCache.get(await open(step.text)).model;
            const want = Knet.model.ModelCache.get(await build(step.text)).model;
            expect(owners(model), step.what).toEqual(owners(want));
            expect(JSON.stringify(fingerprint(model)), step.what).toEqual(JSON.stringify(fingerprint(want)));
            expect(ownershipFiled.patched > before, step.what).toBe(step.patched);
            if (step.what.startsWith('the VNI')) expect(model.nodes.map(n => n.netns().links.has('flannel.2'))).toEqual([true, true, true, true]);
        }
    });
});
