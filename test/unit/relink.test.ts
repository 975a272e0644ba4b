/**
 * After a spliced edit the linker resolves again only the references whose name the
 * replaced or the new block declares (and a flow's destination with its source); the others
 * keep their target. Seeded random edits that rename, move, duplicate and re-namespace what
 * flows and explicit endpoints name, mixed with edits that rename nothing, must leave every
 * reference where a fresh build of the same text puts it, with the same diagnostics.
 */
import { describe, expect, it } from 'vitest';
import { EmptyFileSystem, URI, isReference, type LangiumDocument, type ReferenceDescription } from 'langium';
import { editedDocument, freshBuilds } from './versions';
import { createKnetServices } from '../../server/src/language/knet-module';
import { generateCluster } from '../../server/src/bench/generate';
import type { KnetLinker } from '../../server/src/language/linker';

const { shared, Knet } = createKnetServices(EmptyFileSystem);
const linker = Knet.references.Linker as KnetLinker;

function random(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
        s = (s + 0x6D2B79F5) >>> 0;
        let t = s;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

const targets = (d: LangiumDocument) => d.references.filter(isReference)
    .map(r => [r.$refText, r.ref?.$cstNode?.offset, r.$refNode?.offset, r.error?.message]);
/** The reference index of a document (what find-references and rename read), positions included. */
const indexed = (d: LangiumDocument) => ((shared.workspace.IndexManager as unknown as { referenceIndex: Map<string, ReferenceDescription[]> })
    .referenceIndex.get(d.uri.toString()) ?? []).map(r => [r.sourcePath, r.targetPath, r.segment.offset, r.segment.range.start, r.segment.range.end, r.local]);
/** Where each resolved reference's declaration is, as its node description says. */
const declared = (d: LangiumDocument) => d.references.filter(isReference)
    .map(r => [r.$nodeDescription?.path, r.$nodeDescription?.selectionSegment?.offset, r.$nodeDescription?.nameSegment?.range.start]);
const diagnostics = (d: LangiumDocument) => (d.diagnostics ?? [])
    .map(x => `${x.range.start.line}:${x.range.start.character} ${x.code} ${typeof x.message === 'string' ? x.message : x.message.value}`).sort();

describe('relinking only what a spliced edit can have changed', () => {
    it('resolves every reference as a fresh build does, after seeded random edits', async () => {
        const cluster = generateCluster({ nodes: 12, variant: 'flannel-vxlan', podsPerNode: 10, seed: 3 });
        // Explicit endpoints, flows by DNS name from pods of several namespaces, and a pod both flows and endpoints name.
        const close = cluster.text.lastIndexOf('}');
        const pods = [...cluster.text.matchAll(/^ {4}pod (\S+) 10\.[\d.]+ [^\n]*?(?:namespace (\S+))?$/gm)].map(m => ({ name: m[1], ns: m[2] ?? 'default' }));
        const services = [...cluster.text.matchAll(/^ {2}service (\S+) \{\n(?: {4}[^\n]*\n)*? {4}namespace (\S+)/gm)].map(m => ({ name: m[1], ns: m[2] }));
        expect(pods.length).toBeGreaterThan(50);
        expect(services.length).toBeGreaterThan(5);
        const extra = [
            `  service manual { namespace ${pods[1].ns} clusterIP 10.97.1.1 port 80 endpoints ${pods[1].ns}/${pods[1].name}, ${pods[2].ns}/${pods[2].name} }`,
            ...services.slice(0, 4).map((s, i) => `  flow dns-${i}: ${pods[3 + i].ns}/${pods[3 + i].name} -> ${s.name}.${s.ns}.svc.cluster.local:80`),
            ...services.slice(0, 4).map((s, i) => `  flow short-${i}: ${pods[10 + i].ns}/${pods[10 + i].name} -> ${s.name}:80`),
            `  flow bare: ${pods[1].name} -> ${pods[2].name} icmp`,
            // The same service name in two namespaces: which one a flow reaches is its source's namespace.
            `  service twin { namespace payments clusterIP 10.97.1.2 port 80 }`,
            `  service twin { namespace search clusterIP 10.97.1.3 port 80 }`,
            `  flow by-namespace: ${pods[20].name} -> twin:80`,
        ].join('\n') + '\n';
        let text = cluster.text.slice(0, close) + extra + cluster.text.slice(close);

        const uri = URI.parse('file:///relink/cluster.knet');
        const open = editedDocument(shared, uri);
        const fresh = freshBuilds(shared, 'relink/fresh', d => ({ d, index: indexed(d) }));
        await open(text);
        expect(linker.lastLink(shared.workspace.LangiumDocuments.getDocument(uri)!)).toBe('walk');

        const rnd = random(99);
        const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
        const named = [1, 2, 3, 4, 5, 6, 10, 11, 12, 13].map(i => pods[i]);
        const namespaces = ['default', 'payments', 'search', 'other'];
        const kinds = ['address', 'rename pod', 'pod namespace', 'rename service', 'service namespace', 'rename node', 'duplicate pod', 'vni', 'source namespace'] as const;
        const seen = new Map<string, { steps: number; resolved: number; kept: number }>();
        for (let step = 0; step < 60; step++) {
            const kind = kinds[step % kinds.length];
            const before = text;
            const p = pick(named);
            const podLine = new RegExp(`^( {4}pod )(${p.name.replace(/[-.]/g, '\\$&')}x?)( [^\\n]*)$`, 'm');
            switch (kind) {
                case 'address': {
                    // The last node's last pod: no flow or endpoint names a pod of that block.
                    const at = text.lastIndexOf('\n    pod ');
                    text = text.slice(0, at) + text.slice(at).replace(/^(\n {4}pod \S+ 10\.\d+\.\d+\.)(\d+)/, (_, head, last) => `${head}${(Number(last) % 200) + 1}`);
                    break;
                }
                case 'rename pod':
                    text = text.replace(podLine, (_, head, name: string, rest) => `${head}${name.endsWith('x') ? name.slice(0, -1) : name + 'x'}${rest}`);
                    break;
                case 'pod namespace': {
                    const ns = pick(namespaces);
                    text = text.replace(podLine, (_, head, name, rest: string) =>
                        `${head}${name}${/ namespace \S+/.test(rest) ? rest.replace(/ namespace \S+/, ns === 'default' ? '' : ` namespace ${ns}`) : `${rest} namespace ${ns}`}`);
                    break;
                }
                case 'rename service': {
                    const s = pick(services.slice(0, 4));
                    text = text.replace(new RegExp(`^( {2}service )${s.name}(x?) \\{`, 'm'), (_, head, x) => `${head}${s.name}${x ? '' : 'x'} {`);
                    break;
                }
                case 'service namespace': {
                    const s = pick(services.slice(0, 4));
                    const block = new RegExp(`(^ {2}service ${s.name}x? \\{\\n(?: {4}[^\\n]*\\n)*? {4}namespace )(\\S+)`, 'm');
                    text = text.replace(block, (_, head) => `${head}${pick(namespaces)}`);
                    break;
                }
                case 'rename node':
                    text = text.replace(/^( {2}node k8s-worker-0002)(x?) \{/m, (_, head, x) => `${head}${x ? '' : 'x'} {`);
                    break;
                case 'duplicate pod': {
                    const dup = `    pod ${p.name} 10.128.5.250 namespace dup\n`;
                    text = text.includes(dup) ? text.replace(dup, '') : text.replace(/^( {2}node k8s-worker-0005 \{\n)/m, `$1${dup}`);
                    break;
                }
                case 'source namespace': {
                    // Only the flow's source is renamed in namespace: its destination's text stays.
                    const line = new RegExp(`^( {4}pod ${pods[20].name} [^\\n]*?)( namespace \\S+)?$`, 'm');
                    text = text.replace(line, (_, head, ns?: string) => `${head} namespace ${ns === ' namespace payments' ? 'search' : 'payments'}`);
                    break;
                }
                case 'vni':
                    text = text.replace(/vni (\d+)/, (_, n) => `vni ${Number(n) === 1 ? 2 : 1}`);
                    break;
            }
            if (text === before) continue;
            const document = await open(text);
            const relink = linker.lastRelink;
            const want = await fresh(text);
            expect(targets(document), `step ${step} (${kind})`).toEqual(targets(want.d));
            expect(diagnostics(document), `step ${step} (${kind})`).toEqual(diagnostics(want.d));
            expect(indexed(document), `step ${step} (${kind})`).toEqual(want.index);
            expect(declared(document), `step ${step} (${kind})`).toEqual(declared(want.d));
            expect(linker.lastLink(document), `step ${step} (${kind})`).toBe('splice');
            const s = seen.get(kind) ?? { steps: 0, resolved: 0, kept: 0 };
            seen.set(kind, { steps: s.steps + 1, resolved: s.resolved + relink.resolved, kept: s.kept + relink.kept });
        }
        // Every kind of edit ran; an edit that renames nothing kept almost every reference,
        // and one of another kind of block (the CNI's) resolved them all again.
        expect([...seen.keys()].sort()).toEqual([...kinds].sort());
        const address = seen.get('address')!;
        expect(address.kept).toBeGreaterThan(20 * address.resolved);
        expect(seen.get('rename pod')!.kept).toBeGreaterThan(seen.get('rename pod')!.resolved);
        expect(seen.get('vni')!.kept).toBe(0);
    }, 120_000);
});
