/**
 * The outline (cluster → networks, nodes → pods, services, hosts, flows) and workspace
 * symbols (every named declaration of every open .knet document, fuzzy-matched).
 */
import { type AstNode, type LangiumDocument, GrammarUtils } from 'langium';
import type { DocumentSymbolProvider, FuzzyMatcher, WorkspaceSymbolProvider } from 'langium/lsp';
import type { LangiumSharedServices } from 'langium/lsp';
import { type DocumentSymbol, type DocumentSymbolParams, type Range, type WorkspaceSymbol, type WorkspaceSymbolParams, SymbolKind } from 'vscode-languageserver';
import * as ast from '../language/generated/ast';
import { podNamespace, serviceNamespace } from '../language/name-index';

function range(document: LangiumDocument, node: AstNode | undefined): Range | undefined {
    const cst = node?.$cstNode;
    if (!cst) return undefined;
    const t = document.textDocument;
    return { start: t.positionAt(cst.offset), end: t.positionAt(cst.end) };
}

function symbol(document: LangiumDocument, node: AstNode, name: string | undefined, kind: SymbolKind, detail?: string, children?: DocumentSymbol[]): DocumentSymbol | undefined {
    const full = range(document, node);
    if (!full || !name) return undefined;
    const nameCst = node.$cstNode ? GrammarUtils.findNodeForProperty(node.$cstNode, 'name') : undefined;
    const selection = nameCst
        ? { start: document.textDocument.positionAt(nameCst.offset), end: document.textDocument.positionAt(nameCst.end) } : full;
    return { name, kind, detail, range: full, selectionRange: selection, children };
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
