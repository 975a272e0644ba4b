/**
 * A canonical layout for .knet files: one item per line, two-space indentation per block,
 * one space between words, none inside `80/tcp`, `NS/NAME`, `DST:PORT`, `a=b,c=d`,
 * `30000-32767` or `H->C`; small settings blocks (`network … { mtu 1500 gateway … }`,
 * `cni … { vni 1 }`) stay on their line; a `nexthop` goes on its own line below its route,
 * as `ip route` prints it. Comments are kept where they were (end of line or own line),
 * and one blank line between items survives.
 *
 * It only ever rewrites the whitespace between tokens, so it cannot lose or change a
 * word; running it twice changes nothing. A document that does not parse is left alone.
 */
import { type AstNode, type CstNode, type LangiumDocument, CstUtils, GrammarAST, GrammarUtils } from 'langium';
import type { Formatter } from 'langium/lsp';
import type {
    DocumentFormattingParams, DocumentOnTypeFormattingOptions, DocumentOnTypeFormattingParams,
    DocumentRangeFormattingParams, Range, TextEdit,
} from 'vscode-languageserver';
import * as ast from '../language/generated/ast';

const INDENT = '  ';

function isComment(leaf: CstNode): boolean {
    return leaf.hidden && (leaf.text.startsWith('//') || leaf.text.startsWith('/*'));
}

function keyword(leaf: CstNode | undefined): string | undefined {
    return leaf && !leaf.hidden && GrammarAST.isKeyword(leaf.grammarSource) ? leaf.text : undefined;
}

/** Blocks laid out one item per line (the others stay inline). */
function isMultilineBlock(node: AstNode): boolean {
    return ast.isCluster(node) || ast.isNode(node) || ast.isService(node) || ast.isRoutes(node) || ast.isPod(node);
}

/**
 * Where each pod's `{` is, from the pod's start (-1: none), looked up once per pod rather
 * than once per option. Relative, because an edit spliced in elsewhere moves the pod whole.
 */
const podBraces = new WeakMap<AstNode, number>();

/** True when `node` is an item of a block laid out one per line. */
function isLineItem(node: AstNode): boolean {
    const c = node.$container;
    if (!c) return false;
    if (ast.isCluster(c) || ast.isNode(c) || ast.isService(c)) return node.$containerProperty === 'items';
    if (ast.isRoutes(c)) return node.$containerProperty === 'routes';
    if (ast.isDocument(c)) return true;
    if (ast.isPod(c) && node.$containerProperty === 'options') {
        // options written after the pod's `{` are block items; those on the pod line are not
        const start = c.$cstNode?.offset ?? 0;
        let brace = podBraces.get(c);
        if (brace === undefined) {
            const at = GrammarUtils.findNodeForKeyword(c.$cstNode, '{')?.offset;
            podBraces.set(c, brace = at === undefined ? -1 : at - start);
        }
        return brace >= 0 && (node.$cstNode?.offset ?? 0) - start > brace;
    }
    return false;
}

/** Does `leaf` start a line item (or a nexthop)? Returns the extra indentation, or undefined. */
function startsLine(leaf: CstNode): number | undefined {
    let node: AstNode | undefined = leaf.astNode;
    while (node && node.$cstNode && node.$cstNode.offset === leaf.offset) {
        if (ast.isNexthop(node)) return 1;
        if (isLineItem(node)) return 0;
        node = node.$container;
    }
    return undefined;
}

/** No space before these tokens, in these containers (`k`, `p`: the keyword texts of `cur` and `prev`). */
function glueBefore(prev: CstNode, cur: CstNode, k: string | undefined, p: string | undefined): boolean {
    if (k === ',' || k === '/' || p === '/') return true;
    if (k === ':') return true; // `NAME:` of a flow, `DST:PORT`, `container:PORT`
    if (p === ':' && !ast.isFlow(prev.astNode)) return true; // `:PORT`, but `flow NAME: SRC`
    if ((k === '-' || p === '-') && ast.isNodePortRange(cur.astNode)) return true;
    if ((k === '->' || p === '->') && ast.isPodHostPort(cur.astNode)) return true;
    if (k === '.' && ast.isFlowDestination(cur.astNode)) return true;
    if (p === ',' && (ast.isPodLabels(prev.astNode) || ast.isServiceSelector(prev.astNode))) return true;
    return false;
}


/** The whitespace each gap between tokens should hold: `gaps[i]` precedes `leaves[i]`, the last one ends the file. */
export function canonicalGaps(text: string, leaves: readonly CstNode[]): string[] {
    // each leaf's keyword text and comment kind, read once (grammarSource and text are not free)
    const kw = leaves.map(keyword);
    const comment = leaves.map(l => isComment(l) ? (text.charCodeAt(l.offset + 1) === 47 ? 'line' : 'block') : undefined);
    const opensAt = (i: number) => kw[i] === '{' && isMultilineBlock(leaves[i].astNode);
    const gaps: string[] = [];
    let depth = 0;
    for (let i = 0; i < leaves.length; i++) {
        const cur = leaves[i];
        if (i === 0) { gaps.push(''); if (opensAt(0)) depth++; continue; }
        const prev = leaves[i - 1];
        let breaks = 0;
        for (let j = prev.end; j < cur.offset; j++) if (text.charCodeAt(j) === 10) breaks++;
        const hadNewline = breaks > 0;
        const k = kw[i];
        const closes = k === '}' && isMultilineBlock(cur.astNode);
        if (closes) depth = Math.max(0, depth - 1);
        let line: number | undefined;
        if (comment[i]) line = hadNewline ? 0 : undefined;
        else if (closes) line = 0;
        else if (comment[i - 1] === 'line' || (comment[i - 1] && hadNewline)) line = startsLine(cur) ?? 1;
        else if (opensAt(i - 1)) line = startsLine(cur) ?? 0;
        else line = startsLine(cur);
        if (line !== undefined) {
            const keepBlank = breaks > 1 && !closes && kw[i - 1] !== '{';
            gaps.push((keepBlank ? '\n\n' : '\n') + INDENT.repeat(depth + line));
        } else {
            gaps.push(glueBefore(prev, cur, k, kw[i - 1]) ? '' : ' ');
        }
        if (opensAt(i)) depth++;
    }
    gaps.push('\n');
    return gaps;
}


/** Tokens and comments in document order (whitespace is not in the CST). */
export function leavesOf(document: LangiumDocument): CstNode[] | undefined {
    const root = document.parseResult?.value?.$cstNode;
    if (!root) return undefined;
    return CstUtils.flattenCst(root).toArray();
}

/** Edits turning the document into its canonical layout; empty when it is already so or does not parse. */
export function formatEdits(document: LangiumDocument, range?: Range): TextEdit[] {
    const pr = document.parseResult;
    if (!pr || pr.lexerErrors.length || pr.parserErrors.length) return [];
    const leaves = leavesOf(document);
    if (!leaves) return [];
    const t = document.textDocument;
    const text = t.getText();
    const gaps = canonicalGaps(text, leaves);
    const from = range ? t.offsetAt(range.start) : 0;
    const to = range ? t.offsetAt(range.end) : text.length;
    const edits: TextEdit[] = [];
    for (let i = 0; i <= leaves.length; i++) {
        const start = i === 0 ? 0 : leaves[i - 1].end;
        const end = i === leaves.length ? text.length : leaves[i].offset;
        if (end < from || start > to) continue;
        if (text.slice(start, end) !== gaps[i]) {
            edits.push({ range: { start: t.positionAt(start), end: t.positionAt(end) }, newText: gaps[i] });
        }
    }
    return edits;
}

export class KnetFormatter implements Formatter {
    formatDocument(document: LangiumDocument, _params: DocumentFormattingParams): TextEdit[] {
        return safely(() => formatEdits(document));
    }

    formatDocumentRange(document: LangiumDocument, params: DocumentRangeFormattingParams): TextEdit[] {
        return safely(() => formatEdits(document, params.range));
    }

    formatDocumentOnType(document: LangiumDocument, params: DocumentOnTypeFormattingParams): TextEdit[] {
        // On `}`: lay out the lines around the brace just typed.
        const line = params.position.line;
        return safely(() => formatEdits(document, { start: { line: Math.max(0, line - 1), character: 0 }, end: params.position }));
    }

    get formatOnTypeOptions(): DocumentOnTypeFormattingOptions {
        return { firstTriggerCharacter: '}' };
    }
}

function safely(f: () => TextEdit[]): TextEdit[] {
    try {
        return f();
    } catch (e) {
        console.error(`knet: formatting failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
        return [];
    }
}
