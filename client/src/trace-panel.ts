/**
 * The trace panel's controller in the extension host: one webview panel beside the editor,
 * reused, restored after a reload through a panel serializer. It follows the cursor (the
 * flow under it, via `knet/flowAt`), redraws after edits (debounced), and asks the language
 * server for traces (`knet/trace`). The page itself (webview/src/main.ts) draws them; the
 * two talk in the typed messages of server/src/protocol/messages.ts, starting with `ready`.
 *
 * Wiring, in the extension's `activate`:
 *   context.subscriptions.push(TracePanel.registerSerializer(context, client));
 *   // knet.showTrace: TracePanel.createOrShow(context, client, { uri, flow, position })
 *   // optional, on knet/documentValidated: TracePanel.current?.documentValidated(uri)
 * and `onWebviewPanel:knet.tracePanel` among the activation events.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { isFromWebview, MAX_EXPORT_SVG_CHARS, type FromWebview, type ToWebview } from '../../server/src/protocol/messages';
import {
    FlowAtRequest, TraceRequest, type FlowAtParams, type FlowAtResult, type TraceParams, type TraceResult,
} from '../../server/src/protocol/requests';
import type { SourceRange } from '../../server/src/protocol/trace';
import { panelHtml } from '../../webview/src/html';

/** What the panel needs of the language client (a `LanguageClient` is one). */
export interface TraceClient {
    sendRequest<R>(method: string, param: unknown, token?: vscode.CancellationToken): Promise<R>;
}

/** Which flow to show: by name, or the one declared at `position`. */
export interface TraceTarget {
    uri: vscode.Uri;
    flow?: string;
    position?: vscode.Position;
}

/** Edits redraw after the typing pauses this long; cursor moves after this. */
const EDIT_DEBOUNCE_MS = 300;
const CURSOR_DEBOUNCE_MS = 120;

export class TracePanel {
    static readonly viewType = 'knet.tracePanel';
    private static instance: TracePanel | undefined;

    /** The open panel, if any. */
    static get current(): TracePanel | undefined {
        return TracePanel.instance;
    }

    /**
     * Opens the panel beside the editor (or brings the open one forward) and shows `target`,
     * or else the flow under the cursor of the active .knet editor.
     */
    static createOrShow(context: vscode.ExtensionContext, client: TraceClient, target?: TraceTarget): TracePanel {
        let panel = TracePanel.instance;
        if (panel) {
            panel.panel.reveal(panel.panel.viewColumn ?? vscode.ViewColumn.Beside, true);
        } else {
            const webviewPanel = vscode.window.createWebviewPanel(TracePanel.viewType, 'Packet Trace',
                { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, TracePanel.webviewOptions(context));
            panel = new TracePanel(webviewPanel, context, client);
        }
        const editor = vscode.window.activeTextEditor;
        const t = target ?? (editor && editor.document.languageId === 'knet'
            ? { uri: editor.document.uri, position: editor.selection.active } : undefined);
        if (t) void panel.showFlow(t);
        return panel;
    }

    /** For the panel serializer: VS Code restores the panel after a reload; the page restores its own state. */
    static revive(webviewPanel: vscode.WebviewPanel, context: vscode.ExtensionContext, client: TraceClient): TracePanel {
        TracePanel.instance?.dispose();
        webviewPanel.webview.options = TracePanel.webviewOptions(context);
        const panel = new TracePanel(webviewPanel, context, client);
        const editor = vscode.window.activeTextEditor;
        if (editor?.document.languageId === 'knet') void panel.showFlow({ uri: editor.document.uri, position: editor.selection.active });
        return panel;
    }

    static registerSerializer(context: vscode.ExtensionContext, client: TraceClient): vscode.Disposable {
        return vscode.window.registerWebviewPanelSerializer(TracePanel.viewType, {
            deserializeWebviewPanel: async (webviewPanel: vscode.WebviewPanel) => {
                TracePanel.revive(webviewPanel, context, client);
            },
        });
    }

    private static webviewOptions(context: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
        return {
            enableScripts: true,
            // The page keeps its trace and step with setState, so a hidden panel need not stay alive.
            retainContextWhenHidden: false,
            localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist')],
        };
    }

    private readonly disposables: vscode.Disposable[] = [];
    /** The flow on screen: what edits and choices re-trace. */
    private tracked: { uri: string; flow: string; choice?: number } | undefined;
    /** The last trace message, re-sent whenever the page (re)announces itself. */
    private lastTrace: Extract<ToWebview, { type: 'trace' }> | undefined;
    private stale = false;
    private ready = false;
    private pending: ToWebview[] = [];
    /** Requests are numbered: an answer that arrives after a newer request was sent is dropped. */
    private seq = 0;
    private editTimer: ReturnType<typeof setTimeout> | undefined;
    private cursorTimer: ReturnType<typeof setTimeout> | undefined;
    /** The selection our own reveal made: its echo in onDidChangeTextEditorSelection is not the user moving. */
    private lastReveal: { uri: string; range: vscode.Range } | undefined;

    private constructor(
        private readonly panel: vscode.WebviewPanel,
        private readonly context: vscode.ExtensionContext,
        private readonly client: TraceClient,
    ) {
        TracePanel.instance = this;
        panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'images', 'icon.png');
        this.render();
        this.disposables.push(
            panel.onDidDispose(() => this.dispose()),
            panel.onDidChangeViewState(e => {
                // A hidden webview is torn down; it says `ready` again when shown.
                if (!e.webviewPanel.visible) this.ready = false;
            }),
            panel.webview.onDidReceiveMessage(m => this.onMessage(m)),
            vscode.window.onDidChangeTextEditorSelection(e => this.onSelection(e)),
            vscode.window.onDidChangeActiveTextEditor(e => {
                if (e?.document.languageId === 'knet') this.scheduleCursor(e);
            }),
            vscode.workspace.onDidChangeTextDocument(e => this.onEdit(e)),
        );
    }

    dispose(): void {
        if (TracePanel.instance === this) TracePanel.instance = undefined;
        clearTimeout(this.editTimer);
        clearTimeout(this.cursorTimer);
        for (const d of this.disposables.splice(0)) d.dispose();
        this.panel.dispose();
    }

    /** Shows a flow: by name (CodeLens), or the one at a position (cursor, title button). */
    async showFlow(target: TraceTarget): Promise<void> {
        const uri = target.uri.toString();
        let flow = target.flow;
        if (!flow && target.position) {
            const at = await this.flowAt(uri, target.position);
            if (at === undefined) return;
            flow = at?.name;
        }
        if (!flow) {
            this.markStale('the cursor is on no flow');
            return;
        }
        const sameFlow = this.tracked?.uri === uri && this.tracked.flow === flow;
        this.tracked = { uri, flow, choice: sameFlow ? this.tracked?.choice : undefined };
        await this.trace();
    }

    /** The server has checked a new version of `uri`: redraw now rather than after the debounce. */
    documentValidated(uri: string): void {
        if (this.tracked?.uri !== uri) return;
        clearTimeout(this.editTimer);
        this.editTimer = undefined;
        void this.trace();
    }

    // ---- following the editor -------------------------------------------------------

    private onSelection(e: vscode.TextEditorSelectionChangeEvent): void {
        if (e.textEditor.document.languageId !== 'knet') return;
        const echo = this.lastReveal;
        if (echo && echo.uri === e.textEditor.document.uri.toString() && e.selections.length === 1
            && e.selections[0].isEqual(echo.range)) return;
        this.lastReveal = undefined;
        this.scheduleCursor(e.textEditor);
    }

    private scheduleCursor(editor: vscode.TextEditor): void {
        clearTimeout(this.cursorTimer);
        this.cursorTimer = setTimeout(() => {
            this.cursorTimer = undefined;
            void this.followCursor(editor);
        }, CURSOR_DEBOUNCE_MS);
    }

    private async followCursor(editor: vscode.TextEditor): Promise<void> {
        const uri = editor.document.uri.toString();
        const at = await this.flowAt(uri, editor.selection.active);
        if (at === undefined) return;
        if (!at) {
            this.markStale('the cursor is on no flow');
            return;
        }
        if (this.tracked?.uri === uri && this.tracked.flow === at.name && !this.stale) return;
        const sameFlow = this.tracked?.uri === uri && this.tracked.flow === at.name;
        this.tracked = { uri, flow: at.name, choice: sameFlow ? this.tracked?.choice : undefined };
        await this.trace();
    }

    private onEdit(e: vscode.TextDocumentChangeEvent): void {
        if (!this.tracked || e.document.uri.toString() !== this.tracked.uri || e.contentChanges.length === 0) return;
        clearTimeout(this.editTimer);
        // The last trace stays on screen until the new one arrives: no blank frame while typing.
        this.editTimer = setTimeout(() => {
            this.editTimer = undefined;
            void this.trace();
        }, EDIT_DEBOUNCE_MS);
    }

    // ---- talking to the server -----------------------------------------------------------

    /** The flow declared at a position; null for none; undefined when the server could not answer. */
    private async flowAt(uri: string, position: vscode.Position): Promise<FlowAtResult | undefined> {
        const params: FlowAtParams = { uri, position: { line: position.line, character: position.character } };
        try {
            return await this.client.sendRequest<FlowAtResult>(FlowAtRequest, params);
        } catch (err) {
            this.post({ type: 'error', message: `the language server could not find the flow: ${errorText(err)}` });
            return undefined;
        }
    }

    private async trace(): Promise<void> {
        const tracked = this.tracked;
        if (!tracked) return;
        const seq = ++this.seq;
        const params: TraceParams = { uri: tracked.uri, flow: tracked.flow, choice: tracked.choice };
        let result: TraceResult;
        try {
            result = await this.client.sendRequest<TraceResult>(TraceRequest, params);
        } catch (err) {
            if (seq === this.seq) this.post({ type: 'error', flow: tracked.flow, message: `no trace: ${errorText(err)}` });
            return;
        }
        if (seq !== this.seq) return;
        if (!result) {
            this.markStale(`flow ${tracked.flow} is no longer in the file`);
            return;
        }
        this.stale = false;
        this.lastTrace = { type: 'trace', uri: tracked.uri, flow: tracked.flow, trace: result, current: true, choice: tracked.choice };
        this.panel.title = `Trace: ${tracked.flow}`;
        this.post(this.lastTrace);
    }

    private markStale(reason: string): void {
        if (this.stale && this.lastTrace) return;
        this.stale = true;
        // A newer answer must not overwrite the mark with a trace the cursor has left.
        this.seq++;
        if (this.lastTrace) this.lastTrace = { ...this.lastTrace, current: false };
        this.post({ type: 'stale', reason });
    }

    // ---- the page -----------------------------------------------------------------------

    private render(): void {
        this.ready = false;
        const webview = this.panel.webview;
        webview.html = panelHtml({
            cspSource: webview.cspSource,
            scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview.js')).toString(),
            nonce: randomBytes(16).toString('base64'),
        });
    }

    private post(message: ToWebview): void {
        if (!this.ready) {
            // Only the latest trace matters; a status after it still applies to it.
            if (message.type === 'trace') this.pending = [];
            this.pending.push(message);
            return;
        }
        void this.panel.webview.postMessage(message);
    }

    private onMessage(raw: unknown): void {
        if (!isFromWebview(raw)) return;
        const m: FromWebview = raw;
        switch (m.type) {
            case 'ready': {
                this.ready = true;
                const queued = this.pending.splice(0);
                if (!queued.some(q => q.type === 'trace') && this.lastTrace) queued.unshift(this.lastTrace);
                for (const q of queued) void this.panel.webview.postMessage(q);
                return;
            }
            case 'reveal':
                void this.reveal(m.uri, m.range);
                return;
            case 'choose':
                if (this.tracked?.uri === m.uri && this.tracked.flow === m.flow) {
                    this.tracked.choice = m.choice;
                    void this.trace();
                }
                return;
            case 'exportSvg':
                void this.exportSvg(m.svg, m.fileName);
                return;
        }
    }

    /** Selects the declaration in the editor the flow is in, keeping focus in the panel. */
    private async reveal(uri: string, r: SourceRange): Promise<void> {
        const target = vscode.window.visibleTextEditors.find(e => e.document.uri.toString() === uri);
        let document: vscode.TextDocument;
        try {
            document = target?.document ?? await vscode.workspace.openTextDocument(vscode.Uri.parse(uri, true));
        } catch {
            return;
        }
        const range = document.validateRange(new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character));
        this.lastReveal = { uri, range };
        const editor = await vscode.window.showTextDocument(document, {
            viewColumn: target?.viewColumn ?? vscode.ViewColumn.One, preserveFocus: true, preview: false,
            selection: range,
        });
        editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }

    private async exportSvg(svg: string, fileName: string): Promise<void> {
        if (!svg.startsWith('<svg') || svg.length > MAX_EXPORT_SVG_CHARS) {
            this.post({ type: 'exported', ok: false, message: 'Export failed: the panel sent no SVG.' });
            return;
        }
        const safeName = (fileName.replace(/[^\w.-]+/g, '_').replace(/^\.+/, '').slice(0, 100) || 'trace').replace(/(\.svg)?$/, '.svg');
        const base = this.tracked ? vscode.Uri.joinPath(vscode.Uri.parse(this.tracked.uri), '..')
            : vscode.workspace.workspaceFolders?.[0]?.uri;
        const target = await vscode.window.showSaveDialog({
            defaultUri: base ? vscode.Uri.joinPath(base, safeName) : undefined,
            filters: { 'SVG image': ['svg'] },
            saveLabel: 'Export SVG',
            title: 'Export the packet trace as SVG',
        });
        if (!target) return;
        try {
            await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(svg));
            this.post({ type: 'exported', ok: true, message: `Saved ${vscode.workspace.asRelativePath(target)}` });
        } catch (err) {
            this.post({ type: 'exported', ok: false, message: `Export failed: ${errorText(err)}` });
        }
    }
}

function errorText(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}
