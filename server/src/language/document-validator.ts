/**
 * Langium's validator visits every AST node to run the checks registered for its type. knet's
 * checks run once per document, on the model (`checks/register.ts`); no type below the root
 * has a check. Walking 1.5 million nodes of a 5,000-node file for nothing cost ~0.35 s and
 * ~1 GB of short-lived allocation (an awaited promise per node) on every build. When no type
 * below the root has a check, only the root is validated.
 *
 * Diagnostics are for the text the editor has: a version already typed over is not
 * published. Langium publishes as soon as a document is validated; a build that ends after
 * the next keystroke was read (but before it noticed its cancellation) would show errors of
 * a text that is gone, for as long as the next build takes.
 */
import {
    type AstNode, type AstReflection, type LangiumDocument, type TextDocumentProvider, type ValidateSingleNodeOptions,
    type ValidationOptions, type ValidationRegistry, DefaultDocumentValidator, OperationCancelled,
} from 'langium';
import type { Diagnostic } from 'vscode-languageserver-types';
import type { CancellationToken } from 'vscode-languageserver';
import type { LangiumServices } from 'langium/lsp';

export class KnetDocumentValidator extends DefaultDocumentValidator {
    private readonly registry: ValidationRegistry;
    private readonly reflection: AstReflection;

    private readonly textDocuments?: TextDocumentProvider;

    constructor(services: LangiumServices) {
        super(services);
        this.registry = services.validation.ValidationRegistry;
        this.reflection = services.shared.AstReflection;
        this.textDocuments = services.shared.workspace.TextDocuments;
    }

    override async validateDocument(document: LangiumDocument, options?: ValidationOptions, cancelToken?: CancellationToken): Promise<Diagnostic[]> {
        const diagnostics = await super.validateDocument(document, options, cancelToken);
        // The editor's text moved on while this version was validated: the build of the newer one publishes.
        const current = this.textDocuments?.get(document.uri.toString());
        if (current && current.version !== document.textDocument.version) throw OperationCancelled;
        return diagnostics;
    }

    protected override validateSingleNodeOptions(node: AstNode, options: ValidationOptions): ValidateSingleNodeOptions {
        if (node.$container === undefined && !this.anyCheckBelow(node.$type, options)) {
            return { validateNode: true, validateChildren: false };
        }
        return super.validateSingleNodeOptions(node, options);
    }

    /** True when some type other than the root's has a check (registrations can come late, so asked per build). */
    private anyCheckBelow(rootType: string, options: ValidationOptions): boolean {
        return this.reflection.getAllTypes().some(type => type !== rootType && !this.registry.getChecks(type, options.categories).isEmpty());
    }
}
