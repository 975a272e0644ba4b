/**
 * A CodeLens over each flow with its disposition and path MTU, e.g.
 * "✓ DELIVERED · 11 hops · MTU 1450"; clicking it opens the trace panel on that flow.
 */
import type { LangiumDocument } from 'langium';
import type { CodeLensProvider } from 'langium/lsp';
import type { CodeLens, CodeLensParams } from 'vscode-languageserver';
import { ShowTraceCommand, type ShowTraceArguments } from '../protocol/requests';
import { lensTitle } from './trace-brief';
import type { KnetLspServices } from './services';

export class KnetCodeLensProvider implements CodeLensProvider {
    constructor(private readonly services: KnetLspServices) { }

    provideCodeLens(document: LangiumDocument, _params: CodeLensParams): CodeLens[] {
        try {
            const { model } = this.services.model.ModelCache.get(document);
            const uri = document.uri.toString();
            const lenses: CodeLens[] = [];
            for (const flow of model.flows) {
                const span = flow.origin.span;
                if (!span) continue;
                const range = model.rangeOf(span);
                const trace = this.services.traces.TraceCache.get(model, flow);
                const title = trace ? lensTitle(trace) : !flow.source || !flow.target ? '✗ unresolved flow' : '✗ no trace';
                const args: ShowTraceArguments = [uri, range.start.line, flow.name];
                lenses.push({ range: { start: range.start, end: range.start }, command: { title, command: ShowTraceCommand, arguments: args } });
            }
            return lenses;
        } catch (e) {
            console.error(`knet: code lens failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
            return [];
        }
    }
}
