/**
 * Re-parsing a changed document without the old AST alive: Langium's factory parses the
 * new text while the document still holds the previous parse result, so for a moment a
 * 15 MB file's AST exists twice (about 650 MB each) and the collector works through both.
 * Once the text is known to differ, the old result is dropped first. Parsing is one
 * synchronous step, so nothing can look at the document in between.
 */
import type { LangiumDocument } from 'langium';
import { DefaultLangiumDocumentFactory } from 'langium';
import type { CancellationToken } from 'vscode-languageserver';

export class KnetDocumentFactory extends DefaultLangiumDocumentFactory {
    override async update<T extends import('langium').AstNode = import('langium').AstNode>(document: LangiumDocument<T>, cancelToken: CancellationToken): Promise<LangiumDocument<T>> {
        const textDocument = this.textDocuments?.get(document.uri.toString());
        const old = document.parseResult.value.$cstNode?.root.fullText;
        if (textDocument && old !== undefined && old !== textDocument.getText()) {
            const empty = { $type: document.parseResult.value.$type, $document: document } as unknown as T;
            (document as { parseResult: LangiumDocument<T>['parseResult'] }).parseResult = { value: empty, lexerErrors: [], parserErrors: [] };
        }
        return super.update(document, cancelToken);
    }
}
