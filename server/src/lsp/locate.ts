/**
 * What sits under the cursor, in the words every editor feature needs: a declaration's
 * name, a reference to one, a device name, an address or prefix literal, a route line, a
 * flow. One reading of the CST shared by hover, definition, references, rename and the
 * trace request, so they never disagree about what the user pointed at.
 */
import { type AstNode, type CstNode, type LangiumDocument, type Reference, CstUtils, GrammarUtils, AstUtils, GrammarAST } from 'langium';
import * as ast from '../language/generated/ast';
import { type DeviceScope, deviceScopeOf, isDeviceProperty } from './devices';

/** Offsets, 0-based, end exclusive. */
export interface TextSpan {
    readonly start: number;
    readonly end: number;
}

/** A declaration that has a name and can be referred to. */
export type Declaration = ast.Node | ast.Pod | ast.Service | ast.Network | ast.Host | ast.Flow;

export type Located =
    | { kind: 'declaration'; node: Declaration; span: TextSpan }
    | { kind: 'reference'; target: Declaration | undefined; reference: Reference; span: TextSpan; container: AstNode }
    | { kind: 'device'; scope: DeviceScope; name: string; span: TextSpan; container: AstNode; property: string }
    | { kind: 'address'; text: string; span: TextSpan; container: AstNode; property: string }
    | { kind: 'keyword'; text: string; span: TextSpan; container: AstNode }
    | { kind: 'other'; span: TextSpan; container: AstNode; property?: string };

export function isDeclaration(node: AstNode | undefined): node is Declaration {
    return ast.isNode(node) || ast.isPod(node) || ast.isService(node) || ast.isNetwork(node) || ast.isHost(node) || ast.isFlow(node);
}

/** The token at `offset`, or the one just before it when the cursor sits at a token's end. */
export function leafAt(document: LangiumDocument, offset: number): CstNode | undefined {
    const root = document.parseResult?.value?.$cstNode;
    if (!root) return undefined;
    const leaf = CstUtils.findLeafNodeAtOffset(root, offset);
    if (leaf && !leaf.hidden) return leaf;
    if (offset > 0) {
        const before = CstUtils.findLeafNodeAtOffset(root, offset - 1);
        if (before && !before.hidden && before.end === offset) return before;
    }
    return undefined;
}

/** A name's span without the `@peer` part that `ip link` prints and the language drops. */
export function nameSpan(cst: CstNode): TextSpan {
    const at = cst.text.indexOf('@');
    return { start: cst.offset, end: at > 0 ? cst.offset + at : cst.end };
}

/** Reads what the token at `offset` is. Never throws on odd input: returns undefined. */
export function locate(document: LangiumDocument, offset: number): Located | undefined {
    try {
        return locateLeaf(leafAt(document, offset));
    } catch {
        return undefined;
    }
}

export function locateLeaf(leaf: CstNode | undefined): Located | undefined {
    if (!leaf) return undefined;
    const container = leaf.astNode;
    const span = { start: leaf.offset, end: leaf.end };
    const assignment = GrammarUtils.findAssignment(leaf);
    const property = assignment?.feature;
    if (!property) {
        return GrammarAST.isKeyword(leaf.grammarSource)
            ? { kind: 'keyword', text: leaf.text, span, container }
            : { kind: 'other', span, container };
    }
    if (property === 'name' && isDeclaration(container)) {
        return { kind: 'declaration', node: container, span: nameSpan(leaf) };
    }
    const value = (container as unknown as Record<string, unknown>)[property];
    if (isReferenceValue(value)) {
        const ref = value as Reference;
        const refNode = ref.$refNode;
        const target = ref.ref;
        return {
            kind: 'reference', target: isDeclaration(target) ? target : undefined, reference: ref,
            span: refNode ? { start: refNode.offset, end: refNode.end } : span, container,
        };
    }
    if (Array.isArray(value)) {
        // endpoints+=[Pod:QualifiedName]: find which reference holds this token
        for (const v of value) {
            if (!isReferenceValue(v)) break;
            const refNode = (v as Reference).$refNode;
            if (refNode && refNode.offset <= leaf.offset && leaf.end <= refNode.end) {
                const target = (v as Reference).ref;
                return {
                    kind: 'reference', target: isDeclaration(target) ? target : undefined, reference: v as Reference,
                    span: { start: refNode.offset, end: refNode.end }, container,
                };
            }
        }
    }
    if (isDeviceProperty(container, property)) {
        const scope = deviceScopeOf(container);
        const name = typeof value === 'string' ? value : leaf.text.replace(/@.*$/, '');
        if (scope) return { kind: 'device', scope, name, span: nameSpan(leaf), container, property };
    }
    if (isAddressToken(leaf)) {
        return { kind: 'address', text: leaf.text, span, container, property };
    }
    if (GrammarAST.isKeyword(leaf.grammarSource)) return { kind: 'keyword', text: leaf.text, span, container };
    return { kind: 'other', span, container, property };
}

function isReferenceValue(v: unknown): boolean {
    return typeof v === 'object' && v !== null && '$refText' in v;
}

const ADDRESS = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+(\/[0-9]+)?$/;

/** An IPV4 or PREFIX token (a route destination is a datatype rule over them). */
export function isAddressToken(leaf: CstNode): boolean {
    return ADDRESS.test(leaf.text);
}

/** The route line a token belongs to, if any. */
export function enclosingRoute(node: AstNode | undefined): ast.Route | undefined {
    return node ? AstUtils.getContainerOfType(node, ast.isRoute) : undefined;
}

export function enclosingFlow(node: AstNode | undefined): ast.Flow | undefined {
    return node ? AstUtils.getContainerOfType(node, ast.isFlow) : undefined;
}

/** The flow declared on the line of `offset` (anywhere on its tokens, or in the whitespace of that line). */
export function flowAtOffset(document: LangiumDocument, offset: number): ast.Flow | undefined {
    const leaf = leafAt(document, offset);
    const direct = enclosingFlow(leaf?.astNode);
    if (direct) return direct;
    // Items sit in offset order: a binary search finds the one starting on this line.
    const text = document.textDocument;
    const line = text.positionAt(offset).line;
    const lineStart = text.offsetAt({ line, character: 0 });
    const lineEnd = text.offsetAt({ line: line + 1, character: 0 });
    const items = (document.parseResult.value as ast.Document).clusters[0]?.items ?? [];
    let lo = 0, hi = items.length - 1;
    while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const cst = items[mid].$cstNode;
        if (!cst) return undefined;
        if (cst.end <= lineStart) lo = mid + 1;
        else if (cst.offset >= lineEnd) hi = mid - 1;
        else return ast.isFlow(items[mid]) ? items[mid] : undefined;
    }
    return undefined;
}
