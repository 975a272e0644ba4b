/**
 * The language server: `knet-language-server --stdio` (or over IPC when VS Code starts
 * it). Langium's services with the editor features, plus the custom trace requests.
 */
import './polyfills';
import { NodeFileSystem } from 'langium/node';
import { startLanguageServer } from 'langium/lsp';
import { DocumentState, setInterruptionPeriod } from 'langium';
import { ProposedFeatures, createConnection } from 'vscode-languageserver/node';
import { createKnetLanguageServices } from './lsp/knet-lsp-module';
import { registerCustomRequests } from './lsp/custom-requests';
import { traceFlow } from './sim/index';

const connection = createConnection(ProposedFeatures.all);
// A build gives way to incoming messages after every 3 ms of work (Langium's default is
// 10 ms): reading a keystroke takes two turns of the event loop, so a ~40 ms build of a
// small file rarely saw the next keystroke before it ended and published a stale version.
setInterruptionPeriod(3);
// A fault in one request must not take the editor's server down: log it and keep serving.
process.on('uncaughtException', e => connection.console.error(`knet: ${e.stack ?? e.message}`));
process.on('unhandledRejection', e => connection.console.error(`knet: ${e instanceof Error ? e.stack ?? e.message : String(e)}`));
const { shared, workspaceSymbols } = createKnetLanguageServices({ connection, ...NodeFileSystem }, traceFlow);
startLanguageServer(shared, {
    // Hovers and lenses read the checked model and its traces: wait for the checks.
    HoverProvider: DocumentState.Validated,
    CodeLensProvider: DocumentState.Validated,
});
registerCustomRequests(connection, shared);
// Every named declaration, not only what the index exports (replaces Langium's handler).
connection.onWorkspaceSymbol(async (params, token) => {
    try {
        await shared.workspace.WorkspaceManager.ready;
        if (token.isCancellationRequested) return [];
        return workspaceSymbols.getSymbols(params);
    } catch {
        return [];
    }
});
