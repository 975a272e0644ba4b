/**
 * Re-parsing a changed document. An edit inside one braced block is re-parsed alone and
 * spliced into the previous tree (`block-reparse.ts`); anything else is a full parse.
 *
 * A full re-parse runs without the old AST alive: Langium's factory parses the new text
 * while the document still holds the previous parse result, so for a moment a 15 MB
 * file's AST exists twice (about 650 MB each) and the collector works through both. Once
 * the text is known to differ, the old result is dropped first. Parsing is one synchronous
 * step, so nothing can look at the document in between.
 *
 * For a large document the old AST is then collected before the parse starts: hundreds of
 * megabytes of garbage, which V8 would otherwise carry through the parse (measured on a
 * 16 MB file: 5.3 s of collection during an edit against 3.5 s when opening it).
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { AstNode, LangiumDocument } from 'langium';
import { DefaultLangiumDocumentFactory, DocumentState } from 'langium';
import type { CancellationToken } from 'vscode-languageserver';
import type { Document } from './generated/ast';
import { clearSplices, editSince, recordParse, recordSplice, reparseBlock } from './block-reparse';
import { EditedTextDocument, textLength } from './edited-text';
import { dropShifts } from './cst-shift';
import { spliceNameIndex } from './name-index';

/** Below this many characters a document's AST is small enough to leave to the collector. */
export const COLLECT_BEFORE_PARSE_CHARS = 2_000_000;

export class KnetDocumentFactory extends DefaultLangiumDocumentFactory {
    override async update<T extends AstNode = AstNode>(document: LangiumDocument<T>, cancelToken: CancellationToken): Promise<LangiumDocument<T>> {
        const textDocument = this.textDocuments?.get(document.uri.toString());
        const rootCst = document.parseResult.value.$cstNode;
        if (textDocument && rootCst) {
            const edit = editSince(rootCst, textDocument);
            if (edit === 'none') {
                // As Langium's update of an unchanged text, without comparing the two texts.
                Object.defineProperty(document, 'textDocument', { value: textDocument });
                (document as { state: DocumentState }).state = DocumentState.Parsed;
                return document;
            }
            const parser = this.serviceRegistry.getServices(document.uri).parser.LangiumParser;
            const reparsed = reparseBlock(parser, document.parseResult as unknown as LangiumDocument<Document>['parseResult'], edit);
            if (reparsed) {
                Object.defineProperty(document, 'textDocument', { value: textDocument });
                const mutable = document as { parseResult: LangiumDocument<T>['parseResult']; state: DocumentState };
                mutable.parseResult = reparsed.parseResult as unknown as LangiumDocument<T>['parseResult'];
                (mutable.parseResult.value as { $document?: LangiumDocument }).$document = document;
                mutable.state = DocumentState.Parsed;
                const { previousRoot, root, removed, added } = reparsed.splice;
                spliceNameIndex(previousRoot, root, removed, added);
                recordSplice(document, reparsed.splice);
                return document;
            }
            clearSplices(document);
            dropShifts(rootCst);
            const empty = { $type: document.parseResult.value.$type, $document: document } as unknown as T;
            (document as { parseResult: LangiumDocument<T>['parseResult'] }).parseResult = { value: empty, lexerErrors: [], parserErrors: [] };
            if (textLength(textDocument) >= COLLECT_BEFORE_PARSE_CHARS) collectGarbage();
        }
        // Langium reads the text and parses it in one go: the version read is the current one.
        const snapshot = textDocument instanceof EditedTextDocument ? textDocument.snapshot : undefined;
        const updated = await super.update(document, cancelToken);
        recordParse(updated.parseResult.value.$cstNode, snapshot);
        return updated;
    }
}

let gc: (() => void) | undefined | null;

/** A full collection, where the runtime allows one (Node's `gc`, exposed at run time). */
export function collectGarbage(): boolean {
    if (gc === undefined) {
        try {
            gc = (globalThis as { gc?: () => void }).gc ?? (v8.setFlagsFromString('--expose-gc'), vm.runInNewContext('gc') as () => void);
        } catch {
            gc = null;
        }
    }
    gc?.();
    return !!gc;
}
