/**
 * Runs inside VS Code's real extension host (test-electron's contract: `exports.run`),
 * loaded by code-server as `extensionTestsPath`. It uses the extension through the VS Code
 * API the way other extensions and VS Code itself do: `getDiagnostics`, the hover, code
 * action and CodeLens providers, the command, the language client's custom request.
 * Each check's outcome goes to the JSON file named by KNET_E2E_RESULTS; the reference
 * answers (from the `knet` CLI) come from KNET_E2E_SPEC. Bundled by extension-host.e2e.ts.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { expectationsOf, unmetExpectations, type SeenDiagnostic } from '../harness/expectations';

export interface HostSpec {
    broken: string;
    /** Every broken example: each must carry the diagnostics its comments promise. */
    allBroken: string[];
    hoverNode: { line: number; character: number; routes: string[] };
    flows: { file: string; names: string[]; lines: number[]; dispositions: string[] };
    extensionId: string;
}

export type HostResults = Record<string, { ok: boolean; detail: string }>;

const SEVERITY: Record<number, SeenDiagnostic['severity']> = { 0: 'error', 1: 'warning', 2: 'info', 3: 'hint' };

function codeOf(d: vscode.Diagnostic): string {
    return typeof d.code === 'object' && d.code !== null ? String(d.code.value) : String(d.code ?? '?');
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 30_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
        const v = await probe();
        if (v !== undefined) return v;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise(r => setTimeout(r, 100));
    }
}

function hoverText(hovers: vscode.Hover[]): string {
    return hovers.flatMap(h => h.contents).map(c => typeof c === 'string' ? c : 'value' in c ? c.value : '').join('\n');
}

export async function run(): Promise<void> {
    const spec = JSON.parse(fs.readFileSync(process.env.KNET_E2E_SPEC!, 'utf8')) as HostSpec;
    const results: HostResults = {};
    const check = async (name: string, body: () => Promise<string>) => {
        try { results[name] = { ok: true, detail: await body() }; } catch (e) { results[name] = { ok: false, detail: e instanceof Error ? e.message : String(e) }; }
        console.log(`${results[name].ok ? 'ok  ' : 'FAIL'} ${name}: ${results[name].detail}`);
    };

    const brokenUri = vscode.Uri.file(spec.broken);
    const brokenDoc = await vscode.workspace.openTextDocument(brokenUri);
    await vscode.window.showTextDocument(brokenDoc);

    await check('activates on a .knet file and exposes its language client', async () => {
        const ext = await until('the extension', () => vscode.extensions.getExtension(spec.extensionId));
        await until('activation', () => ext.isActive ? true : undefined);
        const api = ext.exports as { client?: { sendRequest: unknown } } | undefined;
        if (!api?.client) throw new Error('activate() returned no client');
        const commands = await vscode.commands.getCommands(true);
        if (!commands.includes('knet.showTrace')) throw new Error('knet.showTrace is not registered');
        return `${ext.id} active`;
    });

    await check('diagnostics match the broken example\'s comments', async () => {
        const expectations = expectationsOf(brokenDoc.getText());
        const seenOf = () => vscode.languages.getDiagnostics(brokenUri).map(d => ({ line: d.range.start.line, code: codeOf(d), severity: SEVERITY[d.severity] }));
        // Wait for the server's publish, then for it to settle.
        await until('diagnostics', () => seenOf().length ? true : undefined);
        await new Promise(r => setTimeout(r, 500));
        const problems = unmetExpectations(expectations, seenOf());
        if (problems.length) throw new Error(problems.join('; '));
        return `${seenOf().length} diagnostics, as the comments say`;
    });

    await check('every broken example carries the diagnostics its comments promise', async () => {
        const problems: string[] = [];
        for (const file of spec.allBroken) {
            const uri = vscode.Uri.file(file);
            const doc = await vscode.workspace.openTextDocument(uri);
            const seenOf = () => vscode.languages.getDiagnostics(uri).map(d => ({ line: d.range.start.line, code: codeOf(d), severity: SEVERITY[d.severity] }));
            await until(`diagnostics of ${file}`, () => seenOf().length ? true : undefined);
            await new Promise(r => setTimeout(r, 300));
            problems.push(...unmetExpectations(expectationsOf(doc.getText()), seenOf()).map(p => `${file.split('/').pop()} ${p}`));
        }
        if (problems.length) throw new Error(problems.join('; '));
        return `${spec.allBroken.length} files as their comments say`;
    });

    await check('hover on a node shows its routing table', async () => {
        const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', brokenUri,
            new vscode.Position(spec.hoverNode.line, spec.hoverNode.character));
        const text = hoverText(hovers ?? []).replace(/\s+/g, ' ');
        const missing = spec.hoverNode.routes.filter(r => !text.includes(r.replace(/\s+/g, ' ')));
        if (missing.length) throw new Error(`routes missing from the hover: ${missing.join(' | ')}; hover: ${text.slice(0, 400)}`);
        return `${spec.hoverNode.routes.length} routes shown`;
    });

    await check('a missing route has a quick fix that removes it', async () => {
        // Not every missing route has an obvious repair (a gateway on no subnet has none); one must.
        const candidates = vscode.languages.getDiagnostics(brokenUri).filter(d => codeOf(d) === 'missing-route');
        if (!candidates.length) throw new Error('no missing-route diagnostic');
        let diagnostic: vscode.Diagnostic | undefined;
        let fix: vscode.CodeAction | undefined;
        const titles: string[] = [];
        for (const d of candidates) {
            const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', brokenUri, d.range,
                vscode.CodeActionKind.QuickFix.value);
            titles.push(...(actions ?? []).map(a => a.title));
            // The command's CodeActions come back converted, without their diagnostics: asked at
            // this diagnostic's range, a quick fix with an edit is this diagnostic's fix.
            fix = (actions ?? []).find(a => a.edit && a.edit.size > 0);
            if (fix) { diagnostic = d; break; }
        }
        if (!fix?.edit || !diagnostic) throw new Error(`no quick fix with an edit for ${candidates.length} missing-route diagnostics (actions: ${titles.join(', ') || 'none'})`);
        const fixed = diagnostic;
        if (!(await vscode.workspace.applyEdit(fix.edit))) throw new Error(`applyEdit refused "${fix.title}"`);
        await until('the diagnostic to go', () =>
            vscode.languages.getDiagnostics(brokenUri).some(d => d.message === fixed.message) ? undefined : true);
        return `"${fix.title}" applied; the diagnostic is gone`;
    });

    const flowsUri = vscode.Uri.file(spec.flows.file);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(flowsUri));

    await check('a CodeLens over each flow opens the trace', async () => {
        const lenses = await until('CodeLenses', async () => {
            const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', flowsUri, 100);
            return l && l.length ? l : undefined;
        });
        const lines = lenses.map(l => l.range.start.line).sort((a, b) => a - b);
        if (JSON.stringify(lines) !== JSON.stringify(spec.flows.lines)) throw new Error(`lenses on lines ${lines} but flows on ${spec.flows.lines}`);
        for (const l of lenses) {
            if (l.command?.command !== 'knet.showTrace') throw new Error(`lens "${l.command?.title}" runs ${l.command?.command}`);
            const i = spec.flows.lines.indexOf(l.range.start.line);
            if (!l.command.title.includes(spec.flows.dispositions[i])) throw new Error(`lens of ${spec.flows.names[i]} says "${l.command.title}", the CLI says ${spec.flows.dispositions[i]}`);
        }
        const first = lenses.find(l => l.range.start.line === spec.flows.lines[0])!;
        await vscode.commands.executeCommand(first.command!.command, ...(first.command!.arguments ?? []));
        const label = `Trace: ${spec.flows.names[0]}`;
        await until(`a "${label}" tab`, () => vscode.window.tabGroups.all.flatMap(g => g.tabs).some(t => t.label === label) ? true : undefined);
        return `${lenses.length} lenses; "${label}" open`;
    });

    await check('the language client answers knet/trace as the CLI does', async () => {
        const api = vscode.extensions.getExtension(spec.extensionId)!.exports as { client: { sendRequest<R>(m: string, p: unknown): Promise<R> } };
        const wrong: string[] = [];
        for (const [i, name] of spec.flows.names.entries()) {
            const trace = await api.client.sendRequest<{ disposition: string } | null>('knet/trace', { uri: flowsUri.toString(), flow: name });
            if (trace?.disposition !== spec.flows.dispositions[i]) wrong.push(`${name}: ${trace?.disposition} vs ${spec.flows.dispositions[i]}`);
        }
        if (wrong.length) throw new Error(wrong.join('; '));
        return `${spec.flows.names.length} traces agree`;
    });

    await check('the language configuration comments a line with //', async () => {
        const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'knet', content: '  mtu 1450\n' }));
        editor.selection = new vscode.Selection(0, 3, 0, 3);
        await vscode.commands.executeCommand('editor.action.commentLine');
        const line = editor.document.lineAt(0).text;
        if (line !== '  // mtu 1450') throw new Error(`Toggle Line Comment gave "${line}"`);
        await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
        return line;
    });

    fs.writeFileSync(process.env.KNET_E2E_RESULTS!, JSON.stringify(results, null, 2));
    const failed = Object.entries(results).filter(([, r]) => !r.ok).map(([n]) => n);
    if (failed.length) throw new Error(`failed: ${failed.join(', ')}`);
}
