/**
 * Moving the CST after a spliced edit, when it is read. A spliced edit (`block-reparse.ts`)
 * moves every CST leaf after the block it changed: half of a 5,000-node file's, ~750,000
 * leaves, a third of the edit's time (memory-bound writes all over the tree), while the
 * build that follows reads the positions of a few hundred of them.
 *
 * So a move is recorded on each composite after the block (a top-level item: 15,000, not
 * 750,000 leaves) and made on its leaves the first time a position under it is read.
 * Langium's position getters on CST nodes (`offset`, `end`, `range`) are wrapped to settle
 * the node's pending moves first; while none is pending anywhere (a full build, the CLI)
 * the wrapper costs one comparison.
 *
 * A pending move is an offset and a line delta: it never changes columns, so moves add up.
 * Nodes on the edit's own line (the rest of the line after the block) are moved at once.
 */
import { type CstNode, CompositeCstNodeImpl, LeafCstNodeImpl } from 'langium';

/** The private position fields of Langium's leaf CST node. */
export interface LeafFields {
    _offset: number;
    _startLine: number;
    _startColumn: number;
    _endLine: number;
    _endColumn: number;
}

/** A CST node as `shiftTree` sees it: a composite has `content`, a leaf its position fields. */
type ShiftedNode = LeafFields & { readonly content?: readonly ShiftedNode[]; _rangeCache?: unknown };

interface Move {
    delta: number;
    lines: number;
    /** The root of the tree it belongs to (counted per tree: a tree parsed anew drops its moves). */
    readonly root: CstNode;
}

const pending = new WeakMap<CstNode, Move>();
/** Moves pending in every tree, and per tree. */
let pendingCount = 0;
const pendingPerTree = new WeakMap<CstNode, number>();

/** Moves everything under `node` later: by `delta` characters and `lines` lines. */
export function deferShift(node: CstNode, delta: number, lines: number): void {
    if (delta === 0 && lines === 0) return;
    const move = pending.get(node);
    if (move) {
        move.delta += delta;
        move.lines += lines;
        return;
    }
    const root = node.root;
    pending.set(node, { delta, lines, root });
    pendingCount++;
    pendingPerTree.set(root, (pendingPerTree.get(root) ?? 0) + 1);
}

/** Makes the moves pending on `node` and its containers, so its positions are current. */
export function settle(node: CstNode): void {
    if (pendingCount === 0) return;
    for (let n: CstNode | undefined = node; n; n = n.container) {
        const move = pending.get(n);
        if (!move) continue;
        pending.delete(n);
        pendingCount--;
        pendingPerTree.set(move.root, pendingPerTree.get(move.root)! - 1);
        // Moves add up, so they can be made in any order.
        shiftTree(n as unknown as ShiftedNode, move.delta, -1, move.lines, 0);
    }
}

/** Forgets the pending moves of a tree that is dropped (the document was parsed anew). */
export function dropShifts(root: CstNode): void {
    const count = pendingPerTree.get(root.root);
    if (count === undefined) return;
    pendingCount -= count;
    pendingPerTree.delete(root.root);
}

/** Whether any move is pending under `root`'s tree (for tests). */
export function hasPendingShifts(root: CstNode): boolean {
    return (pendingPerTree.get(root.root) ?? 0) > 0;
}

/**
 * Moves a subtree now: offsets by `delta`, lines by `lineDelta`, and columns of what sits
 * on `line` (the edit's last line, in the old text) by `columnDelta`.
 *
 * Every leaf of a subtree goes through here, so it is a plain recursion over fields: no
 * stack array, no callback, no type tests through getters; a composite's cached range is
 * cleared only where one was made.
 */
export function shiftTree(n: ShiftedNode, delta: number, line: number, lineDelta: number, columnDelta: number): void {
    const content = n.content;
    if (content === undefined) {
        if (n._startLine === line) n._startColumn += columnDelta;
        if (n._endLine === line) n._endColumn += columnDelta;
        if (lineDelta !== 0) {
            n._startLine += lineDelta;
            n._endLine += lineDelta;
        }
        n._offset += delta;
        return;
    }
    if (n._rangeCache !== undefined) n._rangeCache = undefined;
    for (let i = 0; i < content.length; i++) shiftTree(content[i], delta, line, lineDelta, columnDelta);
}

/** Wraps a position getter of Langium's CST classes to settle pending moves first. */
function settleBefore(prototype: object, name: string): void {
    const descriptor = Object.getOwnPropertyDescriptor(prototype, name);
    const get = descriptor?.get;
    if (!descriptor || !get) throw new Error(`knet: Langium's CST node has no getter '${name}' to wrap`);
    Object.defineProperty(prototype, name, {
        ...descriptor,
        get(this: CstNode) {
            if (pendingCount !== 0) settle(this);
            return get.call(this);
        },
    });
}

// A composite's offset and end come from its leaves; its range is cached, so it settles too.
settleBefore(LeafCstNodeImpl.prototype, 'offset');
settleBefore(LeafCstNodeImpl.prototype, 'end');
settleBefore(LeafCstNodeImpl.prototype, 'range');
settleBefore(CompositeCstNodeImpl.prototype, 'range');
