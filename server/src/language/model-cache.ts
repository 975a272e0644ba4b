/**
 * One model per document version: built on first request after a parse and shared by the
 * checks, hovers, CodeLens, the trace request and the CLI. Keyed by the AST root, which a
 * new parse replaces, so a stale model is never served and old ones are collected.
 */
import type { AstNode, LangiumDocument } from 'langium';
import type { LangiumServices } from 'langium/lsp';
import type { Document } from './generated/ast';
import { type BuildResult, buildModel } from './build-model';

export class ModelCache {
    private readonly cache = new WeakMap<AstNode, BuildResult>();

    constructor(_services: LangiumServices) { }

    get(document: LangiumDocument): BuildResult {
        const root = document.parseResult.value as Document;
        let result = this.cache.get(root);
        if (!result) {
            result = buildModel(root, document.textDocument.getText());
            this.cache.set(root, result);
        }
        return result;
    }
}
