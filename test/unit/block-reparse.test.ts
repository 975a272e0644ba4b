/**
 * Re-parsing one block and splicing it in must give the tree a full parse gives: the same
 * AST (values, references' text, containers) and the same CST (every node's grammar
 * element, offset, length, range, text), for edits anywhere inside a block, including ones
 * that add or remove lines. Edits it cannot confine to a block must be left to a full parse.
 * Through the document builder, a spliced edit links and validates as a fresh build does.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type AstNode, type CstNode, type ParseResult, DocumentState, EmptyFileSystem, URI, isCompositeCstNode, isOperationCancelled, isReference } from 'langium';
import { CancellationTokenSource } from 'vscode-languageserver';
import type { KnetLinker } from '../../server/src/language/linker';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createKnetServices } from '../../server/src/language/knet-module';
import { canReparseBlock, editBetween, reparseBlock, textChange } from '../../server/src/language/block-reparse';
import type { Document } from '../../server/src/language/generated/ast';

type Parser = Parameters<typeof reparseBlock>[0];
type Previous = Parameters<typeof reparseBlock>[1];

/** `reparseBlock` of the edit between two texts (none when they are the same). */
function reparse(parser: Parser, previous: Previous, oldText: string, newText: string) {
    const edit = editBetween(oldText, newText);
    return edit && reparseBlock(parser, previous, edit);
}

function canReparse(parser: Parser, previous: Previous, oldText: string, newText: string): boolean {
    const edit = editBetween(oldText, newText);
    return !!edit && canReparseBlock(parser, previous, edit);
}
import { generateCluster } from '../../server/src/bench/generate';
import { type NameIndex, nameIndex } from '../../server/src/language/name-index';

const { shared, Knet } = createKnetServices(EmptyFileSystem);
const parser = Knet.parser.LangiumParser;
const parse = (text: string) => parser.parse<Document>(text);

/** The AST as plain data: values, references by their text, and where each node sits. */
function astShape(node: AstNode): unknown {
    const out: Record<string, unknown> = { $type: node.$type, $containerProperty: node.$containerProperty, $containerIndex: node.$containerIndex };
    for (const [key, value] of Object.entries(node)) {
        if (key.startsWith('$')) continue;
        out[key] = shapeOf(value);
    }
    return out;
}

function shapeOf(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(shapeOf);
    if (isReference(value)) return { ref: value.$refText, at: value.$refNode?.offset };
    if (value && typeof value === 'object' && '$type' in value) return astShape(value as AstNode);
    return value;
}

/** The CST as rows: kind, grammar element, positions, text, and the AST node it stands for. */
function cstRows(root: CstNode): string[] {
    const rows: string[] = [];
    const visit = (n: CstNode, depth: number, parent?: CstNode): void => {
        const own = (n as unknown as { _astNode?: AstNode })._astNode;
        // Links in both directions, as a row of their own only when broken (one expect per tree is fast).
        if (n.container !== parent) rows.push(`container of ${n.offset} is wrong`);
        if (own && own.$cstNode !== n) rows.push(`$cstNode of ${own.$type} at ${n.offset} is wrong`);
        const source = n.grammarSource ? `${n.grammarSource.$type}@${n.grammarSource.$cstNode?.offset}` : '-';
        rows.push([depth, isCompositeCstNode(n) ? 'C' : 'L', source, n.offset, n.length, JSON.stringify(n.range), n.hidden, own?.$type ?? '', isCompositeCstNode(n) ? '' : n.text].join(' '));
        if (isCompositeCstNode(n)) for (const c of n.content) visit(c, depth + 1, n);
    };
    visit(root, 0);
    return rows;
}

function brokenContainers(node: AstNode, out: string[] = []): string[] {
    for (const [key, value] of Object.entries(node)) {
        if (key.startsWith('$')) continue;
        const items = Array.isArray(value) ? value : [value];
        items.forEach((item, i) => {
            if (item && typeof item === 'object' && '$type' in item) {
                if (item.$container !== node || item.$containerProperty !== key || (Array.isArray(value) && item.$containerIndex !== i)) {
                    out.push(`${item.$type} in ${node.$type}.${key}[${i}]`);
                }
                brokenContainers(item, out);
            }
        });
    }
    return out;
}

function expectSameTree(spliced: ParseResult<Document>, full: ParseResult<Document>, text: string): void {
    expect(spliced.value.$cstNode!.root.fullText).toBe(text);
    expect(astShape(spliced.value)).toEqual(astShape(full.value));
    expect(brokenContainers(spliced.value)).toEqual([]);
    expect(cstRows(spliced.value.$cstNode!)).toEqual(cstRows(full.value.$cstNode!));
}

/** Seeded, so a failure names an edit that can be replayed. */
function random(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = Math.imul(a ^ (a >>> 15), a | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

const example = fs.readFileSync(path.join(__dirname, '../../examples/flannel-vxlan.knet'), 'utf8');
const generated = generateCluster({ variant: 'calico-ipip', nodes: 12, podsPerNode: 10 }).text;

describe('the changed region of two texts', () => {
    it('is the part outside their common prefix and suffix', () => {
        expect(textChange('abcdef', 'abXdef')).toEqual({ start: 2, oldEnd: 3, newEnd: 3 });
        expect(textChange('abc', 'abXYc')).toEqual({ start: 2, oldEnd: 2, newEnd: 4 });
        expect(textChange('aaaa', 'aa')).toEqual({ start: 2, oldEnd: 4, newEnd: 2 });
        expect(textChange('same', 'same')).toBeUndefined();
    });

    it('compares long texts by chunks with the answer of a character-by-character comparison', () => {
        const rnd = random(3);
        const naive = (a: string, b: string) => {
            let start = 0;
            const max = Math.min(a.length, b.length);
            while (start < max && a[start] === b[start]) start++;
            let suffix = 0;
            while (suffix < max - start && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
            return { start, oldEnd: a.length - suffix, newEnd: b.length - suffix };
        };
        const base = Array.from({ length: 30_000 }, () => 'ab\n'[Math.floor(rnd() * 3)]).join('');
        for (let k = 0; k < 200; k++) {
            const at = Math.floor(rnd() * base.length);
            const cut = Math.floor(rnd() * 9000);
            const insert = 'ab'.repeat(Math.floor(rnd() * 5000));
            const next = base.slice(0, at) + insert + base.slice(at + cut);
            if (next === base) continue;
            expect(textChange(base, next)).toEqual(naive(base, next));
        }
    });
});

describe('re-parsing the block an edit falls in', () => {
    it('gives the full parse\'s tree for a pod address typed over', () => {
        const old = example;
        const text = old.replace('10.244.2.5', '10.244.2.57');
        const spliced = reparse(parser, parse(old), old, text);
        expect(spliced).toBeDefined();
        expect(spliced!.splice.removed.$type).toBe('Node');
        expectSameTree(spliced!.parseResult, parse(text), text);
    });

    it('gives the full parse\'s tree for lines added and removed inside a node, and comments', () => {
        const at = example.indexOf('\n', example.indexOf('node node01 {')) + 1;
        const cases = [
            example.slice(0, at) + '    pod extra-1 10.244.1.200 { namespace kube-system }\n    // a note\n' + example.slice(at),
            example.slice(0, at) + example.slice(example.indexOf('\n', at) + 1),
            example.slice(0, at) + '    /* several\n       lines */\n' + example.slice(at),
        ];
        for (const text of cases) {
            const spliced = reparse(parser, parse(example), example, text);
            expect(spliced, text.slice(at - 20, at + 60)).toBeDefined();
            expectSameTree(spliced!.parseResult, parse(text), text);
        }
    });

    it('gives the full parse\'s tree with CRLF line ends and non-ASCII comments', () => {
        const old = example.replace(/\n/g, '\r\n').replace('  node node01 {', '  // nœud — rack 2\r\n  node node01 {');
        const at = old.indexOf('\r\n', old.indexOf('node node01 {')) + 2;
        const text = old.slice(0, at) + '    // ünïcode 🚀\r\n    pod extra 10.244.1.9\r\n' + old.slice(at);
        const spliced = reparse(parser, parse(old), old, text);
        expect(spliced).toBeDefined();
        expectSameTree(spliced!.parseResult, parse(text), text);
    });

    it('gives the full parse\'s tree for random edits inside blocks (300 seeded edits, applied one after another)', () => {
        const rnd = random(8);
        let text = generated;
        let current = parse(text);
        let spliced = 0;
        let withErrors = 0;
        const inserts = ['x', '1', ' ', '\n', '-', '.', '    pod q 10.128.0.9\n', ' labels app=x', '\n\n', '// c\n', ' mtu 1400'];
        for (let k = 0; k < 300; k++) {
            const nodes = current.value.clusters[0].items.filter(i => i.$type === 'Node' || i.$type === 'Service');
            const block = nodes[Math.floor(rnd() * nodes.length)].$cstNode!;
            // Strictly inside the block: after its first character, before its closing brace.
            const from = block.offset + 1 + Math.floor(rnd() * (block.length - 2));
            const removeLength = rnd() < 0.5 ? 0 : Math.floor(rnd() * Math.min(12, block.end - 1 - from));
            const insert = rnd() < 0.3 ? '' : inserts[Math.floor(rnd() * inserts.length)];
            const next = text.slice(0, from) + insert + text.slice(from + removeLength);
            const full = parse(next);
            const predicted = canReparse(parser, current, text, next);
            const result = reparse(parser, current, text, next);
            expect(predicted).toBe(result !== undefined);
            if (full.lexerErrors.length === 0 && full.parserErrors.length === 0) {
                if (result) {
                    spliced++;
                    expectSameTree(result.parseResult, full, next);
                    current = result.parseResult;
                } else {
                    current = full;
                }
                text = next;
            } else {
                // A block that no longer parses is spliced with its errors, which stay inside it.
                if (result) {
                    withErrors++;
                    const errors = [...result.parseResult.lexerErrors.map(e => e.offset), ...result.parseResult.parserErrors.map(e => e.token.startOffset)];
                    expect(errors.length).toBeGreaterThan(0);
                    for (const at of errors) expect(at >= block.offset && at < block.end + insert.length - removeLength, `${at} in ${block.offset}..${block.end}`).toBe(true);
                }
                current = parse(text);
            }
        }
        expect(spliced).toBeGreaterThan(40);
        expect(withErrors).toBeGreaterThan(10);
    });

    it('leaves to a full parse what it cannot confine to one block', () => {
        const old = example;
        const previous = () => parse(old);
        // Between blocks, on a cluster line, across two blocks, on a block's closing brace.
        const between = old.indexOf('  node node01');
        expect(reparse(parser, previous(), old, old.slice(0, between) + '\n' + old.slice(between))).toBeUndefined();
        expect(reparse(parser, previous(), old, old.replace('10.96.0.0/12', '10.96.0.0/16'))).toBeUndefined();
        const a = old.indexOf('node node00');
        const b = old.indexOf('node node01');
        expect(reparse(parser, previous(), old, old.slice(0, a + 5) + old.slice(b + 5))).toBeUndefined();
        const close = old.indexOf('\n  }', a) + 3;
        expect(old[close]).toBe('}');
        expect(reparse(parser, previous(), old, old.slice(0, close) + old.slice(close + 1))).toBeUndefined();
        // An edit that leaves a brace open in the block, and one that splits it into two blocks.
        expect(reparse(parser, previous(), old, old.replace('pod nginx', 'pod { nginx'))).toBeUndefined();
        const inner = old.indexOf('\n', a) + 1;
        expect(reparse(parser, previous(), old, old.slice(0, inner) + '  }\n  node split {\n' + old.slice(inner))).toBeUndefined();
        // An unterminated comment reaches past the block.
        expect(reparse(parser, previous(), old, old.slice(0, inner) + '/* ' + old.slice(inner))).toBeUndefined();
        // A previous parse with errors.
        const broken = old.replace('pod nginx', 'pod { nginx');
        expect(reparse(parser, parse(broken), broken, broken.replace('10.244.2.5', '10.244.2.6'))).toBeUndefined();
    });
});

describe('syntax errors inside the edited block', () => {
    /** Each error as the editor shows it: message, line and column (1-based, as the parser gives them). */
    const errorRows = (r: ParseResult<Document>) => [
        ...r.lexerErrors.map(e => `lex ${e.line}:${e.column} ${e.message}`),
        ...r.parserErrors.map(e => `parse ${e.token.startLine}:${e.token.startColumn} ${e.token.startOffset} ${e.message}`),
    ];

    it('are spliced in where they are, and once fixed the tree is the full parse\'s', () => {
        const old = example;
        const typing = old.replace('qbchs 10.244.2.5 ', 'qbchs 10.244. ');
        const broken = reparse(parser, parse(old), old, typing);
        expect(broken).toBeDefined();
        expect(errorRows(broken!.parseResult).length).toBeGreaterThan(0);
        expect(errorRows(broken!.parseResult)).toEqual(errorRows(parse(typing)));
        // The next keystrokes splice from the broken block.
        const still = typing.replace('qbchs 10.244. ', 'qbchs 10.244.2 ');
        const next = reparse(parser, broken!.parseResult, typing, still);
        expect(next).toBeDefined();
        expect(errorRows(next!.parseResult)).toEqual(errorRows(parse(still)));
        const fixed = still.replace('qbchs 10.244.2 ', 'qbchs 10.244.2.9 ');
        const clean = reparse(parser, next!.parseResult, still, fixed);
        expect(clean).toBeDefined();
        expect(errorRows(clean!.parseResult)).toEqual([]);
        expectSameTree(clean!.parseResult, parse(fixed), fixed);
    });

    it('elsewhere in the file leave an edit of another block to a full parse', () => {
        const old = example;
        const typing = old.replace('qbchs 10.244.2.5 ', 'qbchs 10.244. ');
        const broken = reparse(parser, parse(old), old, typing)!;
        const a = typing.indexOf('node node00');
        const elsewhere = typing.slice(0, a) + typing.slice(a).replace(/10\.244\.0\.(\d+)/, '10.244.0.77');
        expect(elsewhere).not.toBe(typing);
        expect(reparse(parser, broken.parseResult, typing, elsewhere)).toBeUndefined();
    });

    it('show in the editor as a full build shows them', async () => {
        const uri = 'file:///splice/typing.knet';
        const texts = shared.workspace.TextDocuments!;
        texts.set(TextDocument.create(uri, 'knet', 1, example));
        await shared.workspace.DocumentBuilder.update([URI.parse(uri)], []);
        const document = shared.workspace.LangiumDocuments.getDocument(URI.parse(uri))!;
        const before = [...(document.parseResult.value as Document).clusters[0].items];
        const typing = example.replace('qbchs 10.244.2.5 ', 'qbchs 10.244. ');
        texts.set(TextDocument.create(uri, 'knet', 2, typing));
        await shared.workspace.DocumentBuilder.update([URI.parse(uri)], []);
        const after = document.parseResult.value as Document;
        // Spliced: the other blocks are the same objects.
        expect(after.clusters[0].items.filter((item, k) => item !== before[k]).map(i => i.$type)).toEqual(['Node']);
        const fresh = shared.workspace.LangiumDocumentFactory.fromString(typing, URI.parse('file:///splice/typing-fresh.knet'));
        shared.workspace.LangiumDocuments.addDocument(fresh);
        await shared.workspace.DocumentBuilder.build([fresh], { validation: true });
        const strip = (ds: typeof document.diagnostics) => (ds ?? []).map(d => ({ message: d.message, range: d.range, code: d.code }))
            .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
        expect(strip(document.diagnostics).length).toBeGreaterThan(0);
        expect(strip(document.diagnostics)).toEqual(strip(fresh.diagnostics));
        shared.workspace.LangiumDocuments.deleteDocument(fresh.uri);
        shared.workspace.LangiumDocuments.deleteDocument(document.uri);
    });
});

describe('a spliced edit through the document builder', () => {
    it('links and validates as a fresh build of the same text does, and keeps the untouched blocks', async () => {
        const uri = 'file:///splice/cluster.knet';
        const texts = shared.workspace.TextDocuments!;
        const v1 = example;
        texts.set(TextDocument.create(uri, 'knet', 1, v1));
        await shared.workspace.DocumentBuilder.update([URI.parse(uri)], []);
        const document = shared.workspace.LangiumDocuments.getDocument(URI.parse(uri))!;
        const before = document.parseResult.value as Document;
        const items = [...before.clusters[0].items];

        // Rename the pod a flow names (the flow's reference breaks), then move a pod's address.
        const edits = [
            v1.replace('pod busybox1-857448d9ff-shdfz', 'pod busybox1-renamed'),
            v1.replace('tlvrq 10.244.1.2 ', 'tlvrq 10.244.1.77 '),
        ];
        for (const [i, text] of edits.entries()) {
            texts.set(TextDocument.create(uri, 'knet', i + 2, text));
            await shared.workspace.DocumentBuilder.update([URI.parse(uri)], []);
            const after = document.parseResult.value as Document;
            expect(after).not.toBe(before);
            // Only the edited node's block is new.
            const changed = after.clusters[0].items.filter((item, k) => item !== items[k]);
            expect(changed.map(c => c.$type)).toEqual(['Node']);

            const fresh = shared.workspace.LangiumDocumentFactory.fromString(text, URI.parse(`file:///splice/fresh-${i}.knet`));
            shared.workspace.LangiumDocuments.addDocument(fresh);
            await shared.workspace.DocumentBuilder.build([fresh], { validation: true });
            const strip = (ds: typeof document.diagnostics) => (ds ?? []).map(d => ({ message: d.message, range: d.range, code: d.code }))
                .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
            expect(strip(document.diagnostics)).toEqual(strip(fresh.diagnostics));
            const targets = (refs: typeof document.references) => refs.filter(isReference).map(r => [r.$refText, r.ref?.$cstNode?.offset, r.$refNode?.offset]);
            expect(targets(document.references)).toEqual(targets(fresh.references));
            // Every resolved reference points into the current tree, not the replaced block.
            for (const r of document.references.filter(isReference)) if (r.ref) expect(inTree(r.ref, after)).toBe(true);
            shared.workspace.LangiumDocuments.deleteDocument(fresh.uri);
            texts.set(TextDocument.create(uri, 'knet', 10 + i, v1));
            await shared.workspace.DocumentBuilder.update([URI.parse(uri)], []);
            items.splice(0, items.length, ...(document.parseResult.value as Document).clusters[0].items);
        }
        expect(edits[0]).not.toBe(v1);
    });
});

/** An index as plain data: every map's entries by the declaration's offset, sorted by key. */
function indexShape(index: NameIndex): unknown {
    const at = (n: AstNode) => n.$cstNode?.offset;
    const entries = <T extends AstNode>(m: Map<string, T>) => [...m].map(([k, v]) => [k, at(v)]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    const lists = <T extends AstNode>(m: Map<string, T[]>) => [...m].map(([k, v]) => [k, v.map(at)]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    return {
        domain: index.domain, networks: entries(index.networks), nodes: entries(index.nodes), hosts: entries(index.hosts),
        pods: entries(index.pods), podsByName: lists(index.podsByName), duplicatePods: index.duplicatePods.map(at),
        services: entries(index.services), servicesByName: lists(index.servicesByName),
    };
}

describe('the name index after a spliced edit', () => {
    const cases: [string, (t: string) => string, boolean][] = [
        ['a pod\'s address', t => t.replace('shdfz 10.244.2.2 ', 'shdfz 10.244.2.9 '), true],
        ['a pod renamed', t => t.replace('pod busybox1-857448d9ff-shdfz', 'pod busybox1-renamed'), true],
        ['a pod added', t => t.replace('    pod busybox1', '    pod extra 10.244.2.30 { namespace team-a }\n    pod busybox1'), true],
        ['a pod removed', t => t.replace(/ *pod busybox1-857448d9ff-shdfz[^\n]*\n/, ''), true],
        ['a pod that repeats another\'s name', t => t.replace('    pod busybox1', '    pod busybox3-c997b9cc4-tlvrq 10.244.2.31\n    pod busybox1'), false],
        ['a service moved to another namespace', t => t.replace('service nginx-deployment {', 'service nginx-deployment {\n    namespace web'), true],
        ['a node renamed', t => t.replace('node node02 {', 'node node02b {'), false],
    ];
    for (const [what, edit, patched] of cases) {
        it(`equals a fresh index: ${what}`, async () => {
            const uri = `file:///splice/index-${what.replace(/\W+/g, '-')}.knet`;
            const texts = shared.workspace.TextDocuments!;
            texts.set(TextDocument.create(uri, 'knet', 1, example));
            await shared.workspace.DocumentBuilder.update([URI.parse(uri)], []);
            const document = shared.workspace.LangiumDocuments.getDocument(URI.parse(uri))!;
            const first = nameIndex(document.parseResult.value as Document);
            const text = edit(example);
            expect(text).not.toBe(example);
            texts.set(TextDocument.create(uri, 'knet', 2, text));
            await shared.workspace.DocumentBuilder.update([URI.parse(uri)], []);
            const root = document.parseResult.value as Document;
            const carried = nameIndex(root);
            expect(carried === first, 'patched in place rather than rebuilt').toBe(patched);
            expect(indexShape(carried)).toEqual(indexShape(nameIndex(parse(text).value)));
            // Nothing in it is left from the replaced block.
            const declared = [...carried.pods.values(), ...carried.nodes.values(), ...carried.services.values(), ...carried.networks.values(), ...[...carried.podsByName.values()].flat()];
            expect(declared.filter(d => !inTree(d, root)).map(d => d.$type)).toEqual([]);
        });
    }
});

/** True when `node` is reachable from `root` (a replaced block still names its old container). */
function inTree(node: AstNode, root: AstNode): boolean {
    for (let n = node; n.$container; n = n.$container) {
        const slot = (n.$container as unknown as Record<string, unknown>)[n.$containerProperty!];
        if ((Array.isArray(slot) ? slot[n.$containerIndex!] : slot) !== n) return false;
        if (n.$container === root) return true;
    }
    return node === root;
}

describe('relinking after splices', () => {
    it('walks the AST once when opened, then relinks from its reference sites, also after a build was typed over', async () => {
        const uri = 'file:///splice/relink.knet';
        const texts = shared.workspace.TextDocuments!;
        const builder = shared.workspace.DocumentBuilder;
        const linker = Knet.references.Linker as KnetLinker;
        texts.set(TextDocument.create(uri, 'knet', 1, example));
        await builder.update([URI.parse(uri)], []);
        const document = shared.workspace.LangiumDocuments.getDocument(URI.parse(uri))!;
        expect(linker.lastLink(document)).toBe('walk');

        // An edit whose build is cancelled right after the parse: nothing is linked for it.
        const v2 = example.replace('pod busybox1-857448d9ff-shdfz', 'pod busybox1-renamed');
        texts.set(TextDocument.create(uri, 'knet', 2, v2));
        const source = new CancellationTokenSource();
        const listener = builder.onBuildPhase(DocumentState.Parsed, () => source.cancel());
        await expect(builder.update([URI.parse(uri)], [], source.token)).rejects.toSatisfy(isOperationCancelled);
        listener.dispose();
        expect(document.state).toBeLessThan(DocumentState.Linked);

        // The next edit relinks from the sites, through both splices.
        const v3 = v2.replace('busybox3-c997b9cc4-tlvrq 10.244.1.2', 'busybox3-c997b9cc4-tlvrq 10.244.1.3');
        texts.set(TextDocument.create(uri, 'knet', 3, v3));
        await builder.update([URI.parse(uri)], []);
        expect(linker.lastLink(document)).toBe('splice');
        const fresh = shared.workspace.LangiumDocumentFactory.fromString(v3, URI.parse('file:///splice/relink-fresh.knet'));
        shared.workspace.LangiumDocuments.addDocument(fresh);
        await builder.build([fresh], { validation: true });
        expect(linker.lastLink(fresh)).toBe('walk');
        const targets = (refs: typeof document.references) => refs.filter(isReference).map(r => [r.$refText, r.ref?.$cstNode?.offset, r.$refNode?.offset, r.error?.message]);
        expect(targets(document.references)).toEqual(targets(fresh.references));
        expect(linker.referenceSites(document)!.length).toBe(linker.referenceSites(fresh)!.length);
        expect(document.diagnostics!.map(d => d.message).sort()).toEqual(fresh.diagnostics!.map(d => d.message).sort());
        shared.workspace.LangiumDocuments.deleteDocument(fresh.uri);
    });
});
