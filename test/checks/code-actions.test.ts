/** The code-action provider offers exactly the fixes the checks carried, as workspace edits. */
import { describe, expect, it } from 'vitest';
import { CodeActionKind } from 'vscode-languageserver';
import { cluster, load } from '../helpers';
import { KnetCodeActionProvider } from '../../server/src/lsp/code-actions';
import { diagnosticCode } from '../../server/src/language/workspace';

describe('KnetCodeActionProvider', () => {
    it('turns a diagnostic\'s fixes into a preferred quick fix editing the document', async () => {
        const { document, diagnostics } = await load(cluster(`
  node node01 { address 100.100.137.201 on lan podCIDR 10.244.1.0/24 pod web 10.244.1.2 pod api 10.244.200.7 }`));
        const d = diagnostics.find(x => diagnosticCode(x) === 'address-outside-range')!;
        expect(d).toBeDefined();
        const actions = new KnetCodeActionProvider().getCodeActions(document, {
            textDocument: { uri: document.uri.toString() }, range: d.range, context: { diagnostics: [d] },
        });
        expect(actions).toHaveLength(1);
        const a = actions[0] as { title: string; kind: string; isPreferred: boolean; edit: { changes: Record<string, { range: unknown; newText: string }[]> } };
        expect(a.title).toBe("Take 10.244.1.3, the next free address of node01's podCIDR 10.244.1.0/24");
        expect(a.kind).toBe(CodeActionKind.QuickFix);
        expect(a.isPreferred).toBe(true);
        expect(a.edit.changes[document.uri.toString()]).toEqual([{ range: d.range, newText: '10.244.1.3' }]);
    });

    it('offers nothing for a diagnostic without fixes, or when only other kinds are asked for', async () => {
        const { document, diagnostics } = await load(cluster(`
  node node01 { address 100.100.137.201 on lan podCIDR 10.244.1.0/24 pod web 10.244.200.7 }
  service api { clusterIP 10.96.0.12 port 80/tcp selector app=frontend }`));
        const provider = new KnetCodeActionProvider();
        const params = (ds: typeof diagnostics, only?: string[]) => ({
            textDocument: { uri: document.uri.toString() }, range: ds[0].range, context: { diagnostics: ds, only },
        });
        const noEndpoints = diagnostics.filter(x => diagnosticCode(x) === 'no-endpoints');
        expect(noEndpoints).toHaveLength(1);
        expect(provider.getCodeActions(document, params(noEndpoints))).toEqual([]);
        expect(provider.getCodeActions(document, params(diagnostics, [CodeActionKind.Refactor]))).toEqual([]);
        expect(provider.getCodeActions(document, params(diagnostics, [CodeActionKind.QuickFix]))).toHaveLength(1);
    });
});
