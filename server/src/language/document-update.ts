/**
 * Keystrokes in a large file coalesce before a rebuild starts. An edit inside a block is
 * re-parsed alone (`block-reparse.ts`), but any other edit parses the whole file, one
 * synchronous step that no cancellation can interrupt (~5 s for a 15 MB, 5,000-node file);
 * without the pause every keystroke of a burst would start a parse of its own. The pause
 * grows with the document: nothing for small files, where a build takes less than a
 * keystroke's gap, up to 300 ms for the largest. An edit that will be spliced in waits a
 * fifth of that, and only inside a burst (while the build of an earlier keystroke is still
 * under way or waiting): one that finds the server idle builds at once, since its
 * synchronous part is short (~45 ms at 16 MB) and waiting would only delay its
 * diagnostics. The build of the version typed over is cancelled at once, not when the
 * pause ends: it is stale already, and must not publish.
 */
import { type LangiumDocuments, URI } from 'langium';
import { DefaultDocumentUpdateHandler, type LangiumSharedServices } from 'langium/lsp';
import { canReparseBlock, editSince } from './block-reparse';
import { textLength } from './edited-text';
import type { TextDocumentChangeEvent } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';

/** Characters per millisecond of pause: a 15 MB file waits 300 ms, a 200 kB one 4 ms. */
const CHARS_PER_MS = 50_000;
const MAX_PAUSE_MS = 300;

export function pauseFor(length: number): number {
    return Math.min(MAX_PAUSE_MS, Math.floor(length / CHARS_PER_MS));
}

/**
 * The pause before an edit that will be spliced in (`block-reparse.ts`): its synchronous
 * part (finding the change, moving the CST after it) is about a fifth of the full pause,
 * ~60 ms on a 16 MB file, so waiting longer for more keystrokes saves nothing.
 */
export function splicedPauseFor(length: number): number {
    return Math.floor(pauseFor(length) / 5);
}

export class KnetDocumentUpdateHandler extends DefaultDocumentUpdateHandler {
    private readonly pending = new Set<string>();
    private timer?: ReturnType<typeof setTimeout>;
    /** Builds that changes asked for and that have not ended (run, given way or cancelled). */
    private building = 0;
    private readonly documents: LangiumDocuments;

    constructor(services: LangiumSharedServices) {
        super(services);
        this.documents = services.workspace.LangiumDocuments;
    }

    override didChangeContent(change: TextDocumentChangeEvent<TextDocument>): void {
        const document = change.document;
        const length = textLength(document);
        let pause = pauseFor(length);
        if (pause > 0 && this.willSplice(document)) {
            // Inside a burst, wait for its next keystroke; after a quiet spell, build at once.
            pause = this.timer !== undefined || this.building > 0 ? splicedPauseFor(length) : 0;
        }
        if (pause === 0 && !this.timer) {
            super.didChangeContent(change);
            return;
        }
        this.pending.add(change.document.uri);
        this.workspaceLock.cancelWrite();
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => {
            this.timer = undefined;
            const uris = [...this.pending].map(u => URI.parse(u));
            this.pending.clear();
            this.fireDocumentUpdate(uris, []);
        }, Math.max(pause, 1));
    }

    /** As Langium's, counting the builds under way. */
    protected override fireDocumentUpdate(changed: URI[], deleted: URI[]): void {
        this.building++;
        this.workspaceManager.ready
            .then(() => this.workspaceLock.write(token => this.documentBuilder.update(changed, deleted, token)))
            .catch(err => console.error('knet: the document update failed', err))
            .finally(() => this.building--);
    }

    /** Whether the document's last parse and its text now differ inside one block only (then the edit is spliced in). */
    private willSplice(textDocument: TextDocument): boolean {
        const document = this.documents.getDocument(URI.parse(textDocument.uri));
        const rootCst = document?.parseResult.value.$cstNode;
        if (!document || !rootCst) return false;
        const parser = this.serviceRegistry.getServices(document.uri).parser.LangiumParser;
        try {
            const edit = editSince(rootCst, textDocument);
            return edit !== 'none' && canReparseBlock(parser, document.parseResult as unknown as Parameters<typeof canReparseBlock>[1], edit);
        } catch {
            return false;
        }
    }
}
