/**
 * Documents built version after version, as the language server builds an open file, and
 * fresh builds of the same texts to compare them with: the tests of what an edit keeps
 * (nodes, endpoints, flow outcomes, references) use both.
 */
import { type LangiumDocument, URI } from 'langium';
import type { LangiumSharedServices } from 'langium/lsp';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { EditedTextDocument } from '../../server/src/language/edited-text';
import { textChange } from '../../server/src/language/block-reparse';

/**
 * Sets `uri`'s text to each text given, as a new version, and builds it as the server does
 * (spliced where it can). By default the document is an open one as the server keeps it
 * (`EditedTextDocument`), changed as an editor changes it: by the range that differs. With
 * `whole`, each version is a new `TextDocument` of the whole text, which the parser compares
 * with the last.
 */
export function editedDocument(shared: LangiumSharedServices, uri: URI, whole = false): (text: string) => Promise<LangiumDocument> {
    let version = 1;
    let open: EditedTextDocument | undefined;
    let last = '';
    return async text => {
        if (whole) {
            shared.workspace.TextDocuments!.set(TextDocument.create(uri.toString(), 'knet', version++, text));
        } else if (!open) {
            open = new EditedTextDocument(uri.toString(), 'knet', version++, text);
            shared.workspace.TextDocuments!.set(open);
        } else {
            const change = textChange(last, text);
            if (change) {
                const range = { start: open.positionAt(change.start), end: open.positionAt(change.oldEnd) };
                // A change that starts or ends inside a line break cannot be given as a range.
                const exact = open.offsetAt(range.start) === change.start && open.offsetAt(range.end) === change.oldEnd;
                open.update([exact ? { range, text: text.slice(change.start, change.newEnd) } : { text }], version++);
            }
        }
        last = text;
        await shared.workspace.DocumentBuilder.update([uri], []);
        return shared.workspace.LangiumDocuments.getDocument(uri)!;
    };
}

/**
 * Builds each text given as a new document of its own (`file:///PREFIX-N.knet`), then drops
 * it from the workspace; `read` takes what is needed of it (the index) while it is there.
 */
export function freshBuilds(shared: LangiumSharedServices, prefix: string): (text: string) => Promise<LangiumDocument>;
export function freshBuilds<T>(shared: LangiumSharedServices, prefix: string, read: (document: LangiumDocument) => T): (text: string) => Promise<T>;
export function freshBuilds(shared: LangiumSharedServices, prefix: string, read: (document: LangiumDocument) => unknown = d => d): (text: string) => Promise<unknown> {
    let count = 0;
    return async text => {
        const document = shared.workspace.LangiumDocumentFactory.fromString(text, URI.parse(`file:///${prefix}-${count++}.knet`));
        shared.workspace.LangiumDocuments.addDocument(document);
        await shared.workspace.DocumentBuilder.build([document], { validation: true });
        const got = read(document);
        shared.workspace.LangiumDocuments.deleteDocument(document.uri);
        return got;
    };
}
