/**
 * Re-parsing only the block an edit falls in. Langium has no incremental parser: a keystroke
 * in a 15 MB, 5,000-node file would parse all of it again (~6 s and ~650 MB of new AST).
 * A .knet file is a list of top-level items, and an edit inside a braced block (a node with
 * its pods, a service) cannot change how anything outside that block lexes or parses, so
 * the block alone is parsed with the `ClusterItem` rule and spliced into the previous tree:
 *
 * - the new item replaces the old one in its cluster's AST and CST;
 * - every CST leaf after the block moves by the edit's length and line delta (when its
 *   position is next read: `cst-shift.ts`);
 * - the document gets a new root AST node, so everything keyed by the root (the name index,
 *   the model) is rebuilt, as after any parse.
 *
 * Why the block's boundaries are safe: the edit leaves the block's first character and its
 * closing `}` in place, no token can extend across a `}` or into a keyword, and the block
 * must parse as exactly one item that ends with that `}`. Anything else (the edit touches a
 * boundary, spans blocks, lands between blocks, the file has syntax errors outside the
 * edited block) falls back to a full parse, which gives the same tree by definition. The
 * tests compare spliced trees with full parses, node for node.
 *
 * Syntax errors are kept to the block being typed in. While a line is half written the
 * block parses with errors; it is spliced in all the same, its errors moved to their place
 * in the file (a full parse of 5,000 nodes on every keystroke would take ~10 s each). Its
 * recovered tree is the block's own: a full parse may recover differently across the
 * block's braces. Once the block parses cleanly again, the file's tree is the full parse's.
 */
import {
    type AstNode, type CompositeCstNode, type CstNode, type LangiumDocument, type LangiumParser, type ParseResult, type TextDocument,
    CompositeCstNodeImpl, GrammarAST, isCompositeCstNode, isLeafCstNode,
} from 'langium';
import type { Cluster, ClusterItem, Document } from './generated/ast';
import { type TextChange, EditedTextDocument, TextSnapshot } from './edited-text';
import { type LeafFields, deferShift, settle, shiftTree } from './cst-shift';

/** What a splice replaced, for the linker (which relinks only what it has to). */
export interface BlockSplice {
    /** The root the splice started from. */
    readonly previousRoot: Document;
    /** The root it made. */
    readonly root: Document;
    readonly removed: ClusterItem;
    readonly added: ClusterItem;
}

export interface ReparseResult {
    readonly parseResult: ParseResult<Document>;
    readonly splice: BlockSplice;
}

interface CompositeFields {
    _rangeCache: unknown;
    _astNode: AstNode | undefined;
}

export type { TextChange } from './edited-text';

/** An edit as a splice needs it: where the texts differ, and the new text. */
export interface TextEdit {
    readonly change: TextChange;
    /** The new text: a string, or an open document's version (`edited-text.ts`), made whole only when asked. */
    readonly text: string | TextSnapshot;
}

/**
 * The edit that made `textDocument`'s text from the text the tree under `root` was parsed
 * from, 'none' when they are the same. An open document's log of changes says where it
 * is; any other text is compared with the tree's.
 */
export function editSince(root: CstNode, textDocument: TextDocument): TextEdit | 'none' {
    const parsed = parsedFrom.get(root);
    if (parsed && textDocument instanceof EditedTextDocument) {
        const change = textDocument.changeSince(parsed);
        if (change === 'none') return 'none';
        if (change) return { change, text: textDocument.snapshot };
    }
    return editBetween(root.root.fullText, textDocument.getText()) ?? 'none';
}

/** The edit between two texts, found by comparing them; undefined when they are the same. */
export function editBetween(oldText: string, newText: string): TextEdit | undefined {
    const change = textChange(oldText, newText);
    return change && { change, text: newText };
}

/** The open document's version each tree was parsed (or last spliced) from, by its root CST node. */
const parsedFrom = new WeakMap<CstNode, TextSnapshot>();

/**
 * Notes that the tree under `root` was just parsed from `text`, the version `snapshot` of an
 * open document (`root.fullText` must be that version's whole text).
 */
export function recordParse(root: CstNode | undefined, snapshot: TextSnapshot | undefined): void {
    if (!root || !snapshot) return;
    if (root.root.fullText === snapshot.textIfMade()) parsedFrom.set(root.root, snapshot);
    else parsedFrom.delete(root.root);
}

/** The text the tree under `root` was parsed from, as kept for it (`recordParse`), else the CST's. */
export function sourceOf(root: CstNode): string | TextSnapshot {
    return parsedFrom.get(root.root) ?? root.root.fullText;
}

/**
 * Gives a spliced tree its new text. An open document's version is not made whole for it:
 * the CST's `fullText` makes it on first use (editor features that read CST text).
 */
function setText(root: CstNode, text: string | TextSnapshot): void {
    const r = root.root as unknown as { _text: string };
    if (typeof text === 'string') {
        parsedFrom.delete(root.root);
        Object.defineProperty(r, '_text', { value: text, writable: true, configurable: true, enumerable: true });
        return;
    }
    parsedFrom.set(root.root, text);
    Object.defineProperty(r, '_text', { get: () => parsedFrom.get(root.root)!.text(), configurable: true, enumerable: true });
}

/** Characters compared at a time while the texts agree: V8 compares equal substrings natively. */
const CHUNK = 4096;

/** The smallest region outside of which the two texts agree (common prefix and suffix). */
export function textChange(oldText: string, newText: string): TextChange | undefined {
    if (oldText === newText) return undefined;
    const max = Math.min(oldText.length, newText.length);
    // A 16 MB file compared a character at a time takes ~75 ms; by chunks, a few.
    let start = 0;
    while (start + CHUNK <= max && oldText.substring(start, start + CHUNK) === newText.substring(start, start + CHUNK)) start += CHUNK;
    while (start < max && oldText.charCodeAt(start) === newText.charCodeAt(start)) start++;
    const room = max - start;
    let suffix = 0;
    while (suffix + CHUNK <= room
        && oldText.substring(oldText.length - suffix - CHUNK, oldText.length - suffix) === newText.substring(newText.length - suffix - CHUNK, newText.length - suffix)) suffix += CHUNK;
    while (suffix < room && oldText.charCodeAt(oldText.length - 1 - suffix) === newText.charCodeAt(newText.length - 1 - suffix)) suffix++;
    return { start, oldEnd: oldText.length - suffix, newEnd: newText.length - suffix };
}

/**
 * Whether `reparseBlock` would splice this change in (the document's server asks before it
 * decides how long to wait for more keystrokes). Parses the one block and keeps that plan
 * for the build that follows (`takePlan`); changes no tree.
 */
export function canReparseBlock(parser: LangiumParser, previous: ParseResult<Document>, edit: TextEdit): boolean {
    const plan = planSplice(parser, previous, edit);
    lastPlan = plan && { parser, previous, edit, plan };
    return plan !== undefined;
}

/**
 * The plan `canReparseBlock` made last, which `reparseBlock` takes when asked for the same
 * change of the same parse: the server asks first (to choose its keystroke pause), and the
 * build that follows would find the change in 16 MB of text and parse the block again.
 * Taken once: splicing moves the plan's tree into the document.
 */
let lastPlan: { parser: LangiumParser; previous: ParseResult<Document>; edit: TextEdit; plan: SplicePlan } | undefined;

function takePlan(parser: LangiumParser, previous: ParseResult<Document>, edit: TextEdit): SplicePlan | undefined {
    const memo = lastPlan;
    lastPlan = undefined;
    if (memo && memo.parser === parser && memo.previous === previous && sameEdit(memo.edit, edit)) return memo.plan;
    return planSplice(parser, previous, edit);
}

function sameEdit(a: TextEdit, b: TextEdit): boolean {
    return a.text === b.text && a.change.start === b.change.start && a.change.oldEnd === b.change.oldEnd && a.change.newEnd === b.change.newEnd;
}

interface SplicePlan {
    readonly found: EnclosingItem;
    readonly change: TextChange;
    readonly sub: ParseResult<ClusterItem>;
    /** The re-parsed block's CST and its closing `}`. */
    readonly subRoot: CompositeCstNode;
    readonly last: CstNode;
}

/** `edit` must be relative to the text `previous` was parsed from (`editSince`). */
function planSplice(parser: LangiumParser, previous: ParseResult<Document>, edit: TextEdit): SplicePlan | undefined {
    if ((previous.lexerReport?.diagnostics.length ?? 0) > 0) return undefined;
    const rootCst = previous.value.$cstNode;
    if (!rootCst) return undefined;
    const change = edit.change;
    const found = enclosingItem(previous.value, change);
    if (!found) return undefined;
    // The rest of the file must have parsed cleanly: errors only in the block being replaced.
    if (!errorsWithin(previous, found.top.offset, found.top.end)) return undefined;
    const slice = edit.text.slice(found.top.offset, found.top.end + change.newEnd - change.oldEnd);
    // A block comment left open would run on past the block in the whole file.
    const open = slice.lastIndexOf('/*');
    if (open >= 0 && slice.indexOf('*/', open + 2) < 0) return undefined;
    const sub = parser.parse<ClusterItem>(slice, { rule: 'ClusterItem' });
    if ((sub.lexerReport?.diagnostics.length ?? 0) > 0 || !errorsWithin(sub, 0, slice.length)) return undefined;
    const subRoot = sub.value.$cstNode;
    if (!subRoot || !isCompositeCstNode(subRoot)) return undefined;
    const last = lastLeaf(subRoot);
    if (!last || last.end !== slice.length || last.text !== '}' || !hasLeafFields(last)) return undefined;
    return { found, change, sub, subRoot, last };
}

/**
 * The new parse result for `newText` made from `previous` (the parse of `oldText`) by
 * re-parsing one block, or undefined when the change cannot be confined to one block.
 */
export function reparseBlock(parser: LangiumParser, previous: ParseResult<Document>, edit: TextEdit): ReparseResult | undefined {
    const plan = takePlan(parser, previous, edit);
    if (!plan) return undefined;
    const { found, change, sub, subRoot, last } = plan;
    const root = previous.value;
    const rootCst = root.$cstNode!;
    const { cluster, index, item, top } = found;
    const start = top.offset;
    const delta = change.newEnd - change.oldEnd;

    // Positions: the block keeps its start; the text after it moves by the edit.
    const first = top.range.start;
    const oldEndPos = top.range.end;
    const newEndPos = { line: first.line + last.range.end.line, character: (last.range.end.line === 0 ? first.character : 0) + last.range.end.character };
    const lineDelta = newEndPos.line - oldEndPos.line;
    const columnDelta = newEndPos.character - oldEndPos.character;

    // The new block's leaves, from slice-relative to document positions.
    forEachLeaf(subRoot, leaf => {
        const f = leaf as unknown as LeafFields;
        if (f._startLine === 0) f._startColumn += first.character;
        if (f._endLine === 0) f._endColumn += first.character;
        f._startLine += first.line;
        f._endLine += first.line;
        f._offset += start;
    });

    // Everything after the block, on every level up to the root: leaves and what is on the
    // edit's last line now, the rest when its positions are read (`cst-shift.ts`).
    const moved = delta !== 0 || lineDelta !== 0 || columnDelta !== 0;
    for (let child: CstNode = top; child.container; child = child.container) {
        const parent = child.container;
        (parent as unknown as CompositeFields)._rangeCache = undefined;
        if (!moved) continue;
        const siblings = parent.content;
        let onEditLine = true;
        for (let i = siblings.indexOf(child) + 1; i < siblings.length; i++) {
            const sibling = siblings[i];
            if (isCompositeCstNode(sibling)) {
                // Siblings come in document order: once one starts past the edit's line, so do the rest.
                if (onEditLine) onEditLine = startsOnLine(sibling, oldEndPos.line);
                if (!onEditLine) {
                    deferShift(sibling, delta, lineDelta);
                    continue;
                }
            }
            settle(sibling);
            shiftTree(sibling as unknown as Parameters<typeof shiftTree>[0], delta, oldEndPos.line, lineDelta, columnDelta);
        }
    }

    // The CST: a composite like the one the full parse builds for a cluster item.
    const added = sub.value;
    const composite = new CompositeCstNodeImpl();
    composite.grammarSource = top.grammarSource;
    composite.content = [...subRoot.content];
    for (const c of composite.content) (c as { container?: CstNode }).container = composite;
    (composite as unknown as CompositeFields)._astNode = added;
    const parentCst = top.container!;
    composite.container = parentCst;
    (parentCst.content as CstNode[])[parentCst.content.indexOf(top)] = composite;
    (added as { $cstNode?: CstNode }).$cstNode = composite;

    // The AST: the item in its cluster, under a new root.
    const mutableAdded = added as { $container?: AstNode; $containerProperty?: string; $containerIndex?: number };
    mutableAdded.$container = cluster;
    mutableAdded.$containerProperty = 'items';
    mutableAdded.$containerIndex = index;
    cluster.items[index] = added;
    const newRoot: Document = { ...root };
    for (const c of newRoot.clusters) (c as { $container: Document }).$container = newRoot;
    (rootCst as unknown as CompositeFields)._astNode = newRoot;
    setText(rootCst, edit.text);

    return {
        parseResult: { value: newRoot, ...errorsMoved(sub, start, first), lexerReport: previous.lexerReport },
        splice: { previousRoot: root, root: newRoot, removed: item, added },
    };
}

type Token = ParseResult['parserErrors'][number]['token'];

/** Whether every lexer and parser error of `result` sits on real text in [from, to). */
function errorsWithin(result: ParseResult<AstNode>, from: number, to: number): boolean {
    for (const e of result.lexerErrors) {
        if (!(e.offset >= from && e.offset + e.length <= to)) return false;
    }
    for (const e of result.parserErrors) {
        // An error at the end of input (a brace left open) has no position: it is not the block's own.
        const token = e.token;
        if (!validToken(token) || !(token.startOffset >= from && token.endOffset! < to)) return false;
    }
    return true;
}

function validToken(t: Token | undefined): t is Token {
    return !!t && Number.isFinite(t.startOffset) && Number.isFinite(t.endOffset) && t.startOffset >= 0
        && Number.isFinite(t.startLine) && Number.isFinite(t.startColumn) && Number.isFinite(t.endLine) && Number.isFinite(t.endColumn);
}

/**
 * The re-parsed block's errors, moved from the slice to the file: offsets by the block's
 * start, lines (1-based) by its line, columns (1-based) on its first line by its column.
 */
function errorsMoved(sub: ParseResult<ClusterItem>, start: number, first: { line: number; character: number }): Pick<ParseResult, 'lexerErrors' | 'parserErrors'> {
    const lexerErrors = sub.lexerErrors.map(e => ({ ...e, offset: e.offset + start, line: e.line === undefined ? e.line : e.line + first.line, column: e.column === undefined ? e.column : (e.line === 1 ? e.column + first.character : e.column) }));
    const moved = new Set<Token>();
    const move = (t: Token | undefined) => {
        if (!t || moved.has(t) || !validToken(t)) return;
        moved.add(t);
        const m = t as { startOffset: number; endOffset?: number; startLine?: number; endLine?: number; startColumn?: number; endColumn?: number };
        if (m.startLine === 1) m.startColumn! += first.character;
        if (m.endLine === 1) m.endColumn! += first.character;
        m.startLine! += first.line;
        m.endLine! += first.line;
        m.startOffset += start;
        m.endOffset! += start;
    };
    for (const e of sub.parserErrors) {
        move(e.token);
        move((e as { previousToken?: Token }).previousToken);
        for (const t of e.resyncedTokens ?? []) move(t);
    }
    return { lexerErrors, parserErrors: sub.parserErrors };
}

const splices = new WeakMap<LangiumDocument, BlockSplice[]>();

/**
 * Remembers how the document's current parse result was made, until the linker asks: the
 * splices since its last link, in order (a build typed over before linking leaves one behind).
 */
export function recordSplice(document: LangiumDocument, splice: BlockSplice): void {
    const pending = splices.get(document);
    if (pending && pending[pending.length - 1].root === splice.previousRoot) pending.push(splice);
    else splices.set(document, [splice]);
}

/** Puts back splices a cancelled link took, ahead of any recorded since. */
export function restoreSplices(document: LangiumDocument, taken: readonly BlockSplice[]): void {
    const since = splices.get(document) ?? [];
    splices.set(document, [...taken, ...since]);
}

/** Forgets the splices: the document was parsed whole. */
export function clearSplices(document: LangiumDocument): void {
    splices.delete(document);
}

/** The splices that made the document's current parse result from an earlier one, oldest first; asked once. */
export function takeSplices(document: LangiumDocument): readonly BlockSplice[] {
    const pending = splices.get(document);
    splices.delete(document);
    return pending && pending[pending.length - 1].root === document.parseResult.value ? pending : [];
}

interface EnclosingItem {
    readonly cluster: Cluster;
    readonly index: number;
    readonly item: ClusterItem;
    /** The item's CST node as a child of the cluster's. */
    readonly top: CstNode;
}

/** The braced cluster item strictly containing the change (its first and last character untouched). */
function enclosingItem(root: Document, change: TextChange): EnclosingItem | undefined {
    const cluster = root.clusters.find(c => c.$cstNode && c.$cstNode.offset < change.start && change.oldEnd < c.$cstNode.end);
    if (!cluster) return undefined;
    const items = cluster.items;
    // Items are in document order: binary search for the last one starting before the change.
    let lo = 0;
    let hi = items.length - 1;
    let index = -1;
    while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const offset = items[mid].$cstNode?.offset ?? Infinity;
        if (offset < change.start) { index = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (index < 0) return undefined;
    const item = items[index];
    const top = item.$cstNode;
    if (!top || top.container !== cluster.$cstNode) return undefined;
    // The closing brace must survive: the change ends before the block's last character.
    if (change.oldEnd > top.end - 1) return undefined;
    const last = lastLeaf(top);
    if (!last || !isClosingBrace(last) || last.length !== 1 || last.end !== top.end) return undefined;
    return { cluster, index, item, top };
}

/** The `}` keyword, known by its grammar element: reading a leaf's text would make an open document's text whole. */
function isClosingBrace(leaf: CstNode): boolean {
    return GrammarAST.isKeyword(leaf.grammarSource) && leaf.grammarSource.value === '}';
}

function lastLeaf(node: CstNode): CstNode | undefined {
    let n: CstNode | undefined = node;
    while (n && isCompositeCstNode(n)) n = n.content[n.content.length - 1];
    return n;
}

function hasLeafFields(leaf: CstNode): boolean {
    const f = leaf as unknown as Partial<LeafFields>;
    return typeof f._offset === 'number' && typeof f._startLine === 'number' && typeof f._startColumn === 'number'
        && typeof f._endLine === 'number' && typeof f._endColumn === 'number';
}

function forEachLeaf(node: CstNode, visit: (leaf: CstNode) => void): void {
    const stack: CstNode[] = [node];
    while (stack.length > 0) {
        const n = stack.pop()!;
        if (isCompositeCstNode(n)) {
            (n as unknown as CompositeFields)._rangeCache = undefined;
            for (let i = n.content.length - 1; i >= 0; i--) stack.push(n.content[i]);
        } else if (isLeafCstNode(n)) {
            visit(n);
        }
    }
}

/** Whether a composite after the edit starts on its last line (its positions are made current first). */
function startsOnLine(node: CompositeCstNode, line: number): boolean {
    settle(node);
    let first: CstNode | undefined = node;
    while (first && isCompositeCstNode(first)) first = first.content[0];
    return !!first && (first as unknown as LeafFields)._startLine <= line;
}
