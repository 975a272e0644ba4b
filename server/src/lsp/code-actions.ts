/**
 * Quick fixes. Each check that has an obvious repair carries it on its finding (title and
 * text edits), and `checks/register.ts` puts them on the diagnostic's `data.fixes`; this
 * provider turns those into LSP code actions, so the editor offers exactly what the check
 * computed against the model (the route the CNI would add, the MTU, the next free address
 * or nodePort) and nothing is recomputed from a possibly newer text.
 */
import type { LangiumDocument } from 'langium';
import type { CodeActionProvider } from 'langium/lsp';
import { type CodeAction, type CodeActionParams, type Command, type Diagnostic, type TextEdit, CodeActionKind } from 'vscode-languageserver';

/** What `register.ts` stores in `Diagnostic.data`. */
export interface FixData {
    readonly code?: string;
    readonly fixes?: readonly { readonly title: string; readonly edits: readonly TextEdit[] }[];
}

export class KnetCodeActionProvider implements CodeActionProvider {
    getCodeActions(document: LangiumDocument, params: CodeActionParams): Array<Command | CodeAction> {
        const actions: CodeAction[] = [];
        const uri = document.uri.toString();
        for (const diagnostic of params.context.diagnostics) {
            const fixes = fixesOf(diagnostic);
            for (const fix of fixes) {
                actions.push({
                    title: fix.title,
                    kind: CodeActionKind.QuickFix,
                    diagnostics: [diagnostic],
                    // One obvious repair: let the editor apply it with the quick-fix shortcut.
                    isPreferred: fixes.length === 1,
                    edit: { changes: { [uri]: fix.edits.map(e => ({ range: e.range, newText: e.newText })) } },
                });
            }
        }
        if (params.context.only && !params.context.only.some(k => CodeActionKind.QuickFix.startsWith(k))) return [];
        return actions;
    }
}

function fixesOf(diagnostic: Diagnostic): readonly { title: string; edits: readonly TextEdit[] }[] {
    const data = diagnostic.data as FixData | undefined;
    if (!data || !Array.isArray(data.fixes)) return [];
    return data.fixes.filter(f => typeof f?.title === 'string' && Array.isArray(f.edits));
}
