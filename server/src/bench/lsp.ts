/**
 * The language server as an editor drives it: the real bundle (`dist/server.cjs --stdio`)
 * in a child process, spoken to with vscode-languageserver-protocol's client connection.
 * Measures open → diagnostics, one pod-line edit → diagnostics, two quick edits (only the
 * last may be checked to the end and published), and hover and trace requests on the warm
 * document.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import {
    type Diagnostic, type ProtocolConnection, type PublishDiagnosticsParams,
    createProtocolConnection, DidChangeTextDocumentNotification, DidOpenTextDocumentNotification,
    ExitNotification, HoverRequest, InitializedNotification, InitializeRequest, PublishDiagnosticsNotification,
    ShutdownRequest, StreamMessageReader, StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';
import { TraceRequest } from '../protocol/requests';
import { LANGUAGE_SERVER_NODE_FLAGS } from '../protocol/node-flags';
import type { GeneratedCluster } from './generate';
import { median, peakRssOfPid } from './measure';

/**
 * When the second of two quick edits is sent: once 30% of a single edit's build has run, so
 * that the first edit's build is under way at every size (at 5,000 nodes, ~0.1 s in; at 50
 * nodes, ~5 ms). The first edit finds the server idle, so its build starts without a pause.
 */
export function quickEditGap(editMs: number): number {
    return Math.max(5, 0.3 * editMs);
}

/**
 * How long after an edit is sent a running build can still finish and publish: the server
 * must read the edit (between two of its 3 ms interruption periods) and the build must reach
 * its next check of the token, past one synchronous stretch (a few tens of ms). A whole
 * build of a 50-node file (~15 ms) often ends within it; a stale build at 500 nodes does not.
 */
const REACTION_MS = 50;

export interface LspFigures {
    /** Median of the sessions' opens (`opens`), didOpen until the first diagnostics. */
    openMs: number;
    opens?: number[];
    firstEdits?: number[];
    /**
     * A pod's address half typed (`10.244.` : a syntax error in its node's block), until the
     * diagnostics that show it; then the address completed, until they are clean again
     * (medians of several rounds).
     */
    typing: { brokenMs: number; syntaxErrorShown: boolean; fixedMs: number; fixedClean: boolean };
    /**
     * The first edit after the open, until its diagnostics (median of the sessions'): it also
     * pays what is done once per document or process (the text's line offsets, the edit
     * path's first JIT).
     */
    firstEditMs: number;
    /** Median of `edits` single pod-line edits after the first, each until its diagnostics arrive. */
    editMs: number;
    edits: number[];
    /**
     * Two edits `gapMs` apart (`quickEditGap`): the first makes a duplicate address, the
     * second moves the pod to a free one.
     */
    doubleEdit: {
        gapMs: number;
        /** From the second edit to the diagnostics of the file as it stands. */
        ms: number;
        /** publishDiagnostics seen for the document once the second edit was sent. */
        publishes: number;
        /** The first version's diagnostics, when its build finished before the second edit was sent (then nothing was superseded). */
        publishedBeforeSecond: number;
        /**
         * The first version's diagnostics arrived within the server's reaction time after the
         * second edit was sent: its build was finishing as the edit came (only where a build
         * is that short). Such a publication precedes the final one and is not a fault.
         */
        firstFinishedAsSecondCame: boolean;
        /** With two publications: how long after the second edit was sent the first one came. */
        firstLagMs?: number;
        /** True when the superseded version's diagnostics (the duplicate-address error) were published. */
        supersededPublished: boolean;
        /** The final publication has no error (it describes the last version). */
        finalClean: boolean;
    };
    hoverPodMs: number;
    hoverFlowMs: number;
    traceMs: number;
    /** First trace request of a flow not traced before (the model is reused; the flow is simulated). */
    traceColdMs: number;
    hoverChars: number;
    traceDisposition?: string;
    peakRssMb?: number;
}

interface Published {
    at: number;
    diagnostics: Diagnostic[];
}

/**
 * One full session (open, edits, two quick edits, half-written lines, hovers, traces), then
 * `sessions - 1` short ones (open and one edit) in fresh servers: the open and the first
 * edit after it happen once a session, so their medians need sessions of their own.
 */
export async function measureLsp(serverBundle: string, file: string, cluster: GeneratedCluster, options: { edits: number; hovers: number; sessions: number }): Promise<LspFigures> {
    const full = await session(serverBundle, file, cluster, options, true) as LspFigures;
    const opens = [full.openMs], firstEdits = [full.firstEditMs];
    for (let i = 1; i < options.sessions; i++) {
        const short = await session(serverBundle, file, cluster, options, false);
        opens.push(short.openMs);
        firstEdits.push(short.firstEditMs);
    }
    return { ...full, openMs: median(opens), firstEditMs: median(firstEdits), opens, firstEdits };
}

async function session(serverBundle: string, file: string, cluster: GeneratedCluster, options: { edits: number; hovers: number }, full: boolean): Promise<LspFigures | { openMs: number; firstEditMs: number }> {
    const text = fs.readFileSync(file, 'utf8');
    const uri = 'file://' + file;
    const child: ChildProcess = spawn(process.execPath, [...LANGUAGE_SERVER_NODE_FLAGS, serverBundle, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const connection: ProtocolConnection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const published: Published[] = [];
    let waiter: (() => void) | undefined;
    connection.onNotification(PublishDiagnosticsNotification.type, (p: PublishDiagnosticsParams) => {
        if (p.uri !== uri) return;
        published.push({ at: performance.now(), diagnostics: p.diagnostics });
        waiter?.();
    });
    // What a client answers when the server asks: no settings, registrations accepted.
    connection.onRequest('workspace/configuration', (params: { items?: unknown[] }) => (params.items ?? []).map(() => null));
    for (const method of ['client/registerCapability', 'client/unregisterCapability', 'window/workDoneProgress/create']) connection.onRequest(method, () => null);
    connection.listen();
    const nextPublish = (after: number, timeoutMs: number): Promise<Published> => new Promise((resolve, reject) => {
        const check = () => {
            const p = published.find(x => x.at >= after);
            if (p) { clearTimeout(timer); waiter = undefined; resolve(p); }
        };
        const timer = setTimeout(() => { waiter = undefined; reject(new Error(`no diagnostics within ${timeoutMs} ms`)); }, timeoutMs);
        waiter = check;
        check();
    });
    const quiet = (ms: number) => new Promise(r => setTimeout(r, ms));
    try {
        await connection.sendRequest(InitializeRequest.type, {
            processId: process.pid, rootUri: null, workspaceFolders: null,
            capabilities: { textDocument: { publishDiagnostics: { relatedInformation: true }, hover: { contentFormat: ['markdown', 'plaintext'] } } },
        });
        await connection.sendNotification(InitializedNotification.type, {});

        let version = 1;
        const t0 = performance.now();
        await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'knet', version, text } });
        const opened = await nextPublish(t0, 600_000);
        const openMs = opened.at - t0;
        const openErrors = opened.diagnostics.filter(d => d.severity === 1);
        if (openErrors.length) throw new Error(`the generated file has errors: ${openErrors[0].message}`);

        const e = cluster.edit;
        const range = { start: { line: e.line, character: e.start }, end: { line: e.line, character: e.start + e.address.length } };
        let current = e.address;
        const change = async (to: string) => {
            const r = { start: range.start, end: { line: e.line, character: e.start + current.length } };
            current = to;
            await connection.sendNotification(DidChangeTextDocumentNotification.type, {
                textDocument: { uri, version: ++version }, contentChanges: [{ range: r, text: to }],
            });
        };
        const edits: number[] = [];
        let firstEditMs = 0;
        for (let i = 0; i <= options.edits; i++) {
            // A pause between edits, as between a user's: each edit follows a quiet spell, as
            // long as the half-written rounds' below (the server's idle-time collection is over).
            if (i > 0) await quiet(500);
            const t = performance.now();
            await change(i % 2 === 0 ? e.freeAddress : e.address);
            const p = await nextPublish(t, 600_000);
            if (i === 0) firstEditMs = p.at - t;
            else edits.push(p.at - t);
            if (!full) return { openMs, firstEditMs };
        }
        const editMs = median(edits);
        if (current !== e.address) {
            const t = performance.now();
            await change(e.address);
            await nextPublish(t, 600_000);
        }

        // Two quick edits: the first one's build must give way to the second. The second
        // goes to a text not built before (Langium skips the parse of an unchanged text).
        const before = performance.now();
        await change(e.takenAddress);
        // The edit is inside a node's block and finds the server idle: it is spliced in without
        // a pause (the second edit, which comes while the first one's build runs, gets one).
        const gapMs = quickEditGap(editMs);
        await quiet(gapMs);
        const second = performance.now();
        await change(e.freeAddress);
        const final = await nextPublish(second, 600_000);
        await quiet(Math.max(1000, editMs));
        const after = published.filter(p => p.at >= second);
        const isError = (d: Diagnostic) => d.severity === 1;
        const doubleEdit = {
            ms: after[after.length - 1].at - second,
            publishes: after.length,
            gapMs,
            publishedBeforeSecond: published.filter(p => p.at >= before && p.at < second).length,
            firstLagMs: after.length === 2 ? after[0].at - second : undefined,
            firstFinishedAsSecondCame: after.length === 2 && after[0].at - second <= REACTION_MS && after[0].diagnostics.some(isError),
            supersededPublished: after.some(p => p.diagnostics.some(isError)),
            finalClean: !after[after.length - 1].diagnostics.some(isError),
        };
        void final;

        // A half-written address, then the address completed: the block parses with an error
        // in between, and is spliced in all the same. Medians of as many rounds as single edits.
        const brokenTimes: number[] = [], fixedTimes: number[] = [];
        let syntaxErrorShown = true, fixedClean = true;
        for (let i = 0; i < options.edits; i++) {
            await quiet(Math.max(500, editMs));
            let t = performance.now();
            await change(e.address.slice(0, e.address.lastIndexOf('.') + 1));
            const broken = await nextPublish(t, 600_000);
            brokenTimes.push(broken.at - t);
            syntaxErrorShown &&= broken.diagnostics.some(d => isError(d) && /expect|unexpected/i.test(typeof d.message === 'string' ? d.message : d.message.value));
            await quiet(Math.max(500, editMs));
            t = performance.now();
            await change(e.address);
            const fixed = await nextPublish(t, 600_000);
            fixedTimes.push(fixed.at - t);
            fixedClean &&= !fixed.diagnostics.some(isError);
        }
        const typing = { brokenMs: median(brokenTimes), syntaxErrorShown, fixedMs: median(fixedTimes), fixedClean };

        const hoverAt = async (pos: { line: number; character: number }) => {
            const t = performance.now();
            const h = await connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: pos });
            return { ms: performance.now() - t, chars: h ? JSON.stringify(h.contents).length : 0 };
        };
        const pods: number[] = [], flows: number[] = [], traces: number[] = [];
        let hoverChars = 0;
        for (let i = 0; i < options.hovers; i++) {
            const hp = await hoverAt(cluster.hoverPod);
            pods.push(hp.ms);
            const hf = await hoverAt(cluster.hoverFlow);
            flows.push(hf.ms);
            hoverChars = Math.max(hoverChars, hp.chars, hf.chars);
        }
        const traceOf = async (flow: string) => {
            const t = performance.now();
            const r = await connection.sendRequest(TraceRequest, { uri, flow }) as { disposition?: string } | null;
            return { ms: performance.now() - t, disposition: r?.disposition };
        };
        // A flow neither hovered nor traced yet: the first request simulates it.
        const cold = await traceOf(cluster.coldFlow.name);
        let traceDisposition: string | undefined;
        for (let i = 0; i < options.hovers; i++) {
            const r = await traceOf(cluster.hoverFlow.name);
            traces.push(r.ms);
            traceDisposition = r.disposition;
        }
        const peakRssMb = peakRssOfPid(child.pid!);
        return {
            openMs, typing, firstEditMs, editMs, edits, doubleEdit, hoverPodMs: median(pods), hoverFlowMs: median(flows), traceMs: median(traces),
            traceColdMs: cold.ms, hoverChars, traceDisposition, peakRssMb,
        };
    } finally {
        try {
            await Promise.race([connection.sendRequest(ShutdownRequest.type), quiet(5000)]);
            await connection.sendNotification(ExitNotification.type);
        } catch { /* the server may be gone already */ }
        connection.dispose();
        setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    }
}
