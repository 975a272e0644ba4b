/**
 * The text of an open document, as the editor changes it, in pieces of ~64 kB that end at
 * line breaks. A keystroke replaces the piece it falls in; the 16 MB text of a 5,000-node
 * file is never copied for it.
 *
 * With one string per version (vscode-languageserver-textdocument's `TextDocument`) every
 * edit copies the whole text into a fresh 16 MB string: ~10 ms of copying and 4,000 page
 * faults, and a large object that brings the next major collection closer. That was the
 * part of an edit that grew fastest with the file (~40× from 500 to 5,000 nodes). Here the
 * whole text is made only when something asks for all of it (a full parse, an editor
 * feature reading the CST's text), once per version.
 *
 * Each version is a `TextSnapshot` (immutable: the parse made from it can keep it), and the
 * document keeps a log of recent changes, so the parser learns where an edit was without
 * comparing two versions' texts (`changeSince`).
 *
 * Offsets and positions follow vscode-languageserver-textdocument exactly: lines end at
 * `\n`, `\r\n` or `\r`, and a position inside a line break is moved before it.
 */
import type { Position, Range, TextDocument, TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import type { TextDocumentsConfiguration } from 'vscode-languageserver';

/** Pieces are cut at the first line break after this many characters. */
const PIECE = 64 * 1024;
/** Changes remembered for `changeSince` (a build runs at most a burst of keystrokes behind). */
const LOG = 256;

const LF = 10;
const CR = 13;

interface Piece {
    readonly text: string;
    /** Offsets, in the piece, of the line starts after its first (just past each line break). */
    readonly breaks: Uint32Array;
}

/** The changed region: old text [start, oldEnd) became new text [start, newEnd). */
export interface TextChange {
    readonly start: number;
    readonly oldEnd: number;
    readonly newEnd: number;
}

/** One version of the text. */
export class TextSnapshot {
    private flat?: string;
    /** Each piece's offset in the text, and its first line. */
    private readonly starts: Float64Array;
    private readonly firstLines: Float64Array;
    readonly length: number;
    readonly lineCount: number;

    constructor(readonly document: EditedTextDocument | undefined, readonly version: number, private readonly pieces: readonly Piece[]) {
        this.starts = new Float64Array(pieces.length);
        this.firstLines = new Float64Array(pieces.length);
        let offset = 0, line = 0;
        for (let i = 0; i < pieces.length; i++) {
            this.starts[i] = offset;
            this.firstLines[i] = line;
            offset += pieces[i].text.length;
            line += pieces[i].breaks.length;
        }
        this.length = offset;
        this.lineCount = line + 1;
    }

    static of(text: string, document?: EditedTextDocument, version = 0): TextSnapshot {
        const s = new TextSnapshot(document, version, cut(text));
        s.flat = text;
        return s;
    }

    /** The whole text: made on first request (a full parse, an editor feature), then kept. */
    text(): string {
        if (this.flat === undefined) {
            madeWhole.count++;
            this.flat = this.pieces.length === 1 ? this.pieces[0].text : this.pieces.map(p => p.text).join('');
        }
        return this.flat;
    }

    /** The whole text if something already made it. */
    textIfMade(): string | undefined {
        return this.flat;
    }

    slice(start: number, end: number): string {
        start = Math.max(0, Math.min(start, this.length));
        end = Math.max(start, Math.min(end, this.length));
        if (this.flat !== undefined) return this.flat.slice(start, end);
        if (start === end) return '';
        let p = this.pieceAt(start);
        const from = start - this.starts[p];
        const first = this.pieces[p].text;
        if (end - this.starts[p] <= first.length) return first.slice(from, end - this.starts[p]);
        const parts = [first.slice(from)];
        for (p++; p < this.pieces.length && this.starts[p] < end; p++) {
            const t = this.pieces[p].text;
            parts.push(end - this.starts[p] >= t.length ? t : t.slice(0, end - this.starts[p]));
        }
        return parts.join('');
    }

    charCodeAt(offset: number): number {
        if (offset < 0 || offset >= this.length) return NaN;
        const p = this.pieceAt(offset);
        return this.pieces[p].text.charCodeAt(offset - this.starts[p]);
    }

    /** The first `\n` at or after `from`, or -1. */
    indexOfLineFeed(from: number): number {
        if (from >= this.length) return -1;
        for (let p = this.pieceAt(Math.max(0, from)); p < this.pieces.length; p++) {
            const at = this.pieces[p].text.indexOf('\n', Math.max(0, from - this.starts[p]));
            if (at >= 0) return this.starts[p] + at;
        }
        return -1;
    }

    positionAt(offset: number): Position {
        offset = Math.max(Math.min(offset, this.length), 0);
        const p = this.pieceAt(offset);
        const piece = this.pieces[p];
        const inPiece = offset - this.starts[p];
        // Breaks at or before the offset: the line's index within the piece.
        let lo = 0, hi = piece.breaks.length;
        while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (piece.breaks[mid] <= inPiece) lo = mid + 1; else hi = mid;
        }
        const lineStart = lo === 0 ? 0 : piece.breaks[lo - 1];
        let at = inPiece;
        // Not inside a line break: before it (as vscode-languageserver-textdocument does).
        while (at > lineStart && isEol(piece.text.charCodeAt(at - 1))) at--;
        return { line: this.firstLines[p] + lo, character: at - lineStart };
    }

    offsetAt(position: Position): number {
        if (position.line >= this.lineCount) return this.length;
        if (position.line < 0) return 0;
        const lineStart = this.lineStart(position.line);
        if (position.character <= 0) return lineStart;
        const next = position.line + 1 < this.lineCount ? this.lineStart(position.line + 1) : this.length;
        return this.beforeEol(Math.min(lineStart + position.character, next), lineStart);
    }

    getLineRange(line: number): Range {
        if (line >= this.lineCount) {
            const last = this.lineCount - 1;
            return { start: { line: last, character: 0 }, end: { line: last, character: this.length - this.lineStart(last) } };
        }
        if (line < 0) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
        const start = this.lineStart(line);
        const end = this.beforeEol(line + 1 < this.lineCount ? this.lineStart(line + 1) : this.length, start);
        return { start: { line, character: 0 }, end: { line, character: end - start } };
    }

    getEOLCharacters(line: number): string {
        if (line >= this.lineCount || line < 0) return '';
        const next = line + 1 < this.lineCount ? this.lineStart(line + 1) : this.length;
        return this.slice(this.beforeEol(next, this.lineStart(line)), next);
    }

    private beforeEol(offset: number, lineStart: number): number {
        while (offset > lineStart && isEol(this.charCodeAt(offset - 1))) offset--;
        return offset;
    }

    /** The snapshot after `change` (an incremental one: offsets into this text). */
    replaced(start: number, end: number, text: string, document: EditedTextDocument, version: number): TextSnapshot {
        const pieces = this.pieces;
        // The pieces the change touches; the text around it in them is cut again with the new.
        const first = this.pieceAt(start);
        const last = Math.max(first, this.pieceAt(end));
        const firstText = pieces[first].text;
        const lastText = pieces[last].text;
        const region = firstText.slice(0, start - this.starts[first]) + text + lastText.slice(end - this.starts[last]);
        // A region emptied leaves no empty piece behind, unless the whole text is empty.
        const made = region === '' ? [] : cut(region);
        const next = [...pieces.slice(0, first), ...made, ...pieces.slice(last + 1)];
        return new TextSnapshot(document, version, next.length > 0 ? next : cut(''));
    }

    private lineStart(line: number): number {
        // The last piece whose first line is at or before `line`.
        let lo = 0, hi = this.pieces.length - 1;
        while (lo < hi) {
            const mid = (lo + hi + 1) >> 1;
            if (this.firstLines[mid] <= line) lo = mid; else hi = mid - 1;
        }
        const k = line - this.firstLines[lo];
        return this.starts[lo] + (k === 0 ? 0 : this.pieces[lo].breaks[k - 1]);
    }

    /** The piece holding `offset` (the last one for the text's end). */
    private pieceAt(offset: number): number {
        let lo = 0, hi = this.pieces.length - 1;
        while (lo < hi) {
            const mid = (lo + hi + 1) >> 1;
            if (this.starts[mid] <= offset) lo = mid; else hi = mid - 1;
        }
        // An offset at a piece's end is the next piece's start (the last piece holds the text's end).
        return lo;
    }
}

/** How many times a whole text was made from its pieces (for tests: a spliced edit makes none). */
export const madeWhole = { count: 0 };

function isEol(c: number): boolean {
    return c === CR || c === LF;
}

/** Pieces of `text`, each ending just past a `\n` (the last excepted), of about `PIECE` characters. */
function cut(text: string): Piece[] {
    const pieces: Piece[] = [];
    let from = 0;
    while (from < text.length || pieces.length === 0) {
        let end = text.length;
        if (text.length - from > 2 * PIECE) {
            const lf = text.indexOf('\n', from + PIECE - 1);
            if (lf >= 0 && lf + 1 < text.length) end = lf + 1;
        }
        const piece = from === 0 && end === text.length ? text : text.slice(from, end);
        pieces.push({ text: piece, breaks: breaksOf(piece) });
        from = end;
        if (from >= text.length) break;
    }
    return pieces;
}

function breaksOf(text: string): Uint32Array {
    let count = 0;
    for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === CR) {
            if (text.charCodeAt(i + 1) === LF) i++;
            count++;
        } else if (c === LF) count++;
    }
    const breaks = new Uint32Array(count);
    let k = 0;
    for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === CR) {
            if (text.charCodeAt(i + 1) === LF) i++;
            breaks[k++] = i + 1;
        } else if (c === LF) breaks[k++] = i + 1;
    }
    return breaks;
}

interface LoggedChange extends TextChange {
    /** The version the change made. */
    readonly version: number;
}

/** An open document's text, version after version (see the module's comment). */
export class EditedTextDocument implements TextDocument {
    private current: TextSnapshot;
    private readonly log: LoggedChange[] = [];
    /** Changes since versions before this one are not all in the log (the whole text was replaced, or the log forgot). */
    private logFrom: number;

    constructor(readonly uri: string, readonly languageId: string, public version: number, text: string) {
        this.current = TextSnapshot.of(text, this, version);
        this.logFrom = version;
    }

    get snapshot(): TextSnapshot {
        return this.current;
    }

    get length(): number {
        return this.current.length;
    }

    get lineCount(): number {
        return this.current.lineCount;
    }

    getText(range?: Range): string {
        if (!range) return this.current.text();
        const a = this.current.offsetAt(range.start), b = this.current.offsetAt(range.end);
        // As `substring`: a range given backwards is the same text.
        return this.current.slice(Math.min(a, b), Math.max(a, b));
    }

    positionAt(offset: number): Position {
        return this.current.positionAt(offset);
    }

    offsetAt(position: Position): number {
        return this.current.offsetAt(position);
    }

    getLineRange(line: number): Range {
        return this.current.getLineRange(line);
    }

    getEOLCharacters(line: number): string {
        return this.current.getEOLCharacters(line);
    }

    update(changes: readonly TextDocumentContentChangeEvent[], version: number): void {
        for (const change of changes) {
            if (isIncremental(change)) {
                const range = wellFormed(change.range);
                const start = this.current.offsetAt(range.start);
                const end = this.current.offsetAt(range.end);
                this.current = this.current.replaced(start, end, change.text, this, version);
                this.log.push({ version, start, oldEnd: end, newEnd: start + change.text.length });
                if (this.log.length > LOG) {
                    // Versions before a forgotten change's can no longer be told apart from this one.
                    const forgotten = this.log.splice(0, this.log.length - LOG);
                    this.logFrom = Math.max(this.logFrom, forgotten[forgotten.length - 1].version);
                }
            } else {
                this.current = TextSnapshot.of(change.text, this, version);
                this.log.length = 0;
                this.logFrom = version;
            }
        }
        this.version = version;
    }

    /**
     * The one region outside of which the current text agrees with the text of `since`, a
     * snapshot of this document; undefined when the log does not reach back to it.
     */
    changeSince(since: TextSnapshot): TextChange | 'none' | undefined {
        if (since.document !== this) return undefined;
        if (since === this.current) return 'none';
        if (since.version < this.logFrom) return undefined;
        let region: TextChange | undefined;
        for (const c of this.log) {
            if (c.version <= since.version) continue;
            region = region ? merge(region, c) : { start: c.start, oldEnd: c.oldEnd, newEnd: c.newEnd };
        }
        return region;
    }
}

/** Two changes in a row as one region of the first text (`a`) and the last (`a` then `b`). */
function merge(a: TextChange, b: TextChange): TextChange {
    // `b`'s offsets are into the text `a` made; outside a's new region they map back by a's delta.
    const aDelta = a.newEnd - a.oldEnd;
    const start = Math.min(a.start, b.start);
    const endInMiddle = Math.max(a.newEnd, b.oldEnd);
    const oldEnd = endInMiddle - aDelta;
    const newEnd = endInMiddle + (b.newEnd - b.oldEnd);
    return { start, oldEnd, newEnd };
}

function isIncremental(change: TextDocumentContentChangeEvent): change is { range: Range; rangeLength?: number; text: string } {
    const c = change as { range?: Range; rangeLength?: number };
    return c.range !== undefined && (c.rangeLength === undefined || typeof c.rangeLength === 'number');
}

function wellFormed(range: Range): Range {
    const { start, end } = range;
    return start.line > end.line || (start.line === end.line && start.character > end.character) ? { start: end, end: start } : range;
}

/** A text document's length, without making an open document's text whole. */
export function textLength(textDocument: TextDocument): number {
    return textDocument instanceof EditedTextDocument ? textDocument.length : textDocument.getText().length;
}

/** For Langium's `TextDocuments`: open documents are `EditedTextDocument`s. */
export const EditedTextDocuments: TextDocumentsConfiguration<EditedTextDocument> = {
    create(uri, languageId, version, content) {
        return new EditedTextDocument(uri, languageId, version, content);
    },
    update(document, changes, version) {
        document.update(changes, version);
        return document;
    },
};
