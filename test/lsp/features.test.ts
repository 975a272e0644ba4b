/**
 * The editor features through Langium's test helpers, on the examples: hovers, definition,
 * references, rename, symbols, completion, formatting, semantic tokens.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EmptyFileSystem, type LangiumDocument, URI } from 'langium';
import {
    clearDocuments, expectCompletion, expectFindReferences, expectFormatting, expectGoToDefinition, expectHover,
    expectSymbols, highlightHelper, parseDocument,
} from 'langium/test';
import { SemanticTokenTypes } from 'vscode-languageserver';
import { createKnetLanguageServices } from '../../server/src/lsp/knet-lsp-module';
import { formatEdits } from '../../server/src/lsp/formatter';
import * as fs from 'node:fs';
import { EXAMPLES, SHARED_EXAMPLES, knetFiles, readExample } from '../helpers';
import { traceFlow } from '../../server/src/sim/index';

const { Knet, workspaceSymbols } = createKnetLanguageServices(EmptyFileSystem, traceFlow);
const hover = expectHover(Knet);
const definition = expectGoToDefinition(Knet);
const references = expectFindReferences(Knet);
const completion = expectCompletion(Knet);
const symbols = expectSymbols(Knet);
const formatting = expectFormatting(Knet);

afterEach(() => clearDocuments(Knet));

const flannel = readExample('flannel-vxlan.knet');

/** The example with `<|>` inserted before the n-th occurrence of `needle` (0-based), or after it with `after`. */
function mark(text: string, needle: string, n = 0, after = false): string {
    let at = -1;
    for (let i = 0; i <= n; i++) at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`no ${needle} #${n}`);
    const pos = after ? at + needle.length : at + 1;
    return text.slice(0, pos) + '<|>' + text.slice(pos);
}

async function hoverText(text: string): Promise<string> {
    let got = '';
    await hover({ text, index: 0, hover: { test: (s: string) => { got = s; return true; } } as unknown as RegExp });
    return got;
}

describe('hover', () => {
    it('a node shows its routing table as ip route prints it, generated lines marked, and its devices', async () => {
        const text = await hoverText(mark(flannel, 'node node02', 0, true).replace('node node02<|>', 'node node0<|>2'));
        expect(text).toContain('**node node02**');
        expect(text).toContain('10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink  # flannel');
        expect(text).toContain('10.244.2.0/24 dev cni0 proto kernel scope link src 10.244.2.1');
        expect(text).toMatch(/flannel\.1\s+vxlan\s+mtu 1450/);
        expect(text).toMatch(/ens192\s+nic\s+mtu 1500/);
    });

    it('a node with a pasted table shows that table, declared lines unmarked', async () => {
        const text = await hoverText(mark(flannel, 'node node01', 0, true).replace('node node01<|>', 'node node<|>01'));
        expect(text).toContain('default via 100.100.137.1 dev ens192 proto static metric 100\n');
        expect(text).toContain('10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink\n');
    });

    it('a pod reference in a flow shows the pod\'s table', async () => {
        const text = await hoverText(mark(flannel, 'busybox3-c997b9cc4-tlvrq -> nginx-deployment:80'));
        expect(text).toContain('**pod default/busybox3-c997b9cc4-tlvrq**');
        expect(text).toContain('default via 10.244.1.1 dev eth0');
        expect(text).toMatch(/eth0\s+veth\s+mtu 1450 10\.244\.1\.2\/24/);
    });

    it('an address shows its owner, the ranges holding it and the route each node picks', async () => {
        const text = await hoverText(mark(flannel, '10.244.2.5'));
        expect(text).toContain('owner: pod default/nginx-deployment-6b9d659f5f-qbchs on node02');
        expect(text).toContain('podCIDR of node02 10.244.2.0/24');
        expect(text).toContain('podNetwork 10.244.0.0/16');
        expect(text).toMatch(/node00, node01: 10\.244\.2\.0\/24 via 10\.244\.2\.0 dev flannel\.1 onlink/);
        expect(text).toMatch(/node02: 10\.244\.2\.0\/24 dev cni0/);
    });

    it('a ClusterIP says kube-proxy translates it before the route lookup', async () => {
        const text = await hoverText(mark(flannel, '10.107.254.44'));
        expect(text).toContain('owner: ClusterIP of service default/nginx-deployment');
        expect(text).toContain('kube-proxy (iptables) DNATs it');
    });

    it('a selector shows the pods it picks, a pod\'s labels the services that pick it', async () => {
        expect(await hoverText(mark(flannel, 'selector app=nginx'))).toContain('endpoints: nginx-deployment-6b9d659f5f-qbchs 10.244.2.5 on node02');
        expect(await hoverText(mark(flannel, 'app=nginx\n'))).toBe('selected by service default/nginx-deployment');
        expect(await hoverText(mark(flannel, 'app=busybox1'))).toBe('no service selects this pod');
    });

    it('a prefix shows its range and size', async () => {
        const text = await hoverText(mark(flannel, '10.96.0.0/12'));
        expect(text).toContain('10.96.0.0 – 10.111.255.255 · 1,048,576 addresses');
        expect(text).toContain('is: serviceNetwork');
    });

    it('a route line says whether its gateway is reachable', async () => {
        const onlink = await hoverText(mark(flannel, 'via 10.244.0.0 dev flannel.1 onlink'));
        expect(onlink).toContain('`onlink`');
        const direct = await hoverText(mark(flannel, 'default via 100.100.137.1'));
        expect(direct).toContain("gateway 100.100.137.1 is on ens192's connected subnet 100.100.137.0/24 ✓");
    });

    it('flags a gateway the kernel would refuse', async () => {
        const text = flannel.replace('default via 100.100.137.1 dev ens192 proto static metric 100', 'default via 192.168.9.1 dev ens192 proto static metric 100');
        const got = await hoverText(mark(text, 'default via 192.168.9.1'));
        expect(got).toContain('✗ gateway 192.168.9.1 is on no connected subnet of ens192 and the route has no `onlink`');
    });

    it('looks a gateway up as the kernel does, past longer routes via other gateways', async () => {
        const text = flannel.replace('      10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink', '      100.100.137.0/25 via 100.100.137.9 dev ens192\n      10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink');
        const got = await hoverText(mark(text, 'default via 100.100.137.1'));
        expect(got).toContain("gateway 100.100.137.1 is on ens192's connected subnet 100.100.137.0/24 ✓");
    });

    it('a device in a route shows the link', async () => {
        const got = await hoverText(mark(flannel, 'flannel.1 onlink'));
        expect(got).toContain('**flannel.1** in node01');
        expect(got).toMatch(/vxlan\s+mtu 1450/);
    });

    it('says nothing over whitespace and bare keywords', async () => {
        await hover({ text: mark(flannel, '  node node00', 0).replace(' <|> node', '<|>  node'), index: 0, hover: undefined });
        await hover({ text: mark(flannel, 'proxy iptables'), index: 0, hover: undefined });
    });

    it('never throws on a broken document', async () => {
        await hover({ text: 'cluster x { node n { address 1.2.3.4 on <|>nowhere routes { default via 999.1.1.1 dev } } flow a: -> }', index: 0, hover: undefined });
    });
});

describe('navigation', () => {
    it('goes from a flow\'s pod reference to the pod', async () => {
        const text = flannel.replace('pod busybox3-c997b9cc4-tlvrq', 'pod <|busybox3-c997b9cc4-tlvrq|>')
            .replace('flow cross-node-clusterip: busybox3', 'flow cross-node-clusterip: bus<|>ybox3');
        await definition({ text, index: 0, rangeIndex: 0 });
    });

    it('goes from a service\'s DNS name to the service', async () => {
        const text = flannel.replace('service nginx-deployment {', 'service <|nginx-deployment|> {')
            .replace('-> nginx-deployment.default.svc.cluster.local:80', '-> nginx-deployment.def<|>ault.svc.cluster.local:80');
        await definition({ text, index: 0, rangeIndex: 0 });
    });

    it('goes from a generated device to what made it', async () => {
        const doc = await parseDocument(Knet, flannel);
        const links = await Knet.lsp.DefinitionProvider!.getDefinition(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(flannel.indexOf('dev flannel.1') + 5) });
        const target = links?.[0]?.targetSelectionRange;
        expect(target && flannel.slice(doc.textDocument.offsetAt(target.start), doc.textDocument.offsetAt(target.end))).toMatch(/^cni flannel vxlan/);
    });

    it('highlights a device\'s declaration and uses in its node', async () => {
        const doc = await parseDocument(Knet, flannel);
        const hl = await Knet.lsp.DocumentHighlightProvider!.getDocumentHighlight(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(flannel.indexOf('link docker0') + 6) }) ?? [];
        expect(hl.map(h => h.kind)).toEqual([3, 2]); // Write (the link), Read (the route's dev)
    });

    it('goes from a route\'s dev to the device declaration', async () => {
        const text = flannel.replace('link docker0 bridge', 'link <|docker0|> bridge')
            .replace('dev docker0 proto kernel', 'dev dock<|>er0 proto kernel');
        await definition({ text, index: 0, rangeIndex: 0 });
    });

    it('finds every reference to a service, the DNS form included', async () => {
        const doc = await parseDocument(Knet, flannel);
        const at = doc.textDocument.positionAt(flannel.indexOf('service nginx-deployment') + 12);
        const refs = Knet.lsp.ReferencesProvider!.findReferences(doc, { textDocument: { uri: doc.uri.toString() }, position: at, context: { includeDeclaration: true } }) as { range: { start: { line: number; character: number }; end: { line: number; character: number } } }[];
        const texts = refs.map(r => flannel.slice(doc.textDocument.offsetAt(r.range.start), doc.textDocument.offsetAt(r.range.end)));
        expect(texts).toEqual(['nginx-deployment', 'nginx-deployment.default.svc.cluster.local', 'nginx-deployment']);
        await references({ text: flannel.replace('host <|client|>', '').replace('host client', 'host <|cli<|>ent|>').replace('client -> node02', '<|client|> -> node02').replace('client -> node01', '<|client|> -> node01'), includeDeclaration: true });
    });

    it('finds a device\'s uses within its node only', async () => {
        const doc = await parseDocument(Knet, flannel);
        const at = flannel.indexOf('dev flannel.1') + 5;
        const refs = Knet.lsp.ReferencesProvider!.findReferences(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(at), context: { includeDeclaration: true } }) as { range: { start: { line: number } } }[];
        const node01 = [flannel.indexOf('node node01'), flannel.indexOf('node node02')].map(o => doc.textDocument.positionAt(o).line);
        expect(refs.length).toBe(2);
        for (const r of refs) expect(r.range.start.line > node01[0] && r.range.start.line < node01[1]).toBe(true);
    });
});

async function rename(text: string, offset: number, newName: string): Promise<string> {
    const doc = await parseDocument(Knet, text);
    const edit = await Knet.lsp.RenameProvider!.rename(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(offset), newName });
    const edits = [...(edit?.changes?.[doc.uri.toString()] ?? [])]
        .sort((a, b) => doc.textDocument.offsetAt(b.range.start) - doc.textDocument.offsetAt(a.range.start));
    let out = text;
    for (const e of edits) out = out.slice(0, doc.textDocument.offsetAt(e.range.start)) + e.newText + out.slice(doc.textDocument.offsetAt(e.range.end));
    return out;
}

describe('rename', () => {
    it('renames a service in its declaration and in every reference form', async () => {
        const out = await rename(flannel, flannel.indexOf('service nginx-deployment') + 10, 'web');
        expect(out).toContain('service web {');
        expect(out).toContain('-> web.default.svc.cluster.local:80');
        expect(out).toContain('-> web:80');
        expect(out).toContain('pod nginx-deployment-6b9d659f5f-qbchs'); // a pod with a similar name is untouched
    });

    it('keeps the namespace of NS/NAME references', async () => {
        const text = 'cluster c {\n  node n { address 1.1.1.1 on lan podCIDR 10.244.0.0/24 pod a 10.244.0.2 namespace prod }\n  network lan 1.1.1.0/24\n  flow f: prod/a -> 1.1.1.1\n}\n';
        const out = await rename(text, text.indexOf('prod/a') + 5, 'b');
        expect(out).toContain('pod b 10.244.0.2');
        expect(out).toContain('flow f: prod/b -> 1.1.1.1');
    });

    it('renames a declared device within its node, not in others', async () => {
        const out = await rename(flannel, flannel.indexOf('dev docker0 proto') + 5, 'docker1');
        expect(out).toContain('link docker1 bridge address 172.17.0.1/16\n    routes');
        expect(out).toContain('172.17.0.0/16 dev docker1 proto kernel');
        expect(out.match(/link docker0 bridge/g)?.length).toBe(1); // node02's docker0 stays
    });

    it('renames a network in node addresses and hosts, and a host in flows', async () => {
        const net = await rename(flannel, flannel.indexOf('network lan') + 9, 'underlay');
        expect(net.match(/on underlay/g)?.length).toBe(4);
        expect(net).not.toMatch(/on lan\b/);
        const host = await rename(flannel, flannel.indexOf('client -> node01'), 'laptop');
        expect(host).toContain('host laptop 100.100.137.50 on lan');
        expect(host.match(/flow nodeport-\w+: +laptop ->/g)?.length).toBe(2);
    });

    it('refuses a generated device and a name that is not one', async () => {
        const doc = await parseDocument(Knet, flannel);
        const at = doc.textDocument.positionAt(flannel.indexOf('dev flannel.1') + 5);
        expect(Knet.lsp.RenameProvider!.prepareRename(doc, { textDocument: { uri: doc.uri.toString() }, position: at })).toBeUndefined();
        await expect(rename(flannel, flannel.indexOf('node node00') + 6, 'bad name!')).rejects.toThrow(/not a name/);
        await expect(rename(flannel, flannel.indexOf('node node00') + 6, 'node01')).rejects.toThrow(/already a node/);
        await expect(rename(flannel, flannel.indexOf('dev docker0 proto') + 5, 'ens192')).rejects.toThrow(/already a device of node01/);
    });
});

describe('symbols', () => {
    it('outlines cluster → networks, nodes → pods, services, hosts, flows', async () => {
        await symbols({
            text: flannel,
            assert: (list) => {
                expect(list.map(s => s.name)).toEqual(['flannel-vxlan']);
                const children = list[0].children!.map(s => s.name);
                expect(children).toEqual(['lan', 'node00', 'node01', 'node02', 'nginx-deployment', 'client',
                    'same-node-clusterip', 'cross-node-clusterip', 'nodeport-local', 'nodeport-remote', 'too-big']);
                expect(list[0].children![3].children!.map(s => s.name)).toEqual(['busybox1-857448d9ff-shdfz', 'nginx-deployment-6b9d659f5f-qbchs']);
            },
        });
    });

    it('finds declarations across documents by fuzzy name', async () => {
        const doc = await parseDocument(Knet, flannel, { documentUri: 'file:///ws/flannel.knet' });
        const found = workspaceSymbols.getSymbols({ query: 'nginxdep' }).map(s => s.name);
        expect(found).toContain('nginx-deployment');
        expect(found).toContain('nginx-deployment-6b9d659f5f-qbchs');
        expect(doc.uri.toString()).toBe(URI.parse('file:///ws/flannel.knet').toString());
    });
});

describe('completion', () => {
    const labels = (items: { label: string }[]) => items.map(i => i.label);

    it('offers the devices of the node being edited, generated ones included', async () => {
        await completion({
            text: flannel.replace('10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink', '10.244.2.0/24 via 10.244.2.0 dev <|>'),
            index: 0,
            assert: (list) => {
                const l = labels(list.items);
                expect(l).toEqual(expect.arrayContaining(['ens192', 'flannel.1', 'cni0', 'docker0', 'veth42779e36']));
                expect(l).not.toContain('host'); // a keyword that is only a name elsewhere
            },
        });
    });

    it('offers enum values: proxy modes, cni backends, service types', async () => {
        await completion({ text: flannel.replace('proxy iptables', 'proxy <|>'), index: 0, assert: (l) => expect(labels(l.items)).toEqual(expect.arrayContaining(['iptables', 'nftables', 'ipvs', 'userspace'])) });
        await completion({ text: flannel.replace('cni flannel vxlan', 'cni flannel <|>'), index: 0, assert: (l) => expect(labels(l.items)).toEqual(expect.arrayContaining(['vxlan', 'udp', 'host-gw'])) });
        await completion({ text: flannel.replace('type NodePort', 'type <|>'), index: 0, assert: (l) => expect(labels(l.items)).toEqual(expect.arrayContaining(['ClusterIP', 'NodePort', 'LoadBalancer'])) });
    });

    it('offers free addresses of the node\'s podCIDR for a new pod', async () => {
        await completion({
            text: flannel.replace('    pod nginx-deployment-6b9d659f5f-qbchs', '    pod new-one <|>\n    pod nginx-deployment-6b9d659f5f-qbchs'),
            index: 0,
            assert: (list) => expect(labels(list.items)).toEqual(expect.arrayContaining(['10.244.2.3', '10.244.2.4', '10.244.2.6'])),
        });
    });

    it('offers names in scope for a flow destination', async () => {
        await completion({
            text: flannel.replace('flow too-big:', 'flow x: client -> <|>\n  flow too-big:'),
            index: 0,
            assert: (list) => expect(labels(list.items)).toEqual(expect.arrayContaining(['nginx-deployment', 'node01', 'client', 'busybox1-857448d9ff-shdfz'])),
        });
    });
});

describe('completion in a big file', () => {
    /** 300 nodes of 20 pods: well past the size where only the item under the cursor is parsed. */
    function big(tail: string): string {
        const lines = ['cluster big {', '  podNetwork 10.0.0.0/8', '  cni flannel vxlan', '  network lan 192.168.0.0/16 { mtu 1500 gateway 192.168.0.1 }'];
        for (let n = 0; n < 300; n++) {
            lines.push(`  node n${n} {`, `    address 192.168.1.${n % 250} on lan dev eth0`, `    podCIDR 10.0.${n}.0/24`);
            for (let p = 0; p < 20; p++) lines.push(`    pod p${n}-${p} 10.0.${n}.${p + 2}`);
            lines.push('  }');
        }
        return lines.join('\n') + '\n' + tail + '\n}\n';
    }
    const labels = (items: { label: string }[]) => items.map(i => i.label);

    it('offers the same devices, values and names as in a small one', async () => {
        await completion({
            text: big('  node last {\n    address 192.168.2.1 on lan dev ens5\n    podCIDR 10.1.0.0/24\n    routes { default via 192.168.0.1 dev <|> }\n  }'),
            index: 0,
            assert: (l) => expect(labels(l.items)).toEqual(expect.arrayContaining(['ens5', 'flannel.1'])),
        });
        await completion({ text: big('  proxy <|>'), index: 0, assert: (l) => expect(labels(l.items)).toEqual(expect.arrayContaining(['iptables', 'ipvs'])) });
        await completion({
            text: big('  flow f: p299-3 -> p12<|>'),
            index: 0,
            assert: (l) => {
                expect(labels(l.items)).toContain('p12-7');
                expect(labels(l.items)).not.toContain('p299-3'); // no 1 or 2 after its p: no fuzzy match
            },
        });
    });
});

describe('formatting', () => {
    it('lays a file out canonically, keeping comments', async () => {
        await formatting({
            before: 'cluster  c{// the cluster\n podNetwork 10.244.0.0/16\n\n\n network lan 1.1.1.0/24 {mtu 1500\n gateway 1.1.1.1}\nnode n { address 1.1.1.2 on lan podCIDR 10.244.0.0/24\n /* pods */ pod a 10.244.0.2 labels x=1 , y=2 containers c : 80,d:81\n routes { default via 1.1.1.1 dev eth0 nexthop via 1.1.1.3 dev eth0 weight 1 } }\n service s { port 80 / TCP targetPort 8080 }\n flow f : a -> s : 80 / tcp size 100 df\n nodePortRange 30000 - 32767 }',
            after: 'cluster c { // the cluster\n  podNetwork 10.244.0.0/16\n\n  network lan 1.1.1.0/24 { mtu 1500 gateway 1.1.1.1 }\n  node n {\n    address 1.1.1.2 on lan\n    podCIDR 10.244.0.0/24\n    /* pods */\n    pod a 10.244.0.2 labels x=1,y=2 containers c:80, d:81\n    routes {\n      default via 1.1.1.1 dev eth0\n        nexthop via 1.1.1.3 dev eth0 weight 1\n    }\n  }\n  service s {\n    port 80/TCP targetPort 8080\n  }\n  flow f: a -> s:80/tcp size 100 df\n  nodePortRange 30000-32767\n}\n',
        });
    });

    it('keeps hostPort arrows, rooted DNS names and pod blocks in their written shape', async () => {
        await formatting({
            before: 'cluster c {\n  node n { pod web 10.244.0.7 hostPort 8080 -> 80 { labels app=web routes { default via 10.244.0.1 dev eth0 } } }\n  flow f: web -> s.default.svc.cluster.local . : 80\n}\n',
            after: 'cluster c {\n  node n {\n    pod web 10.244.0.7 hostPort 8080->80 {\n      labels app=web\n      routes {\n        default via 10.244.0.1 dev eth0\n      }\n    }\n  }\n  flow f: web -> s.default.svc.cluster.local.:80\n}\n',
        });
    });

    it('is idempotent on every example', async () => {
        const files = [...knetFiles(EXAMPLES), ...knetFiles(SHARED_EXAMPLES)];
        expect(files.length).toBeGreaterThan(5);
        for (const name of files) {
            const text = fs.readFileSync(name, 'utf8');
            const once = apply(text, formatEdits(await parseDocument(Knet, text)), await parseDocument(Knet, text));
            const doc2 = await parseDocument(Knet, once);
            expect(formatEdits(doc2), name).toEqual([]);
            expect(once.replace(/\s+/g, ''), name).toBe(text.replace(/\s+/g, ''));
        }
    });

    it('leaves a document that does not parse alone', async () => {
        const doc = await parseDocument(Knet, 'cluster c {  node n { address }');
        expect(formatEdits(doc)).toEqual([]);
    });
});

function apply(text: string, edits: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }[], doc: LangiumDocument): string {
    const sorted = [...edits].sort((a, b) => doc.textDocument.offsetAt(b.range.start) - doc.textDocument.offsetAt(a.range.start));
    let out = text;
    for (const e of sorted) out = out.slice(0, doc.textDocument.offsetAt(e.range.start)) + e.newText + out.slice(doc.textDocument.offsetAt(e.range.end));
    return out;
}

describe('folding', () => {
    it('folds blocks and block comments, not one-line items', async () => {
        const doc = await parseDocument(Knet, flannel);
        const ranges = await Knet.lsp.FoldingRangeProvider!.getFoldingRanges(doc, { textDocument: { uri: doc.uri.toString() } });
        const line = (needle: string) => doc.textDocument.positionAt(flannel.indexOf(needle)).line;
        const starts = ranges.map(r => r.startLine);
        for (const block of ['cluster flannel-vxlan', 'node node01', 'routes {', 'service nginx-deployment']) expect(starts).toContain(line(block));
        expect(starts).not.toContain(line('flow same-node-clusterip'));
        expect(starts).toContain(0); // the two-line comment at the top
    });

    it('folds block comments and runs of line comments', async () => {
        const doc = await parseDocument(Knet, '// a\n// b\ncluster c {\n  /* one\n     two */\n  podNetwork 10.0.0.0/8 // trailing\n}\n');
        const ranges = await Knet.lsp.FoldingRangeProvider!.getFoldingRanges(doc, { textDocument: { uri: doc.uri.toString() } });
        expect(ranges.map(r => [r.startLine, r.endLine, r.kind ?? 'region']).sort()).toEqual([[0, 1, 'comment'], [2, 5, 'region'], [3, 4, 'comment']].sort());
    });
});

describe('semantic tokens', () => {
    it('marks addresses, prefixes, devices and names by kind', async () => {
        const tokens = await highlightHelper(Knet)('cluster c {\n  network lan 1.1.1.0/24\n  node n { address 1.1.1.2 on lan dev ens3 podCIDR 10.244.0.0/24 pod a 10.244.0.2 }\n  flow f: a -> n\n}\n');
        const byText = (t: string) => tokens.tokens.find(x => x.text === t)?.tokenType;
        expect(byText('1.1.1.2')).toBe(SemanticTokenTypes.number);
        expect(byText('10.244.0.0/24')).toBe(SemanticTokenTypes.regexp);
        expect(byText('ens3')).toBe(SemanticTokenTypes.property);
        expect(byText('n')).toBe(SemanticTokenTypes.class);
        expect(byText('a')).toBe(SemanticTokenTypes.variable);
        expect(byText('lan')).toBe(SemanticTokenTypes.namespace);
    });
});

