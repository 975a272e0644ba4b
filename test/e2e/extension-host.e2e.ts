// The extension-host suite (test-electron's contract) inside code-server's real extension
// host, started through the smoke-test driver switch (pinned code-server version). The
// suite (suite/index.ts) is bundled here, the references come from the `knet` CLI, and
// each of its checks is one test below.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, screenshot } from './harness/browser';
import { startCodeServer, type CodeServer } from './harness/code-server';
import { declarationOf, routesOf } from './harness/lsp-clients';
import { flowLines, traceOf } from './harness/knet-cli';
import { OUTPUT, ROOT, scratchWorkspace } from './harness/tools';
import type { HostResults, HostSpec } from './suite/index';

let server: CodeServer | undefined;
let context: BrowserContext | undefined;
let results: HostResults = {};
let exitCode: number | undefined;
const log: string[] = [];

beforeAll(async () => {
    const workspace = scratchWorkspace('extension-host');
    const suite = path.join(OUTPUT, 'extension-host-suite', 'index.cjs');
    await esbuild.build({
        entryPoints: [path.join(__dirname, 'suite', 'index.ts')], outfile: suite, bundle: true, platform: 'node',
        format: 'cjs', target: 'node20', external: ['vscode'], logLevel: 'warning',
    });
    const broken = path.join(workspace, 'broken', 'routes.knet');
    const brokenText = fs.readFileSync(broken, 'utf8');
    const flowsFile = path.join(workspace, 'flannel-vxlan.knet');
    const flows = flowLines(fs.readFileSync(flowsFile, 'utf8'));
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { publisher: string; name: string };
    const brokenDir = path.join(workspace, 'broken');
    const spec: HostSpec = {
        broken,
        allBroken: fs.readdirSync(brokenDir).filter(f => f.endsWith('.knet')).sort().map(f => path.join(brokenDir, f)),
        hoverNode: { ...declarationOf(brokenText, 'node', 'node02'), routes: routesOf(broken, 'node02') },
        flows: {
            file: flowsFile, names: flows.map(f => f.name), lines: flows.map(f => f.line - 1),
            dispositions: flows.map(f => traceOf(flowsFile, f.name).disposition),
        },
        extensionId: `${pkg.publisher}.${pkg.name}`,
    };
    const specFile = path.join(OUTPUT, 'extension-host-spec.json');
    const resultsFile = path.join(OUTPUT, 'extension-host-results.json');
    fs.writeFileSync(specFile, JSON.stringify(spec, null, 2));
    fs.rmSync(resultsFile, { force: true });

    server = await startCodeServer({
        name: 'extension-host', workspace,
        extraArgs: ['--vscode-option', 'enable-smoke-test-driver'],
        env: { KNET_E2E_SPEC: specFile, KNET_E2E_RESULTS: resultsFile },
    });
    const remote = (p: string) => `vscode-remote://${server!.host}:${server!.port}${p}`;
    const payload = JSON.stringify([['extensionDevelopmentPath', remote(ROOT)], ['extensionTestsPath', remote(suite)]]);
    let page;
    ({ context, page } = await openBrowser('extension-host'));
    const exited = new Promise<number>(resolve => {
        void page.exposeFunction('codeAutomationExit', (code: number) => { resolve(code); });
    });
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => { log.push(`${type}: ${args.map(String).join(' ')}`); });
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`);
    exitCode = await Promise.race([exited, new Promise<number>(r => setTimeout(() => r(-1), 150_000))]);
    await screenshot(page, 'extension-host').catch(() => undefined);
    fs.writeFileSync(path.join(OUTPUT, 'extension-host.log'), log.join('\n'));
    if (fs.existsSync(resultsFile)) results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as HostResults;
}, 240_000);

afterAll(async () => {
    await context?.close();
    await server?.stop();
});

function outcome(name: string) {
    const r = results[name];
    expect(r, `the suite did not report "${name}" (exit ${exitCode}); host log:\n${log.slice(-30).join('\n')}`).toBeDefined();
    expect(r.ok, r.detail).toBe(true);
}

describe('extension host (test-electron contract, in code-server)', () => {
    for (const name of [
        'activates on a .knet file and exposes its language client',
        'diagnostics match the broken example\'s comments',
        'every broken example carries the diagnostics its comments promise',
        'hover on a node shows its routing table',
        'a missing route has a quick fix that removes it',
        'a CodeLens over each flow opens the trace',
        'the language client answers knet/trace as the CLI does',
        'the language configuration comments a line with //',
    ]) it(name, () => outcome(name));

    it('the suite ran to the end and exited 0', () => {
        expect(exitCode, log.slice(-30).join('\n')).toBe(0);
    });
});
