/**
 * One model per document version: built on first request after a parse and shared by the
 * checks, hovers, CodeLens, the trace request and the CLI. Keyed by the AST root, which a
 * new parse replaces, so a stale model is never served and old ones are collected.
 */
import type { AstNode, LangiumDocument } from 'langium';
import type { CancellationToken } from 'vscode-languageserver';
import type { LangiumServices } from 'langium/lsp';
import type { Document } from './generated/ast';
import type { TextSnapshot } from './edited-text';
import { type BuildResult, buildModel, buildModelAsync } from './build-model';
import { sourceOf } from './block-reparse';

/** The text the document's tree was parsed from: an open document's version stays in pieces. */
function sourceText(document: LangiumDocument): string | TextSnapshot {
    const cst = document.parseResult.value.$cstNode;
    return cst ? sourceOf(cst) : document.textDocument.getText();
}

export class ModelCache {
    private readonly cache = new WeakMap<AstNode, BuildResult>();

    constructor(_services: LangiumServices) { }

    get(document: LangiumDocument): BuildResult {
        const root = document.parseResult.value as Document;
        let result = this.cache.get(root);
        if (!result) {
            result = buildModel(root, sourceText(document));
            this.cache.set(root, result);
        }
        return result;
    }

    /**
     * As `get`, for the validation of a new version: the build gives way between steps and
     * throws `OperationCancelled` once `cancelToken` is cancelled (a newer edit arrived),
     * leaving nothing cached for the version nobody will look at.
     */
    async getAsync(document: LangiumDocument, cancelToken: CancellationToken): Promise<BuildResult> {
        const root = document.parseResult.value as Document;
        let result = this.cache.get(root);
        if (!result) {
            result = await buildModelAsync(root, sourceText(document), cancelToken);
            // A synchronous `get` (a hover) may have built it meanwhile: keep the one others already hold.
            result = this.cache.get(root) ?? result;
            this.cache.set(root, result);
        }
        return result;
    }
}
