/**
 * Bad input never crashes the server: every feature, asked at many positions of
 * half-typed documents (every example cut at many points, and some garbage), answers
 * without throwing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { EmptyFileSystem, type LangiumDocument } from 'langium';
import { clearDocuments, parseDocument } from 'langium/test';
import { createKnetLanguageServices } from '../../server/src/lsp/knet-lsp-module';
import { flowsOf, traceFor } from '../../server/src/lsp/custom-requests';
import { traceFlow } from '../../server/src/sim/index';
import { readExample } from '../helpers';

const { Knet, workspaceSymbols } = createKnetLanguageServices(EmptyFileSystem, traceFlow);
afterEach(() => clearDocuments(Knet));

// The providers catch and log what would otherwise reach the client as an error: none may.
const logged: string[] = [];
beforeAll(() => { vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => { logged.push(args.map(String).join(' ')); }); });
afterAll(() => {
    vi.restoreAllMocks();
    expect(logged.filter(l => l.startsWith('knet:'))).toEqual([]);
});

async function everyFeature(doc: LangiumDocument, offset: number): Promise<void> {
    const textDocument = { uri: doc.uri.toString() };
    const position = doc.textDocument.positionAt(offset);
    const lsp = Knet.lsp;
    await lsp.HoverProvider!.getHoverContent(doc, { textDocument, position });
    await lsp.DefinitionProvider!.getDefinition(doc, { textDocument, position });
    await lsp.ReferencesProvider!.findReferences(doc, { textDocument, position, context: { includeDeclaration: true } });
    await lsp.DocumentHighlightProvider!.getDocumentHighlight(doc, { textDocument, position });
    await lsp.RenameProvider!.prepareRename(doc, { textDocument, position });
    try {
        await lsp.RenameProvider!.rename(doc, { textDocument, position, newName: 'renamed' });
    } catch (e) {
        // a refusal is an answer; anything but our own words is a crash
        expect(String(e)).toMatch(/generated|not a name|not a Service name/);
    }
    await lsp.CompletionProvider!.getCompletion(doc, { textDocument, position });
    traceFor(Knet, doc, { uri: textDocument.uri, position });
}

async function wholeDocument(doc: LangiumDocument): Promise<void> {
    const textDocument = { uri: doc.uri.toString() };
    const lsp = Knet.lsp;
    await lsp.DocumentSymbolProvider!.getSymbols(doc, { textDocument });
    await lsp.CodeLensProvider!.provideCodeLens(doc, { textDocument });
    await lsp.FoldingRangeProvider!.getFoldingRanges(doc, { textDocument });
    await lsp.Formatter!.formatDocument(doc, { textDocument, options: { tabSize: 2, insertSpaces: true } });
    await lsp.SemanticTokenProvider!.semanticHighlight(doc, { textDocument });
    flowsOf(Knet, doc);
    workspaceSymbols.getSymbols({ query: 'n' });
}

describe('half-typed documents', () => {
    for (const name of ['flannel-vxlan.knet', 'calico-ipip.knet', 'broken/routes.knet', 'broken/services.knet', 'broken/mtu.knet']) {
        it(`every feature answers on ${name} cut at many points`, async () => {
            const text = readExample(name);
            for (let cut = 0; cut < text.length; cut += Math.ceil(text.length / 12)) {
                const doc = await parseDocument(Knet, text.slice(0, cut), { validation: true });
                await wholeDocument(doc);
                for (let offset = 0; offset <= cut; offset += Math.max(1, Math.ceil(cut / 25))) await everyFeature(doc, offset);
                await clearDocuments(Knet, [doc]);
            }
        });
    }

    it('answers on garbage', async () => {
        for (const text of ['', '}}}{{{', 'cluster', 'cluster x { node { pod } flow -> : }', 'cluster x { node n { routes { 999.999.1.1/99 via dev } } }', '\u0000\u00ff@@@ // /*']) {
            const doc = await parseDocument(Knet, text, { validation: true });
            await wholeDocument(doc);
            for (let offset = 0; offset <= text.length; offset++) await everyFeature(doc, offset);
        }
    });
});
