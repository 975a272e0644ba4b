/**
 * The server side of the custom requests in protocol/requests.ts. Each waits until the
 * document's current version is validated (so its model is built and checked), then
 * answers from that model and the traces cached with it; nothing is rebuilt per request.
 */
import { DocumentState, type LangiumDocument } from 'langium';
import { createRequestHandler } from 'langium/lsp';
import type { LangiumSharedServices } from 'langium/lsp';
import type { CancellationToken, Connection } from 'vscode-languageserver';
import {
    DocumentValidatedNotification, type DocumentValidatedParams, type FlowAtParams, type FlowAtResult, FlowAtRequest,
    type FlowsParams, type FlowsResult, FlowsRequest, type TraceParams, type TraceResult, TraceRequest,
} from '../protocol/requests';
import type { Flow } from '../model/types';
import { flowAtOffset } from './locate';
import { modelObject } from './model-lookup';
import type { KnetLspServices } from './services';
import { whereItEnded } from './trace-brief';

function isPosition(p: unknown): p is { line: number; character: number } {
    return typeof p === 'object' && p !== null && Number.isInteger((p as { line: unknown }).line) && Number.isInteger((p as { character: unknown }).character)
        && (p as { line: number }).line >= 0 && (p as { character: number }).character >= 0;
}

/** The flow a request names: by name, or the one on the line of `position`. */
export function findFlow(services: KnetLspServices, document: LangiumDocument, params: { flow?: unknown; position?: unknown }): Flow | undefined {
    const { model } = services.model.ModelCache.get(document);
    if (typeof params.flow === 'string') return model.flowByName.get(params.flow);
    if (isPosition(params.position)) {
        const t = document.textDocument;
        if (params.position.line >= t.lineCount) return undefined;
        const decl = flowAtOffset(document, t.offsetAt(params.position));
        const o = modelObject(model, decl);
        return o?.kind === 'flow' ? o.flow : undefined;
    }
    return undefined;
}

export function traceFor(services: KnetLspServices, document: LangiumDocument, params: TraceParams): TraceResult {
    const flow = findFlow(services, document, params);
    if (!flow) return null;
    const { model } = services.model.ModelCache.get(document);
    const choice = Number.isInteger(params.choice) && (params.choice as number) >= 0 ? params.choice : undefined;
    return services.traces.TraceCache.get(model, flow, choice) ?? null;
}

export function flowsOf(services: KnetLspServices, document: LangiumDocument): FlowsResult {
    const { model } = services.model.ModelCache.get(document);
    return model.flows.map(flow => {
        const trace = services.traces.TraceCache.get(model, flow);
        const line = flow.origin.span ? model.rangeOf(flow.origin.span).start.line : 0;
        return {
            name: flow.name, text: flow.text, line, disposition: trace?.disposition, pathMtu: trace?.pathMtu,
            dispositionAt: trace && trace.disposition !== 'DELIVERED' && trace.disposition !== 'EXITS_NETWORK' ? whereItEnded(trace) : undefined,
        };
    });
}

/** Adapts `{uri, …}` params to Langium's request plumbing, which keys on `textDocument.uri`. */
function withDocument<P extends { uri: string }>(p: P): P & { textDocument: { uri: string } } {
    return { ...p, textDocument: { uri: typeof p?.uri === 'string' ? p.uri : '' } };
}

export function registerCustomRequests(connection: Connection, shared: LangiumSharedServices): void {
    const trace = createRequestHandler<TraceParams & { textDocument: { uri: string } }, NonNullable<TraceResult>>(
        (services, document, params) => traceFor(services as unknown as KnetLspServices, document, params), shared, DocumentState.Validated);
    const flows = createRequestHandler<FlowsParams & { textDocument: { uri: string } }, FlowsResult>(
        (services, document) => flowsOf(services as unknown as KnetLspServices, document), shared, DocumentState.Validated);
    // Cheap and called as the cursor moves: a parsed document is enough.
    const flowAt = createRequestHandler<FlowAtParams & { textDocument: { uri: string } }, NonNullable<FlowAtResult>>(
        (services, document, params) => {
            const flow = findFlow(services as unknown as KnetLspServices, document, { position: params.position });
            return flow ? { name: flow.name } : null;
        }, shared, DocumentState.Linked);
    const guard = <P extends { uri: string }, R>(handler: (p: P & { textDocument: { uri: string } }, t: CancellationToken) => unknown) =>
        async (params: P, token: CancellationToken): Promise<R | null> => {
            if (!params || typeof params.uri !== 'string' || !params.uri) return null;
            return (await handler(withDocument(params), token)) as R | null;
        };
    connection.onRequest(TraceRequest, guard<TraceParams, TraceResult>(trace));
    connection.onRequest(FlowsRequest, guard<FlowsParams, FlowsResult>(flows));
    connection.onRequest(FlowAtRequest, guard<FlowAtParams, FlowAtResult>(flowAt));

    // Tell the client when a version's checks are done, so a trace panel can refresh.
    shared.workspace.DocumentBuilder.onBuildPhase(DocumentState.Validated, documents => {
        for (const d of documents) {
            const params: DocumentValidatedParams = { uri: d.uri.toString(), version: d.textDocument.version };
            void connection.sendNotification(DocumentValidatedNotification, params);
        }
    });
}
