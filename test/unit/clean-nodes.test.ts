/**
 * Per-node verdicts kept across versions (`CleanNodes`): a node an edit left alone is not
 * checked again while it was clean on its own account. After every kind of edit the
 * diagnostics must be a fresh build's; a verdict that found, faulted or was silenced by a
 * fault is never kept.
 */
import { describe, expect, it } from 'vitest';
import { EmptyFileSystem, URI, type LangiumDocument } from 'langium';
import { createKnetServices } from '../../server/src/language/knet-module';
import { CleanNodes } from '../../server/src/checks/clean-nodes';
import { CheckContext } from '../../server/src/checks/context';
import type { Finding } from '../../server/src/checks/finding';
import { editedDocument, freshBuilds } from './versions';

const { shared, Knet } = createKnetServices(EmptyFileSystem);

const BASE = `cluster clean {
  podNetwork     10.244.0.0/16
  serviceNetwork 10.96.0.0/12
  cni flannel vxlan { vni 1 port 8472 }
  proxy iptables

  network lan 100.100.137.0/24 { mtu 1500 gateway 100.100.137.1 }

  node node00 {
    address 100.100.137.200 on lan dev ens192
    podCIDR 10.244.0.0/26
    routes {
      default via 100.100.137.1 dev ens192
      10.244.0.0/26 dev cni0 proto kernel scope link src 10.244.0.1
      10.244.0.64/26 via 10.244.0.64 dev flannel.1 onlink
      10.244.0.128/26 via 10.244.0.128 dev flannel.1 onlink
      10.244.0.192/26 via 10.244.0.192 dev flannel.1 onlink
      100.100.137.0/24 dev ens192 proto kernel scope link src 100.100.137.200
    }
    pod a0 10.244.0.2 labels app=web
  }

  node node01 {
    address 100.100.137.201 on lan dev ens192
    podCIDR 10.244.0.64/26
    link docker0 bridge address 172.17.0.1/16
    pod a1 10.244.0.66 labels app=web
    pod b1 10.244.0.67 labels app=db
  }

  node node02 {
    address 100.100.137.202 on lan dev ens192
    podCIDR 10.244.0.128/26
    pod a2 10.244.0.130 labels app=web
  }

  node node03 {
    address 100.100.137.203 on lan dev ens192
    podCIDR 10.244.0.192/26
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

  flow to-web: a0 -> web:80
}
`;

const strip = (d: LangiumDocument) => (d.diagnostics ?? []).map(x => ({ message: typeof x.message === 'string' ? x.message : x.message.value, range: x.range, code: x.code }));

function edit(text: string, from: string, to: string): string {
    expect(text.includes(from), from).toBe(true);
    return text.replace(from, to);
}

describe('per-node verdicts kept across edits', () => {
    it('give the diagnostics of a fresh build, and spare the nodes an edit left alone', async () => {
        const open = editedDocument(shared, URI.parse('file:///clean/cluster.knet'));
        const build = freshBuilds(shared, 'clean/fresh');
        const first = await open(BASE);
        const firstModel = Knet.model.ModelCache.get(first).model;
        const pmtu = (d: LangiumDocument) => strip(d).filter(x => x.code === 'mtu-mismatch' && x.message.startsWith('pod a3'));
        expect(pmtu(first)).toHaveLength(1);

        const steps: { what: string; text: string; check?: (d: LangiumDocument) => void }[] = [];
        let t = BASE;
        t = edit(t, 'pod a1 10.244.0.66 labels', 'pod a1 10.244.0.68 labels');
        steps.push({ what: 'a pod line of node01', text: t });
        t = edit(t, 'pod a1 10.244.0.68 labels', 'pod a1 10.244.1.68 labels');
        steps.push({ what: 'a pod outside its podCIDR', text: t, check: d => expect(strip(d).some(x => x.code === 'address-outside-range')).toBe(true) });
        t = edit(t, 'pod a2 10.244.0.130', 'pod a2 10.244.0.131');
        steps.push({ what: 'node02, node01 still wrong', text: t });
        t = edit(t, 'pod a1 10.244.1.68 labels', 'pod a1 10.244.0.68 labels');
        steps.push({ what: 'node01 mended', text: t });
        // node02 takes node03's range and a3's address: node03's range is the one reported
        // (the later), while node03 itself is kept.
        t = edit(t, 'podCIDR 10.244.0.128/26\n    pod a2 10.244.0.131', 'podCIDR 10.244.0.192/26\n    pod a2 10.244.0.194');
        steps.push({ what: "node02 takes node03's range and a3's address", text: t, check: d => expect(strip(d).some(x => x.code === 'overlapping-cidr' && x.message.includes('of node03 overlaps'))).toBe(true) });
        t = edit(t, 'podCIDR 10.244.0.192/26\n    pod a2 10.244.0.194', 'podCIDR 10.244.0.128/26\n    pod a2 10.244.0.131');
        steps.push({ what: 'and gives them back', text: t, check: d => expect(pmtu(d)).toHaveLength(1) });
        t = edit(t, 'link docker0 bridge address 172.17.0.1/16', 'link docker0 bridge address 10.244.0.129/26');
        steps.push({ what: "a link on node01 overlaps node02's range", text: t, check: d => expect(strip(d).some(x => x.code === 'overlapping-cidr')).toBe(true) });
        t = edit(t, 'link docker0 bridge address 10.244.0.129/26', 'link docker0 bridge address 172.17.0.1/16');
        steps.push({ what: 'and back', text: t });
        t = edit(t, '10.244.0.128/26 via 10.244.0.128 dev flannel.1 onlink\n', '');
        steps.push({ what: "node00's table loses node02's route", text: t, check: d => expect(strip(d).some(x => x.code === 'missing-route')).toBe(true) });
        t = edit(t, 'podCIDR 10.244.0.128/26', 'podCIDR 10.244.0.160/27');
        steps.push({ what: "node02's range moves (still not routed by node00)", text: t });
        t = edit(t, 'podCIDR 10.244.0.160/27\n    pod a2 10.244.0.131', 'podCIDR 10.244.0.128/26\n    pod a2 10.244.0.131');
        steps.push({ what: 'node02 back', text: t });
        t = edit(t, '10.244.0.64/26 via 10.244.0.64 dev flannel.1 onlink\n', '10.244.0.64/26 via 10.244.0.64 dev flannel.1 onlink\n      10.244.0.128/26 via 10.244.0.128 dev flannel.1 onlink\n');
        steps.push({ what: 'the route back', text: t });
        t = edit(t, 'nodePort 30432', 'nodePort 20432');
        steps.push({ what: 'a nodePort out of range', text: t, check: d => expect(strip(d).some(x => x.code === 'nodeport-range')).toBe(true) });
        t = edit(t, 'nodePort 20432', 'nodePort 30432');
        steps.push({ what: 'and back', text: t });
        t = edit(t, 'pod a3 10.244.0.194 mtu 1500', 'pod a3 10.244.0.194 mtu 1480');
        steps.push({ what: "a3's MTU, still above flannel.1's", text: t, check: d => expect(pmtu(d)).toHaveLength(1) });
        // Nodes are kept across a change of the CNI's block: their verdicts must not be.
        t = edit(t, 'cni flannel vxlan { vni 1 port 8472 }', 'cni flannel host-gw { }');
        steps.push({ what: 'host-gw: a3 crosses the NIC (1500)', text: t, check: d => expect(pmtu(d)).toEqual([]) });
        t = edit(t, 'cni flannel host-gw { }', 'cni flannel vxlan { vni 1 port 8472 }');
        steps.push({ what: 'vxlan again: a3 above flannel.1 again', text: t, check: d => expect(pmtu(d)).toHaveLength(1) });
        t = edit(t, '{ mtu 1500 gateway 100.100.137.1 }', '{ mtu 9000 gateway 100.100.137.1 }');
        steps.push({ what: "the network's MTU: a3's MTU is below flannel.1's now", text: t, check: d => expect(pmtu(d)).toEqual([]) });
        steps.push({ what: 'back to the start', text: BASE });

        for (const step of steps) {
            const before = { ...CleanNodes.counts };
            const document = await open(step.text);
            const during = { run: CleanNodes.counts.run - before.run, kept: CleanNodes.counts.kept - before.kept };
            const want = await build(step.text);
            expect(strip(document), step.what).toEqual(strip(want));
            step.check?.(document);
            // A pod edit re-checks its node, and the nodes that have findings or were silenced.
            if (step.what === 'a pod line of node01' || step.what === 'node02, node01 still wrong') {
                expect(during.kept, step.what).toBeGreaterThan(during.run);
            }
        }
        // A service none of whose pods moved keeps its endpoints array: flow outcomes see it at a glance.
        const again = Knet.model.ModelCache.get(await open(edit(BASE, 'pod a2 10.244.0.130', 'pod a2 10.244.0.133'))).model;
        const last = Knet.model.ModelCache.get(await open(edit(BASE, 'pod a2 10.244.0.130', 'pod a2 10.244.0.134'))).model;
        expect(last.serviceByKey.get('default/db')!.endpoints).toBe(again.serviceByKey.get('default/db')!.endpoints);
        expect(last.serviceByKey.get('default/web')!.endpoints).not.toBe(again.serviceByKey.get('default/web')!.endpoints);
        expect(last.serviceByKey.get('default/web')!.endpoints.map(p => p.name)).toEqual(['a0', 'a1', 'a2', 'a3']);
        expect(firstModel.nodes.length).toBe(4);
    });
});

describe('CleanNodes', () => {
    it('keeps a clean verdict, and no verdict that found, faulted or was silenced', async () => {
        const build = freshBuilds(shared, 'clean/unit');
        const document = await build(BASE);
        const model = Knet.model.ModelCache.get(document).model;
        const [n0, n1, n2, n3] = model.nodes;
        const clean = new CleanNodes();
        const runs = new Map<string, number>();
        const pass = (ctx: CheckContext, parts: Record<string, (out: Finding[]) => void>) => {
            for (const node of [n0, n1, n2, n3]) {
                const out: Finding[] = [];
                clean.check(ctx, node, out, () => {
                    runs.set(node.name, (runs.get(node.name) ?? 0) + 1);
                    parts[node.name]?.(out);
                });
            }
        };
        const finding: Finding = { code: 'x', severity: 'error', span: { start: 0, end: 1 }, message: 'x' };
        const first = new CheckContext(model, []);
        first.fault(n3.pods[0]);
        pass(first, {
            node01: out => out.push(finding),
            node02: () => first.fault(n2.pods[0]),
            node03: () => first.isFaulted(n3.pods[0]),
        });
        pass(new CheckContext(model, []), {});
        // node00 was clean: checked once. The others were checked again; now all are clean.
        expect(Object.fromEntries(runs)).toEqual({ node00: 1, node01: 2, node02: 2, node03: 2 });
        pass(new CheckContext(model, []), {});
        expect(Object.fromEntries(runs)).toEqual({ node00: 1, node01: 2, node02: 2, node03: 2 });
    });
});
