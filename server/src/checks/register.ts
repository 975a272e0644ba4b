/**
 * Hooks the model's findings into Langium's validation, so the language server and the
 * CLI report the same diagnostics. The whole-cluster checks run once per document version
 * over the model, not per AST node.
 */
import type { ValidationAcceptor, ValidationChecks } from 'langium';
import { AstUtils } from 'langium';
import type { KnetAstType, Document } from '../language/generated/ast';
import type { KnetServices } from '../language/knet-module';
import type { CancellationToken } from 'vscode-languageserver';
import { runChecksAsync } from './run';

export function registerChecks(services: KnetServices): void {
    const registry = services.validation.ValidationRegistry;
    const checks: ValidationChecks<KnetAstType> = {
        // Async with the build's token, so a version typed over stops between steps (see runChecksAsync).
        Document: async (root: Document, accept: ValidationAcceptor, cancelToken: CancellationToken) => {
            const document = AstUtils.getDocument(root);
            const { model, findings } = await services.model.ModelCache.getAsync(document, cancelToken);
            const all = [...findings, ...await runChecksAsync(model, findings, cancelToken)];
            const text = document.textDocument;
            for (const f of all) {
                accept(f.severity === 'information' ? 'info' : f.severity, f.message, {
                    node: root,
                    range: { start: text.positionAt(f.span.start), end: text.positionAt(f.span.end) },
                    code: f.code,
                    relatedInformation: f.related?.map(r => ({
                        location: { uri: document.uri.toString(), range: { start: text.positionAt(r.span.start), end: text.positionAt(r.span.end) } },
                        message: r.message,
                    })),
                    data: { code: f.code, fixes: f.fixes?.map(fix => ({ title: fix.title, edits: fix.edits.map(e => ({ range: { start: text.positionAt(e.span.start), end: text.positionAt(e.span.end) }, newText: e.newText })) })) },
                });
            }
        },
    };
    registry.register(checks);
}
