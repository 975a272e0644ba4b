/**
 * Hooks the model's findings into Langium's validation, so the language server and the
 * CLI report the same diagnostics. The whole-cluster checks run once per document version
 * over the model, not per AST node.
 */
import type { ValidationAcceptor, ValidationChecks } from 'langium';
import { AstUtils } from 'langium';
import type { KnetAstType, Document } from '../language/generated/ast';
import type { KnetServices } from '../language/knet-module';
import { runChecks } from './run';

export function registerChecks(services: KnetServices): void {
    const registry = services.validation.ValidationRegistry;
    const checks: ValidationChecks<KnetAstType> = {
        Document: (root: Document, accept: ValidationAcceptor) => {
            const document = AstUtils.getDocument(root);
            const { model, findings } = services.model.ModelCache.get(document);
            const all = [...findings, ...runChecks(model, findings)];
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
