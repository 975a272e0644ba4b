/**
 * The VS Code side of knet: starts the language server (dist/server.cjs, bundled beside
 * this file) over IPC and owns the commands that need the editor, such as the trace panel.
 * Everything about the language itself lives in the server, so that Neovim, Emacs and the
 * CLI see the same diagnostics and hovers.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
    DocumentValidatedNotification, ShowTraceCommand, type DocumentValidatedParams, type ShowTraceArguments,
} from '../../server/src/protocol/requests';
import { TracePanel, type TraceTarget } from './trace-panel';
import { LANGUAGE_SERVER_NODE_FLAGS } from '../../server/src/protocol/node-flags';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';


/** What `activate` returns: extension-host tests reach the running client through it. */
export interface KnetExtensionApi {
    readonly client: LanguageClient;
}

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<KnetExtensionApi> {
    const serverModule = context.asAbsolutePath(path.join('dist', 'server.cjs'));
    const serverOptions: ServerOptions = {
        run: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: [...LANGUAGE_SERVER_NODE_FLAGS] } },
        debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: [...LANGUAGE_SERVER_NODE_FLAGS, '--nolazy', '--inspect=6009'] } },
    };
    const clientOptions: LanguageClientOptions = {
        // Files on disk and unsaved buffers alike: a pasted `ip route` dump is often untitled.
        documentSelector: [{ scheme: 'file', language: 'knet' }, { scheme: 'untitled', language: 'knet' }],
        synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.knet') },
        outputChannelName: 'KNet Language Server',
    };
    client = new LanguageClient('knet', 'KNet Language Server', serverOptions, clientOptions);

    const started = client;
    context.subscriptions.push(
        vscode.commands.registerCommand(ShowTraceCommand, (...args: unknown[]) => showTrace(context, started, args)),
        // A panel left open before a reload comes back with the window.
        TracePanel.registerSerializer(context, started),
    );

    await client.start();
    // A new version of a document has been checked: the panel re-asks for its flow.
    context.subscriptions.push(started.onNotification(DocumentValidatedNotification, (params: DocumentValidatedParams) => {
        TracePanel.current?.documentValidated(params.uri);
    }));
    return { client };
}

export async function deactivate(): Promise<void> {
    await client?.stop();
    client = undefined;
}

/**
 * `knet.showTrace` comes from three places: the editor-title button and the palette (no
 * arguments: the flow under the cursor of the active editor) and the server's CodeLens
 * (`ShowTraceArguments`: the document URI, the flow's line and its name).
 */
function showTrace(context: vscode.ExtensionContext, languageClient: LanguageClient, args: unknown[]): void {
    const target = traceTarget(args);
    if (!target) {
        void vscode.window.showInformationMessage('KNet: open a .knet file and put the cursor on a flow to see its packet trace.');
        return;
    }
    TracePanel.createOrShow(context, languageClient, target);
}

function traceTarget(args: unknown[]): TraceTarget | undefined {
    if (isShowTraceArguments(args)) {
        const [uriText, line, flow] = args;
        const uri = parseUri(uriText);
        if (uri) return { uri, flow, position: new vscode.Position(line, 0) };
    }
    // The editor-title button passes the editor's resource URI; the palette passes nothing.
    const editor = vscode.window.activeTextEditor;
    if (editor?.document.languageId !== 'knet') return undefined;
    const [first] = args;
    if (first instanceof vscode.Uri && first.toString() !== editor.document.uri.toString()) return { uri: first };
    return { uri: editor.document.uri, position: editor.selection.active };
}

function isShowTraceArguments(args: unknown[]): args is ShowTraceArguments {
    const [uri, line, flow] = args;
    return typeof uri === 'string' && typeof line === 'number' && Number.isInteger(line) && line >= 0 && typeof flow === 'string';
}

function parseUri(text: string): vscode.Uri | undefined {
    try { return vscode.Uri.parse(text, true); } catch { return undefined; }
}
