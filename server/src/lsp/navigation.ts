/**
 * Go to definition, find references, document highlights and rename, for the named
 * declarations (nodes, pods, services, networks, hosts, flows) and for a node's devices.
 *
 * References are found in the document itself: a cluster is one file and names resolve
 * only inside it. Rename keeps the form a reference was written in: `NS/NAME` keeps its
 * namespace, a service's DNS name `NAME.NS.svc.DOMAIN.` changes only its first label.
 */
import { type AstNode, type LangiumDocument, type Reference, AstUtils, GrammarUtils } from 'langium';
import type { DefinitionProvider, DocumentHighlightProvider, ReferencesProvider, RenameProvider } from 'langium/lsp';
import {
    type DefinitionParams, type DocumentHighlightParams, type Location, type LocationLink, type Range,
    type ReferenceParams, type RenameParams, type TextDocumentPositionParams, type WorkspaceEdit,
    DocumentHighlight, DocumentHighlightKind, TextEdit,
} from 'vscode-languageserver';
import * as ast from '../language/generated/ast';
import type { KnetServices } from '../language/knet-module';
import { type Declaration, type Located, type TextSpan, locate, nameSpan } from './locate';
import { type DeviceScope, occurrencesOf } from './devices';
import { nameIndex, podNamespace, serviceNamespace } from '../language/name-index';

/** A thing that has occurrences: a declaration, or a device within its namespace. */
export type Symbolic =
    | { kind: 'declaration'; node: Declaration }
    | { kind: 'device'; scope: DeviceScope; name: string };

export interface Occurrence {
    readonly span: TextSpan;
    readonly declaration: boolean;
    /** For references: the text as written (`NS/NAME`, a DNS name). */
    readonly text?: string;
}

export function symbolicAt(located: Located | undefined): Symbolic | undefined {
    if (!located) return undefined;
    if (located.kind === 'declaration') return { kind: 'declaration', node: located.node };
    if (located.kind === 'reference' && located.target) return { kind: 'declaration', node: located.target };
    if (located.kind === 'device') return { kind: 'device', scope: located.scope, name: located.name };
    return undefined;
}

/** The span of a declaration's name token. */
export function declarationNameSpan(node: AstNode): TextSpan | undefined {
    const cst = node.$cstNode ? GrammarUtils.findNodeForProperty(node.$cstNode, 'name') : undefined;
    return cst ? nameSpan(cst) : undefined;
}

/**
 * Every reference to `target` in its document. References live only in flows, service
 * endpoint lists, node addresses (`on NETWORK`) and hosts, so only those are visited: a
 * pass over the cluster's items, never into 150,000 pods' options.
 */
export function referencesTo(target: AstNode): { reference: Reference; span: TextSpan }[] {
    const root = AstUtils.findRootNode(target) as ast.Document;
    const out: { reference: Reference; span: TextSpan }[] = [];
    const check = (r: Reference | undefined): void => {
        if (r && r.ref === target && r.$refNode) out.push({ reference: r, span: { start: r.$refNode.offset, end: r.$refNode.end } });
    };
    for (const cluster of root.clusters ?? []) {
        for (const item of cluster.items) {
            if (ast.isFlow(item)) {
                check(item.source?.endpoint);
                check(item.destination?.endpoint);
            } else if (ast.isService(item)) {
                for (const i of item.items) if (ast.isServiceEndpoints(i)) i.endpoints.forEach(check);
            } else if (ast.isNode(item)) {
                if (!ast.isNetwork(target)) continue;
                for (const i of item.items) if (ast.isNodeAddress(i)) check(i.network);
            } else if (ast.isHost(item)) {
                check(item.network);
            }
        }
    }
    return out;
}

export function occurrences(symbol: Symbolic, includeDeclaration: boolean): Occurrence[] {
    if (symbol.kind === 'device') {
        return occurrencesOf(symbol.scope, symbol.name)
            .filter(o => includeDeclaration || !o.declares)
            .map(o => ({ span: { start: o.start, end: o.end }, declaration: o.declares }));
    }
    const out: Occurrence[] = [];
    if (includeDeclaration) {
        const span = declarationNameSpan(symbol.node);
        if (span) out.push({ span, declaration: true });
    }
    for (const r of referencesTo(symbol.node)) out.push({ span: r.span, declaration: false, text: r.reference.$refText });
    return out.sort((a, b) => a.span.start - b.span.start);
}

function toRange(document: LangiumDocument, span: TextSpan): Range {
    const t = document.textDocument;
    return { start: t.positionAt(span.start), end: t.positionAt(span.end) };
}

/** A device's declaration: written in the scope, or (generated) the model's cause, e.g. the `cni` line. */
function deviceDefinition(services: KnetServices, document: LangiumDocument, scope: DeviceScope, name: string): TextSpan | undefined {
    const declared = occurrencesOf(scope, name).find(o => o.declares);
    if (declared) return { start: declared.start, end: declared.end };
    try {
        const { model } = services.model.ModelCache.get(document);
        const ns = ast.isPod(scope)
            ? model.pods.find(p => p.origin.ast === scope)?.netns()
            : model.nodeByName.get(scope.name)?.netns();
        return ns?.links.get(name)?.origin.span;
    } catch {
        return undefined;
    }
}

export class KnetDefinitionProvider implements DefinitionProvider {
    constructor(private readonly services: KnetServices) { }

    getDefinition(document: LangiumDocument, params: DefinitionParams): LocationLink[] | undefined {
        const offset = document.textDocument.offsetAt(params.position);
        const located = locate(document, offset);
        const symbol = symbolicAt(located);
        if (!located || !symbol) return undefined;
        let target: TextSpan | undefined;
        let full: TextSpan | undefined;
        if (symbol.kind === 'declaration') {
            target = declarationNameSpan(symbol.node);
            const cst = symbol.node.$cstNode;
            full = cst ? { start: cst.offset, end: cst.end } : target;
        } else {
            target = deviceDefinition(this.services, document, symbol.scope, symbol.name);
            full = target;
        }
        if (!target || !full) return undefined;
        return [{
            originSelectionRange: toRange(document, located.span),
            targetUri: document.uri.toString(),
            targetRange: toRange(document, full),
            targetSelectionRange: toRange(document, target),
        }];
    }
}

export class KnetReferencesProvider implements ReferencesProvider {
    findReferences(document: LangiumDocument, params: ReferenceParams): Location[] {
        const symbol = symbolicAt(locate(document, document.textDocument.offsetAt(params.position)));
        if (!symbol) return [];
        const uri = document.uri.toString();
        return occurrences(symbol, params.context?.includeDeclaration ?? true).map(o => ({ uri, range: toRange(document, o.span) }));
    }
}

export class KnetDocumentHighlightProvider implements DocumentHighlightProvider {
    getDocumentHighlight(document: LangiumDocument, params: DocumentHighlightParams): DocumentHighlight[] | undefined {
        const symbol = symbolicAt(locate(document, document.textDocument.offsetAt(params.position)));
        if (!symbol) return undefined;
        return occurrences(symbol, true).map(o =>
            DocumentHighlight.create(toRange(document, o.span), o.declaration ? DocumentHighlightKind.Write : DocumentHighlightKind.Read));
    }
}

/** What a name may look like (the grammar's ID): holds a letter, never ends in `-` or `.`. */
const NAME = /^[0-9]*[A-Za-z_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
/** A Kubernetes Service name is a DNS label: no dots, so its DNS name stays parseable. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export class KnetRenameProvider implements RenameProvider {
    prepareRename(document: LangiumDocument, params: TextDocumentPositionParams): Range | undefined {
        const located = locate(document, document.textDocument.offsetAt(params.position));
        const symbol = symbolicAt(located);
        if (!located || !symbol) return undefined;
        if (symbol.kind === 'device' && !occurrencesOf(symbol.scope, symbol.name).some(o => o.declares)) return undefined;
        if (located.kind === 'reference' && symbol.kind === 'declaration') {
            // Only the name part of `NS/NAME` or of a DNS name is renamed.
            const edit = renameInReference(symbol.node, located.reference.$refText, located.span, 'x');
            return edit ? toRange(document, edit.span) : undefined;
        }
        return toRange(document, located.span);
    }

    rename(document: LangiumDocument, params: RenameParams): WorkspaceEdit | undefined {
        const located = locate(document, document.textDocument.offsetAt(params.position));
        const symbol = symbolicAt(located);
        if (!symbol) return undefined;
        const newName = params.newName.trim();
        if (!NAME.test(newName)) {
            throw new Error(`'${newName}' is not a name: it needs a letter and may hold letters, digits, _ - . and never end in - or .`);
        }
        if (symbol.kind === 'declaration' && ast.isService(symbol.node) && !DNS_LABEL.test(newName)) {
            throw new Error(`'${newName}' is not a Service name: Kubernetes takes a DNS label (lower case letters, digits and -)`);
        }
        const taken = nameTaken(symbol, newName);
        if (taken) throw new Error(`'${newName}' is already ${taken}: renaming would make two of them`);
        const edits: TextEdit[] = [];
        if (symbol.kind === 'device') {
            const all = occurrencesOf(symbol.scope, symbol.name);
            if (!all.some(o => o.declares)) {
                throw new Error(`${symbol.name} is generated; declare it with 'link ${symbol.name} …' to rename it`);
            }
            for (const o of all) edits.push(TextEdit.replace(toRange(document, o), newName));
        } else {
            const decl = declarationNameSpan(symbol.node);
            if (decl) edits.push(TextEdit.replace(toRange(document, decl), newName));
            for (const r of referencesTo(symbol.node)) {
                const e = renameInReference(symbol.node, r.reference.$refText, r.span, newName);
                if (e) edits.push(TextEdit.replace(toRange(document, e.span), e.newText));
            }
        }
        return { changes: { [document.uri.toString()]: edits } };
    }
}

/** What already bears `name` where the symbol's name must be unique, in words; undefined if free. */
function nameTaken(symbol: Symbolic, name: string): string | undefined {
    if (symbol.kind === 'device') {
        return occurrencesOf(symbol.scope, name).some(o => o.declares) ? `a device of ${symbol.scope.name}` : undefined;
    }
    const node = symbol.node;
    if ((node as { name?: string }).name === name) return undefined;
    const index = nameIndex(AstUtils.findRootNode(node) as ast.Document);
    if (ast.isNode(node)) return index.nodes.has(name) ? 'a node' : undefined;
    if (ast.isHost(node)) return index.hosts.has(name) ? 'a host' : undefined;
    if (ast.isNetwork(node)) return index.networks.has(name) ? 'a network' : undefined;
    if (ast.isPod(node)) return index.pods.has(`${podNamespace(node)}/${name}`) ? `a pod in namespace ${podNamespace(node)}` : undefined;
    if (ast.isService(node)) return index.services.has(`${serviceNamespace(node)}/${name}`) ? `a service in namespace ${serviceNamespace(node)}` : undefined;
    if (ast.isFlow(node)) {
        const root = AstUtils.findRootNode(node) as ast.Document;
        return root.clusters.some(c => c.items.some(i => ast.isFlow(i) && i.name === name)) ? 'a flow' : undefined;
    }
    return undefined;
}

/**
 * The part of a reference's text that is the declaration's name: after `NS/`, or a DNS
 * name's first label (`nginx.default.svc.cluster.local.`), or the whole text.
 */
export function renameInReference(target: Declaration, text: string, span: TextSpan, newName: string): { span: TextSpan; newText: string } | undefined {
    const name = (target as { name?: string }).name;
    if (!name) return undefined;
    const slash = text.indexOf('/');
    if (slash >= 0 && text.slice(slash + 1) === name) {
        return { span: { start: span.start + slash + 1, end: span.end }, newText: newName };
    }
    if (text === name) return { span, newText: newName };
    if (ast.isService(target) && text.startsWith(name + '.')) {
        return { span: { start: span.start, end: span.start + name.length }, newText: newName };
    }
    return undefined;
}
