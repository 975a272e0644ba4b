/**
 * The bundled language server as an editor meets it: a child process over stdio, driven
 * by vscode-languageserver-protocol's client connection. Initialise, open the flannel
 * example, receive its diagnostics, hover a flow, ask for its trace, edit, and see the
 * diagnostics follow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import {
    type CodeLens, type Hover, type ProtocolConnection, type PublishDiagnosticsParams, CodeLensRequest, createProtocolConnection,
    DidChangeTextDocumentNotification, DidOpenTextDocumentNotification, DocumentSymbolRequest, type DocumentSymbol, WorkspaceSymbolRequest, type WorkspaceSymbol, ExitNotification, HoverRequest, InitializeRequest,
    InitializedNotification, PublishDiagnosticsNotification, ShutdownRequest,
} from 'vscode-languageserver-protocol';
import { EXAMPLES, ROOT } from '../helpers';
import { DocumentValidatedNotification, type DocumentValidatedParams, TraceRequest, type TraceParams, type TraceResult } from '../../server/src/protocol/requests';

const file = path.join(EXAMPLES, 'flannel-vxlan.knet');
const uri = 'file://' + file;
const text = fs.readFileSync(file, 'utf8');

let child: ChildProcess;
let connection: ProtocolConnection;
let stderr = '';
const diagnostics: PublishDiagnosticsParams[] = [];
const validated: DocumentValidatedParams[] = [];

function messageOf(d: { message: string | { value: string } }): string {
    return typeof d.message === 'string' ? d.message : d.message.value;
}

/** Resolves with the first diagnostics for `uri` (after `count` earlier ones) that satisfy `test`. */
function nextDiagnostics(test: (d: PublishDiagnosticsParams) => boolean, timeout = 30_000): Promise<PublishDiagnosticsParams> {
    return new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = () => {
            const found = diagnostics.find(d => d.uri === uri && test(d));
            if (found) return resolve(found);
            if (Date.now() - started > timeout) return reject(new Error(`no matching diagnostics; got ${JSON.stringify(diagnostics.map(d => d.diagnostics.map(messageOf)))}\n${stderr}`));
            setTimeout(poll, 20);
        };
        poll();
    });
}

beforeAll(async () => {
    // The server bundle exactly as scripts/bundle.mjs makes it, in a place of its own.
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'knet-ls-')), 'server.cjs');
    await esbuild.build({
        entryPoints: [path.join(ROOT, 'server/src/main.ts')], outfile: out, bundle: true, platform: 'node', format: 'cjs',
        target: 'node20', logLevel: 'error', mainFields: ['module', 'main'],
    });
    child = spawn(process.execPath, [out, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
    connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    connection.onNotification(PublishDiagnosticsNotification.type, p => { diagnostics.push(p); });
    connection.onNotification(DocumentValidatedNotification, (p: DocumentValidatedParams) => { validated.push(p); });
    // The server asks for configuration and registrations; answer as a plain client would.
    connection.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => null));
    connection.onRequest('client/registerCapability', () => null);
    connection.listen();
}, 120_000);

afterAll(async () => {
    try {
        await connection.sendRequest(ShutdownRequest.type);
        await connection.sendNotification(ExitNotification.type);
    } catch { /* already gone */ }
    connection?.dispose();
    child?.kill();
});

describe('knet-language-server --stdio', () => {
    it('initialises and announces its features', async () => {
        const result = await connection.sendRequest(InitializeRequest.type, {
            processId: process.pid, rootUri: null, workspaceFolders: null,
            capabilities: { textDocument: { hover: { contentFormat: ['markdown', 'plaintext'] }, publishDiagnostics: {} } },
        });
        const caps = result.capabilities;
        expect(caps.hoverProvider).toBeTruthy();
        expect(caps.codeLensProvider).toBeTruthy();
        expect(caps.renameProvider).toBeTruthy();
        expect(caps.documentFormattingProvider).toBeTruthy();
        expect(caps.semanticTokensProvider).toBeTruthy();
        expect(caps.completionProvider).toBeTruthy();
        await connection.sendNotification(InitializedNotification.type, {});
    });

    it('publishes diagnostics for an opened document', async () => {
        await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'knet', version: 1, text } });
        const d = await nextDiagnostics(() => true);
        expect(d.diagnostics.filter(x => x.severity === 1)).toEqual([]);
    });

    it('hovers a flow with its trace: the VXLAN step and the DNAT target', async () => {
        const offset = text.indexOf('nginx-deployment:80\n') + 3;
        const before = text.slice(0, offset).split('\n');
        const position = { line: before.length - 1, character: before[before.length - 1].length };
        const hover = await connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position }) as Hover | null;
        const value = hover && typeof hover.contents === 'object' && 'value' in hover.contents ? hover.contents.value : '';
        expect(value).toContain('cross-node-clusterip');
        expect(value).toMatch(/VXLAN/i);
        expect(value).toContain('10.244.2.5:80');
    });

    it('answers knet/trace by flow name with a delivered trace', async () => {
        const params: TraceParams = { uri, flow: 'cross-node-clusterip' };
        const trace = await connection.sendRequest(TraceRequest, params) as TraceResult;
        expect(trace?.disposition).toBe('DELIVERED');
        expect(trace?.hops.length).toBeGreaterThan(3);
        expect(await connection.sendRequest(TraceRequest, { uri, flow: 'no-such-flow' })).toBeNull();
        expect(await connection.sendRequest(TraceRequest, { nonsense: true })).toBeNull();
    });

    it('puts a CodeLens over each flow', async () => {
        const lenses = await connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } }) as CodeLens[];
        expect(lenses.length).toBe(5);
        expect(lenses.every(l => l.command?.command === 'knet.showTrace')).toBe(true);
    });

    it('follows an edit with new diagnostics, and a fix with none', async () => {
        diagnostics.length = 0;
        const broken = text.replace('flow cross-node-clusterip: busybox3-c997b9cc4-tlvrq', 'flow cross-node-clusterip: no-such-pod');
        await connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ text: broken }] });
        const d = await nextDiagnostics(p => p.diagnostics.some(x => messageOf(x).includes('no-such-pod')));
        const line = broken.slice(0, broken.indexOf('no-such-pod')).split('\n').length - 1;
        expect(d.diagnostics.find(x => messageOf(x).includes('no-such-pod'))!.range.start.line).toBe(line);
        diagnostics.length = 0;
        await connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 3 }, contentChanges: [{ text }] });
        await nextDiagnostics(p => !p.diagnostics.some(x => messageOf(x).includes('no-such-pod')));
        for (let i = 0; i < 100 && !validated.some(v => v.uri === uri && v.version === 3); i++) await new Promise(r => setTimeout(r, 20));
        expect(validated.filter(v => v.uri === uri).map(v => v.version)).toContain(3);
    });

    it('answers a hover sent right after an edit from the edited version', async () => {
        const edited = text.replace('flow cross-node-clusterip:', 'flow renamed-flow:');
        await connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 4 }, contentChanges: [{ text: edited }] });
        const offset = edited.indexOf('renamed-flow') + 2;
        const before = edited.slice(0, offset).split('\n');
        const hover = await connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: before.length - 1, character: before[before.length - 1].length } }) as Hover | null;
        const value = hover && typeof hover.contents === 'object' && 'value' in hover.contents ? hover.contents.value : '';
        expect(value).toContain('**renamed-flow** ✓ DELIVERED');
        const trace = await connection.sendRequest(TraceRequest, { uri, flow: 'renamed-flow' }) as TraceResult;
        expect(trace?.flow.name).toBe('renamed-flow');
    });

    it('still speaks the protocol after all that (nothing else went to stdout)', async () => {
        const symbols = await connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } }) as DocumentSymbol[];
        expect(symbols.map(s => s.name)).toEqual(['flannel-vxlan']);
        const found = await connection.sendRequest(WorkspaceSymbolRequest.type, { query: 'busybox3' }) as WorkspaceSymbol[];
        expect(found.map(s => s.name)).toEqual(['busybox3-c997b9cc4-tlvrq']);
        expect(child.exitCode).toBeNull();
    });
});
