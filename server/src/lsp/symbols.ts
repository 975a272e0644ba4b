/**
 * The outline (cluster → networks, nodes → pods, services, hosts, flows) and workspace
 * symbols (every named declaration of every open .knet document, fuzzy-matched).
 */
import { type AstNode, type CstNode, type LangiumDocument, GrammarUtils, isCompositeCstNode } from 'langium';
import type { DocumentSymbolProvider, FuzzyMatcher, WorkspaceSymbolProvider } from 'langium/lsp';
import type { LangiumSharedServices } from 'langium/lsp';
import { type DocumentSymbol, type DocumentSymbolParams, type Range, type WorkspaceSymbol, type WorkspaceSymbolParams, SymbolKind } from 'vscode-languageserver';
import * as ast from '../language/generated/ast';
import { podNamespace, serviceNamespace } from '../language/name-index';

/**
 * Positions of a declaration and its name. One `positionAt` per symbol: most
 * declarations (every pod line) sit on one line, so the rest is counted along it.
 */
function positions(document: LangiumDocument, node: AstNode): { full: Range; name?: Range } | undefined {
    const cst = node.$cstNode;
    if (!cst) return undefined;
    const t = document.textDocument;
    const text = cst.text;
    const start = t.positionAt(cst.offset);
    const along = (offset: number) => text.lastIndexOf('\n', offset - cst.offset - 1) < 0
        ? { line: start.line, character: start.character + offset - cst.offset } : t.positionAt(offset);
    const full = { start, end: along(cst.end) };
    // The name follows the keyword (`pod NAME`, `node NAME`…); a flow's may be absent.
    // (a declaration reached through an alternative, `NodeItem: … | Pod`, sits inside one-child wrappers)
    let inner: CstNode = cst;
    while (isCompositeCstNode(inner) && inner.content.length === 1) inner = inner.content[0];
    const second = isCompositeCstNode(inner) && !ast.isFlow(node) ? inner.content[1] : undefined;
    const nameCst = second && second.text === (node as { name?: string }).name ? second : GrammarUtils.findNodeForProperty(cst, 'name');
    return { full, name: nameCst ? { start: along(nameCst.offset), end: along(nameCst.end) } : undefined };
}

function symbol(document: LangiumDocument, node: AstNode, name: string | undefined, kind: SymbolKind, detail?: string, children?: DocumentSymbol[]): DocumentSymbol | undefined {
    const at = name ? positions(document, node) : undefined;
    if (!at || !name) return undefined;
    return { name, kind, detail, range: at.full, selectionRange: at.name ?? at.full, children };
}

function compact<T>(list: (T | undefined)[]): T[] {
    return list.filter((x): x is T => x !== undefined);
}

function flowName(flow: ast.Flow): string {
    const src = flow.source?.endpoint?.$refText ?? '?';
    const dst = flow.destination?.endpoint?.$refText ?? flow.destination?.address ?? '?';
    const port = flow.destination?.port !== undefined ? `:${flow.destination.port}` : '';
    return flow.name ?? `${src} -> ${dst}${port}`;
}

/** The outline of one document. */
export function outline(document: LangiumDocument): DocumentSymbol[] {
    const root = document.parseResult?.value as ast.Document | undefined;
    const out: DocumentSymbol[] = [];
    for (const cluster of root?.clusters ?? []) {
        const children: (DocumentSymbol | undefined)[] = [];
        for (const item of cluster.items) {
            if (ast.isNetwork(item)) children.push(symbol(document, item, item.name, SymbolKind.Namespace, item.cidr));
            else if (ast.isNode(item)) {
                const pods = item.items.filter(ast.isPod).map(p => symbol(document, p, p.name, SymbolKind.Object,
                    [p.address, podNamespace(p) !== 'default' ? podNamespace(p) : undefined].filter(Boolean).join(' ')));
                const address = item.items.find(ast.isNodeAddress)?.address;
                children.push(symbol(document, item, item.name, SymbolKind.Class, address, compact(pods)));
            } else if (ast.isService(item)) {
                const ip = item.items.find(ast.isServiceClusterIp);
                const ns = serviceNamespace(item);
                children.push(symbol(document, item, item.name, SymbolKind.Interface, [ip?.address ?? ip?.word, ns !== 'default' ? ns : undefined].filter(Boolean).join(' ')));
            } else if (ast.isHost(item)) children.push(symbol(document, item, item.name, SymbolKind.Struct, item.address));
            else if (ast.isFlow(item)) {
                const dst = item.destination?.endpoint?.$refText ?? item.destination?.address ?? '';
                children.push(symbol(document, item, flowName(item), SymbolKind.Event, `${item.source?.endpoint?.$refText ?? ''} -> ${dst}`));
            }
        }
        const c = symbol(document, cluster, cluster.name, SymbolKind.Module, undefined, compact(children));
        if (c) out.push(c);
    }
    return out;
}

export class KnetDocumentSymbolProvider implements DocumentSymbolProvider {
    getSymbols(document: LangiumDocument, _params: DocumentSymbolParams): DocumentSymbol[] {
        try {
            return outline(document);
        } catch {
            return [];
        }
    }
}

export class KnetWorkspaceSymbolProvider implements WorkspaceSymbolProvider {
    private readonly fuzzy: FuzzyMatcher;
    constructor(private readonly shared: LangiumSharedServices) {
        this.fuzzy = shared.lsp.FuzzyMatcher;
    }

    getSymbols(params: WorkspaceSymbolParams): WorkspaceSymbol[] {
        const query = params.query ?? '';
        const out: WorkspaceSymbol[] = [];
        const limit = 2000;
        for (const document of this.shared.workspace.LangiumDocuments.all) {
            if (!document.uri.path.endsWith('.knet')) continue;
            const uri = document.uri.toString();
            const visit = (symbols: DocumentSymbol[] | undefined, container?: string): void => {
                for (const s of symbols ?? []) {
                    if (out.length >= limit) return;
                    if (!query || this.fuzzy.match(query, s.name)) {
                        out.push({ name: s.name, kind: s.kind, containerName: container, location: { uri, range: s.selectionRange } });
                    }
                    visit(s.children, s.name);
                }
            };
            try {
                visit(outline(document));
            } catch {
                // a document mid-edit: skip it
            }
        }
        return out;
    }
}
