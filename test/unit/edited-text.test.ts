/**
 * An open document's text kept in pieces (`edited-text.ts`) must answer as
 * vscode-languageserver-textdocument does, edit after edit: the text, its lines, offsets and
 * positions (line breaks of every kind, positions inside a `\r\n`), on texts of many pieces.
 */
import { describe, expect, it } from 'vitest';
import { TextDocument } from 'vscode-languageserver-textdocument';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EmptyFileSystem, URI } from 'langium';
import { EditedTextDocument, TextSnapshot, madeWhole } from '../../server/src/language/edited-text';
import { createKnetServices } from '../../server/src/language/knet-module';
import { editedDocument, freshBuilds } from './versions';

/** A deterministic pseudo-random sequence. */
function random(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        return s / 2 ** 32;
    };
}

function text(next: () => number, lines: number): string {
    const eols = ['\n', '\n', '\n', '\r\n', '\r'];
    let t = '';
    for (let i = 0; i < lines; i++) t += `    pod p${i} 10.244.${i & 255}.${(i * 7) & 255} labels app=a${i % 13}` + eols[Math.floor(next() * eols.length)];
    return t;
}

function agree(mine: EditedTextDocument, theirs: TextDocument, next: () => number): void {
    expect(mine.lineCount).toBe(theirs.lineCount);
    expect(mine.getText()).toBe(theirs.getText());
    const length = theirs.getText().length;
    for (let k = 0; k < 200; k++) {
        const offset = Math.floor(next() * (length + 2)) - 1;
        expect(mine.positionAt(offset), `positionAt ${offset}`).toEqual(theirs.positionAt(offset));
        const position = { line: Math.floor(next() * (theirs.lineCount + 1)) - (k % 7 === 0 ? 1 : 0), character: Math.floor(next() * 60) };
        expect(mine.offsetAt(position), `offsetAt ${JSON.stringify(position)}`).toBe(theirs.offsetAt(position));
        const end = { line: position.line + Math.floor(next() * 3), character: Math.floor(next() * 40) };
        expect(mine.getText({ start: position, end })).toBe(theirs.getText({ start: position, end }));
        expect(mine.getLineRange(position.line)).toEqual(theirs.getLineRange(position.line));
        expect(mine.getEOLCharacters(position.line)).toBe(theirs.getEOLCharacters(position.line));
    }
}

describe('EditedTextDocument', () => {
    it('answers as TextDocument does, edit after edit, on a text of many pieces', () => {
        const next = random(7);
        const start = text(next, 12_000); // ~600 kB: ten pieces and more
        const mine = new EditedTextDocument('file:///a.knet', 'knet', 1, start);
        const theirs = TextDocument.create('file:///a.knet', 'knet', 1, start);
        agree(mine, theirs, next);
        const inserts = ['', 'x', '10.244.', '\n', '\r\n', '\r', 'a\nb\r\nc\rd', '\n'.repeat(5), text(next, 3000)];
        for (let version = 2; version < 80; version++) {
            const lines = theirs.lineCount;
            const a = { line: Math.floor(next() * lines), character: Math.floor(next() * 50) };
            const b = next() < 0.7 ? { line: a.line, character: a.character + Math.floor(next() * 12) } : { line: a.line + Math.floor(next() * 400), character: Math.floor(next() * 50) };
            // Now and then backwards, as a range may come.
            const range = next() < 0.1 ? { start: b, end: a } : { start: a, end: b };
            const changes = [{ range, text: inserts[Math.floor(next() * inserts.length)] }];
            if (next() < 0.2) changes.push({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, text: 'Z' });
            mine.update(changes, version);
            TextDocument.update(theirs, changes, version);
            agree(mine, theirs, next);
        }
        // Whole pieces cut out, everything deleted, then written again by range.
        const steps = [
            { range: { start: { line: 2000, character: 0 }, end: { line: 6000, character: 0 } }, text: '' },
            { range: { start: { line: 0, character: 0 }, end: { line: theirs.lineCount, character: 0 } }, text: '' },
            { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: text(next, 4000) },
        ];
        for (const [i, change] of steps.entries()) {
            mine.update([change], 90 + i);
            TextDocument.update(theirs, [change], 90 + i);
            agree(mine, theirs, next);
        }
        // A change of the whole text.
        mine.update([{ text: 'cluster c {\r\n}\n' }], 100);
        TextDocument.update(theirs, [{ text: 'cluster c {\r\n}\n' }], 100);
        agree(mine, theirs, next);
        const empty = new EditedTextDocument('file:///b.knet', 'knet', 1, '');
        agree(empty, TextDocument.create('file:///b.knet', 'knet', 1, ''), next);
    });

    it('tells where the text changed since a version, without making the whole text', () => {
        const next = random(11);
        const start = text(next, 8000);
        const document = new EditedTextDocument('file:///c.knet', 'knet', 1, start);
        const base = document.snapshot;
        let expected = start;
        const made = madeWhole.count;
        for (let version = 2; version < 12; version++) {
            const at = Math.floor(next() * (expected.length - 20));
            const from = document.positionAt(at), to = document.positionAt(at + (version % 3));
            const insert = version % 4 === 0 ? 'ab\ncd' : '9';
            document.update([{ range: { start: from, end: to }, text: insert }], version);
            expected = expected.slice(0, document.snapshot === base ? 0 : at) + insert + expected.slice(at + (version % 3));
            const change = document.changeSince(base);
            expect(change).not.toBe('none');
            const c = change as { start: number; oldEnd: number; newEnd: number };
            // Outside the region both texts agree, and the region holds every change.
            expect(start.slice(0, c.start)).toBe(expected.slice(0, c.start));
            expect(start.slice(c.oldEnd)).toBe(expected.slice(c.newEnd));
            expect(document.snapshot.slice(c.start, c.newEnd)).toBe(expected.slice(c.start, c.newEnd));
        }
        // Several changes in one event (multi-cursor), the later before the earlier in the text.
        const late = document.positionAt(expected.length - 50), early = document.positionAt(100);
        document.update([{ range: { start: late, end: late }, text: 'L' }, { range: { start: early, end: { line: early.line, character: early.character + 2 } }, text: 'EEE' }], 20);
        expected = expected.slice(0, expected.length - 50) + 'L' + expected.slice(expected.length - 50);
        expected = expected.slice(0, 100) + 'EEE' + expected.slice(102);
        expect(document.getText()).toBe(expected);
        const both = document.changeSince(base) as { start: number; oldEnd: number; newEnd: number };
        expect(start.slice(0, both.start)).toBe(expected.slice(0, both.start));
        expect(start.slice(both.oldEnd)).toBe(expected.slice(both.newEnd));
        expect(madeWhole.count).toBe(made + 1);
        expect(document.changeSince(document.snapshot)).toBe('none');
        expect(document.changeSince(TextSnapshot.of(start))).toBeUndefined();
        document.update([{ text: 'x' }], 50);
        expect(document.changeSince(base)).toBeUndefined();
    });
});

describe('an open document edited inside a block', () => {
    it('is parsed, linked, modelled and checked without making its whole text, with a fresh build\'s diagnostics', async () => {
        const { shared } = createKnetServices(EmptyFileSystem);
        // Comments ahead of the cluster: the text is ~400 kB, in several pieces, and the blocks edited lie beyond the first.
        const example = '// padding padding padding padding padding padding padding padding padding padding\n'.repeat(5000)
            + fs.readFileSync(path.join(__dirname, '../../examples/flannel-vxlan.knet'), 'utf8');
        const open = editedDocument(shared, URI.parse('file:///edited/flannel.knet'));
        const build = freshBuilds(shared, 'edited/fresh');
        const strip = (d: { diagnostics?: { message: unknown; range: unknown; code?: unknown }[] }) => (d.diagnostics ?? []).map(x => ({ message: x.message, range: x.range, code: x.code }));
        await open(example);
        let text = example;
        for (const [from, to] of [['10.244.2.5 iface', '10.244.2.6 iface'], ['10.244.2.6 iface', '10.244.2.300 iface'], ['10.244.2.300 iface', '10.244. iface'], ['10.244. iface', '10.244.2.5 iface']]) {
            expect(text.includes(from)).toBe(true);
            text = text.replace(from, to);
            const made = madeWhole.count;
            const document = await open(text);
            expect(madeWhole.count, to).toBe(made);
            expect(strip(document), to).toEqual(strip(await build(text)));
            // Editor features that read the CST's text still see this version's.
            expect(document.parseResult.value.$cstNode!.root.fullText).toBe(text);
        }
    });
});
