import { describe, expect, it } from 'vitest';
import { GrammarUtils, type AstNode, AstUtils, isOperationCancelled, setInterruptionPeriod } from 'langium';
import { CancellationTokenSource } from 'vscode-languageserver';
import { buildModel, buildModelAsync } from '../../server/src/language/build-model';
import { pauseFor, splicedPauseFor } from '../../server/src/language/document-update';
import { createKnetServices } from '../../server/src/language/knet-module';
import { EmptyFileSystem, URI } from 'langium';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Document } from '../../server/src/language/generated/ast';
import { generateCluster, VARIANTS } from '../../server/src/bench/generate';
import { findPropertyNode } from '../../server/src/language/property-node';
import { diagnosticCode } from '../../server/src/language/workspace';
import { traceAll } from '../../server/src/sim/index';
import { load, readExample } from '../helpers';
import { cniGenerator } from '../../server/src/model/generate';
import { formatRoute } from '../../server/src/model/route-table';
import { formatPrefix } from '../../server/src/model/address';

describe('benchmark clusters', () => {
    for (const variant of VARIANTS) {
        it(`${variant}: 30 pods and 2 services per node, parses and checks without errors`, async () => {
            const g = generateCluster({ nodes: 12, variant });
            expect(g.pods).toBe(12 * 30);
            expect(g.services).toBe(24);
            const { diagnostics, result } = await load(g.text);
            const model = result.model;
            expect(model.nodes).toHaveLength(12);
            expect(model.pods).toHaveLength(12 * 30);
            expect(model.services).toHaveLength(24);
            expect(model.flows).toHaveLength(g.flows);
            // Every service selects pods of its Deployment.
            expect(model.services.filter(s => s.endpoints.length === 0)).toEqual([]);
            // No fault in the file; a flow the simulator cannot deliver would show as unreachable-flow.
            expect(diagnostics.map(d => `${d.range.start.line + 1}:${diagnosticCode(d)}: ${d.message}`)
                .filter(d => !d.includes(':unreachable-flow:'))).toEqual([]);
            // Pod to pod, node to pod and NodePort from a host arrive.
            const traces = traceAll(model);
            for (const flow of model.flows) {
                if (flow.target?.kind === 'pod' || flow.source?.kind === 'host') {
                    expect(`${flow.name} ${traces.get(flow.name)?.disposition}`).toBe(`${flow.name} DELIVERED`);
                }
            }
        });
    }

    it('the edit and hover targets point at what they say', () => {
        const g = generateCluster({ nodes: 20, variant: 'flannel-vxlan' });
        const lines = g.text.split('\n');
        const e = g.edit;
        expect(lines[e.line].slice(e.start, e.end)).toBe(e.address);
        expect(g.text).not.toContain(` ${e.freeAddress} `);
        expect(g.text).toContain(` ${e.takenAddress} `);
        expect(lines[g.hoverPod.line].slice(g.hoverPod.character)).toMatch(new RegExp(`^${g.hoverPod.name} `));
        expect(lines[g.hoverFlow.line]).toContain(`flow ${g.hoverFlow.name}:`);
        expect(lines[g.coldFlow.line]).toContain(`flow ${g.coldFlow.name}:`);
    });

    it('grows linearly in text: ten times the nodes, about ten times the bytes', () => {
        const a = generateCluster({ nodes: 50, variant: 'calico-ipip' }).text.length;
        const b = generateCluster({ nodes: 500, variant: 'calico-ipip' }).text.length;
        expect(b / a).toBeGreaterThan(9);
        expect(b / a).toBeLessThan(11);
    });
});

describe('findPropertyNode', () => {
    it('finds what GrammarUtils.findNodeForProperty finds, for every node and property of the examples', async () => {
        let compared = 0;
        for (const text of [readExample('flannel-vxlan.knet'), readExample('calico-ipip.knet'), generateCluster({ nodes: 4, variant: 'calico-ipip' }).text]) {
            const { document } = await load(text, false);
            for (const node of AstUtils.streamAst(document.parseResult.value)) {
                const properties = Object.keys(node).filter(k => !k.startsWith('$'));
                for (const p of properties) {
                    for (const index of [undefined, 0, 1, 5]) {
                        const want = GrammarUtils.findNodeForProperty(node.$cstNode, p, index);
                        const got = findPropertyNode(node.$cstNode, p, index);
                        expect(got === want, `${(node as AstNode).$type}.${p}[${index}]`).toBe(true);
                        compared++;
                    }
                }
            }
        }
        expect(compared).toBeGreaterThan(1000);
    });
});

describe('namespaces sharing the entries every node holds alike', () => {
    const shapes: [string, string][] = [
        ['flannel vxlan', 'cni flannel vxlan'],
        ['calico ipip', 'cni calico ipip { blockSize 26 ipipMode Always }'],
        ['calico vxlan', 'cni calico vxlan'],
    ];
    for (const [what, cni] of shapes) {
        it(`${what}: each node's table, neighbours and FDB are what its CNI programs`, async () => {
            const g = generateCluster({ nodes: 9, variant: cni.includes('calico') ? 'calico-ipip' : 'flannel-vxlan', pastedTables: 1 });
            const text = g.text.replace(/cni (flannel|calico) [^\n]*/, cni);
            const { result } = await load(text, false);
            const model = result.model;
            const generator = cniGenerator(model);
            for (const node of model.nodes) {
                const ns = node.netns();
                const printed = new Set(ns.main.routes.map(r => formatRoute(r)));
                const expected = node.declaredRoutes ? node.declaredRoutes.map(r => formatRoute(r)) : generator.nodeRoutes(node).map(r => formatRoute(r));
                for (const line of expected) expect(printed, `${node.name}: ${line}`).toContain(line);
                // Nothing toward the node itself: its own range is reached through its bridge or its pods' /32s.
                const ownRange = node.podCidr ?? node.blocks[0];
                expect(ns.main.routes.filter(r => r.gateway !== undefined && r.destination.network === ownRange.network).map(r => formatRoute(r))).toEqual([]);
                const own = ns.main.lookup(ownRange.network + 2);
                expect(own?.dev === 'cni0' || own?.dev?.startsWith('cali') || own?.type === 'blackhole', `${node.name}: ${own && formatRoute(own)}`).toBe(true);
                for (const other of model.nodes) {
                    if (other === node) continue;
                    const range = other.podCidr ?? other.blocks[0];
                    const r = ns.main.lookup(range.network + 2);
                    expect(r && formatRoute(r), `${node.name} → ${other.name}`).toBe(expected.find(l => l.startsWith(`${formatPrefix(range)} `)));
                }
                const want = generator.nodeNeighbors(node);
                const fmt = (x: { mac: string; dev: string }) => JSON.stringify({ ...x, origin: undefined });
                expect(ns.neigh.neighbors.map(fmt)).toEqual(want.neighbors.map(fmt));
                expect(ns.neigh.fdb.map(fmt)).toEqual(want.fdb.map(fmt));
                expect(ns.main.routes.length).toBe(new Set(ns.main.routes).size);
            }
        });
    }
});

describe('a superseded build stops', () => {
    it('buildModelAsync gives the model buildModel gives, and stops with OperationCancelled once cancelled', async () => {
        const g = generateCluster({ nodes: 200, variant: 'flannel-vxlan' });
        const { document } = await load(g.text, false);
        const root = document.parseResult.value as Document;
        const text = document.textDocument.getText();
        const sync = buildModel(root, text);
        const whole = await buildModelAsync(root, text, new CancellationTokenSource().token);
        expect(whole.model.pods.length).toBe(sync.model.pods.length);
        expect(whole.model.services.map(s => s.endpoints.length)).toEqual(sync.model.services.map(s => s.endpoints.length));
        expect(whole.findings).toEqual(sync.findings);

        // Cancelled while it runs (as a newer edit would): it throws at its next step instead of finishing.
        const source = new CancellationTokenSource();
        setInterruptionPeriod(0);
        try {
            let steps = 0;
            const timer = setImmediate(() => { steps++; source.cancel(); });
            const error = await buildModelAsync(root, text, source.token).then(() => 'finished', e => e);
            clearImmediate(timer);
            expect(steps).toBe(1);
            expect(isOperationCancelled(error)).toBe(true);
        } finally {
            setInterruptionPeriod(10);
        }
    });
});

describe('pod options read in one pass', () => {
    it('still reports an option given twice on a pod line, once, on the second', async () => {
        const text = `cluster t {
  podNetwork 10.244.0.0/16
  network lan 100.100.137.0/24 { mtu 1500 gateway 100.100.137.1 }
  node n1 {
    address 100.100.137.10 on lan
    podCIDR 10.244.1.0/24
    pod web 10.244.1.2 mtu 1400 labels app=web mtu 1300
  }
}
`;
        const { diagnostics, result } = await load(text);
        const twice = diagnostics.filter(d => String(d.message).includes('given twice'));
        expect(twice.map(d => `${d.range.start.line}:${d.range.start.character} ${d.message}`)).toEqual(['6:47 mtu is given twice in pod web: a block holds one mtu']);
        expect(result.model.pods[0].mtu).toBe(1400);
        expect(result.model.pods[0].labels.get('app')).toBe('web');
    });
});

describe('keystrokes coalescing before a large file is parsed again', () => {
    it('pauses nothing for a small file and at most 300 ms for the largest', () => {
        expect(pauseFor(generateCluster({ nodes: 50, variant: 'flannel-vxlan' }).text.length)).toBeLessThanOrEqual(5);
        expect(pauseFor(16_500_000)).toBe(300);
        expect(pauseFor(1_600_000)).toBe(32);
        expect(pauseFor(10_000)).toBe(0);
        // An edit spliced into its block waits about its own synchronous cost.
        expect(splicedPauseFor(16_500_000)).toBe(60);
        expect(splicedPauseFor(1_600_000)).toBe(6);
    });

    it('builds a lone spliced edit at once, and waits inside a burst of keystrokes', async () => {
        const g = generateCluster({ nodes: 500, variant: 'flannel-vxlan' });
        expect(splicedPauseFor(g.text.length)).toBeGreaterThan(0);
        const { shared } = createKnetServices(EmptyFileSystem);
        const uri = 'file:///pause/cluster.knet';
        const texts = shared.workspace.TextDocuments!;
        let document = TextDocument.create(uri, 'knet', 1, g.text);
        texts.set(document);
        await shared.workspace.WorkspaceManager.initializeWorkspace([]);
        await shared.workspace.DocumentBuilder.update([URI.parse(uri)], []);
        const builder = shared.workspace.DocumentBuilder;
        // Until the build an edit started (the handler queues it once the workspace is ready) is over.
        const settled = async () => {
            await new Promise(resolve => setTimeout(resolve, 0));
            await shared.workspace.WorkspaceLock.read(async () => undefined);
        };
        const update = builder.update.bind(builder);
        const built: string[] = [];
        builder.update = (changed, deleted, token) => {
            built.push(texts.get(uri)!.getText().split('\n')[g.edit.line].slice(g.edit.start).split(' ')[0]);
            return update(changed, deleted, token);
        };
        const handler = shared.lsp.DocumentUpdateHandler!;
        const pending = () => (handler as unknown as { timer?: unknown }).timer !== undefined;
        let current = g.edit.address;
        const type = (to: string) => {
            const range = { start: { line: g.edit.line, character: g.edit.start }, end: { line: g.edit.line, character: g.edit.start + current.length } };
            current = to;
            document = TextDocument.update(document, [{ range, text: to }], document.version + 1);
            texts.set(document);
            handler.didChangeContent!({ document });
        };
        // A lone edit inside a node's block: its build is started, no pause is armed.
        type(g.edit.freeAddress);
        expect(pending()).toBe(false);
        await settled();
        expect(built).toEqual([g.edit.freeAddress]);
        // Two keystrokes at once: the second waits for the burst to end, then one build runs.
        type(g.edit.address.slice(0, -1));
        type(g.edit.address);
        expect(pending()).toBe(true);
        await new Promise(resolve => setTimeout(resolve, splicedPauseFor(g.text.length) + 50));
        await settled();
        expect(built.slice(1).at(-1)).toBe(g.edit.address);
        expect(pending()).toBe(false);
    }, 60_000);
});

describe('a keystroke in a large file', () => {
    it('cancels the build of the version it replaces at once, before its pause ends', async () => {
        const { shared } = createKnetServices(EmptyFileSystem);
        const handler = shared.lsp.DocumentUpdateHandler!;
        const lock = shared.workspace.WorkspaceLock;
        let cancelledAt: number | undefined;
        const running = lock.write(token => new Promise<void>(resolve => {
            const poll = setInterval(() => {
                if (!token.isCancellationRequested) return;
                cancelledAt = performance.now();
                clearInterval(poll);
                resolve();
            }, 1);
        }));
        const sent = performance.now();
        handler.didChangeContent!({ document: TextDocument.create('file:///pause/big.knet', 'knet', 2, ' '.repeat(10_000_000)) });
        await Promise.race([running, new Promise(resolve => setTimeout(resolve, 1000))]);
        expect(cancelledAt, 'the stale build was never cancelled').toBeDefined();
        // The pause for 10 MB is 200 ms; the stale build stopped long before it was over.
        expect(pauseFor(10_000_000)).toBe(200);
        expect(cancelledAt! - sent).toBeLessThan(100);
    });
});
