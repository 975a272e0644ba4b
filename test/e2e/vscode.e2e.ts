// The extension, installed from its .vsix into a real VS Code (code-server), used through
// Chromium as a network engineer would: Problems panel, hover, quick fix, CodeLens and the
// trace panel following the cursor. Screenshots go to test-output/e2e/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, screenshot } from './harness/browser';
import { startCodeServer, type CodeServer } from './harness/code-server';
import { expectationsOf, unmetExpectations } from './harness/expectations';
import { checkOf, flowLines, traceOf } from './harness/knet-cli';
import { goTo, hoverAtCursor, lastProblemRows, openFile, problems, runCommand, waitForWorkbench, webview, focusEditor } from './harness/workbench';
import { EXAMPLES, scratchWorkspace, tool, vsixPath } from './harness/tools';

let server: CodeServer;
let context: BrowserContext;
let page: Page;
let workspace: string;

beforeAll(async () => {
    tool('codeServer');
    workspace = scratchWorkspace('vscode');
    server = await startCodeServer({ name: 'vscode', workspace, vsix: vsixPath() });
    ({ context, page } = await openBrowser('vscode'));
    await waitForWorkbench(page, `${server.url}/?folder=${encodeURIComponent(workspace)}`);
});

// What the window looked like when a step failed: the first thing to look at. Then close
// whatever menu or widget the failed step left open, so the next test starts clean.
afterEach(async ({ task }) => {
    if (task.result?.state === 'fail' && page) {
        await screenshot(page, `failed-${task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`).catch(() => undefined);
    }
    await page?.keyboard.press('Escape').catch(() => undefined);
    await page?.keyboard.press('Escape').catch(() => undefined);
});

/** The panel shows `flow`: its tab names it, and the drawing states its disposition. */
async function panelShows(panel: ReturnType<typeof webview>, flow: string, disposition: string): Promise<void> {
    await page.locator('.tab', { hasText: `Trace: ${flow}` }).first().waitFor({ timeout: 30_000 });
    await expect.poll(() => panel.locator('body').innerText(), { timeout: 30_000 }).toContain(disposition);
}

afterAll(async () => {
    await context?.close();
    await server?.stop();
});

describe('VS Code (code-server) with the knet extension', () => {
    it('lists a broken example\'s diagnostics in the Problems panel, on the lines its comments name', async () => {
        const relative = 'broken/routes.knet';
        const text = fs.readFileSync(path.join(workspace, relative), 'utf8');
        const expectations = expectationsOf(text);
        await openFile(page, relative);
        await page.locator('.squiggly-error').first().waitFor({ timeout: 60_000 });
        const rows = await problems(page, relative, expectations.filter(e => !e.optional).length);
        await screenshot(page, 'problems-broken-routes');
        const seen = rows.map(r => ({ line: (r.line ?? 0) - 1, code: r.code ?? '?', severity: r.severity }));
        expect(unmetExpectations(expectations, seen), lastProblemRows.join('\n')).toEqual([]);
        // The TextMate grammar colours keywords, addresses and names apart.
        const tokenClasses = await page.locator('.editor-instance .view-lines span[class^="mtk"]').evaluateAll(
            spans => new Set(spans.map(s => s.className)).size);
        expect(tokenClasses).toBeGreaterThanOrEqual(4);
    });

    it('applies the quick fix for a missing route, and the diagnostic goes away', async () => {
        const relative = 'broken/routes.knet';
        const file = path.join(workspace, relative);
        const originalLines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
        const before = checkOf(file).filter(d => d.code === 'missing-route');
        const target = before.find(d => /no way to the pods/.test(d.message)) ?? before[0];
        expect(target, 'knet check reports no missing-route to fix').toBeDefined();
        await openFile(page, relative);
        await goTo(page, target.line, target.column);
        // Through the command palette's "Quick Fix...": in this code-server, Ctrl+. sometimes
        // never reaches the editor's quick-fix action (seen in CI and locally, with the editor
        // focused and the lightbulb showing), while the command always opens the menu.
        await focusEditor(page, 'routes.knet');
        await runCommand(page, 'Quick Fix...');
        const menu = page.locator('.action-widget:visible').first();
        await menu.waitFor({ timeout: 20_000 });
        // The first action under "Quick Fix": the route the CNI would add.
        const fix = menu.locator('.monaco-list-row.action').first();
        await fix.waitFor();
        const title = await fix.innerText();
        expect(title, 'the fix names a route to add').toMatch(/\d+\.\d+\.\d+\.\d+\/\d+/);
        await screenshot(page, 'quick-fix-menu');
        await fix.click();
        await focusEditor(page);
        await page.keyboard.press('Control+S');
        // The server re-checks the edited text: that line's missing-route disappears.
        const deadline = Date.now() + 30_000;
        let rows = await problems(page, relative, 0);
        while (rows.some(r => r.line === target.line && r.code === 'missing-route') && Date.now() < deadline) {
            await page.waitForTimeout(300);
            rows = await problems(page, relative, 0);
        }
        await screenshot(page, 'quick-fix-applied');
        expect(rows.filter(r => r.line === target.line && r.code === 'missing-route'), `after "${title}"`).toEqual([]);
        // What the editor saved is what the CLI now accepts for that node.
        const after = checkOf(file);
        expect(after.filter(d => d.code === 'missing-route' && d.message === target.message)).toEqual([]);
        expect(after.length).toBeLessThan(checkOf(path.join(EXAMPLES, relative)).length);
        // Adding a route adds a line: every line that was there (its comment included) is still there, unchanged.
        const savedLines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
        expect(savedLines.length).toBeGreaterThan(originalLines.length);
        expect(originalLines.filter(l => !savedLines.includes(l)), 'lines the quick fix changed instead of adding one').toEqual([]);
    });

    it('shows a flow\'s route on hover', async () => {
        const relative = 'flannel-vxlan.knet';
        const file = path.join(workspace, relative);
        const flows = flowLines(fs.readFileSync(file, 'utf8'));
        const flow = flows.find(f => f.name === 'cross-node-clusterip') ?? flows[0];
        const trace = traceOf(file, flow.name);
        await openFile(page, relative);
        await goTo(page, flow.line, flow.column + 1);
        const hover = await hoverAtCursor(page);
        await screenshot(page, 'hover-flow');
        const flat = hover.replace(/\s+/g, ' ');
        expect(flat).toContain(flow.name);
        expect(flat).toContain(trace.disposition);
        expect(flat).toContain(`path MTU ${trace.pathMtu}`);
        for (const step of trace.hops.flatMap(h => h.steps).filter(s => s.kind === 'route' && s.summary)) {
            expect(flat, `route step "${step.summary}" not in the hover`).toContain(step.summary.replace(/\s+/g, ' '));
        }
    });

    it('opens the trace panel from the CodeLens, redraws it when the cursor moves to another flow, and reopens it from the title button', async () => {
        const relative = 'flannel-vxlan.knet';
        const file = path.join(workspace, relative);
        const flows = flowLines(fs.readFileSync(file, 'utf8'));
        expect(flows.length).toBeGreaterThanOrEqual(2);
        // Two flows that end differently, so a redraw cannot pass for the old drawing.
        const traces = new Map(flows.map(f => [f.name, traceOf(file, f.name)]));
        const first = flows[0];
        const second = flows.find(f => traces.get(f.name)!.disposition !== traces.get(first.name)!.disposition) ?? flows[flows.length - 1];
        const [firstTrace, secondTrace] = [traces.get(first.name)!, traces.get(second.name)!];
        await openFile(page, relative);
        await goTo(page, first.line, first.column);
        // The lenses in the order they stand in the editor, one per flow, the first flow's first.
        await page.locator('.editor-group-container.active .codelens-decoration a').first().waitFor({ timeout: 30_000 });
        const lenses = page.locator('.editor-group-container.active .codelens-decoration');
        const tops = await lenses.evaluateAll(ls => ls.map(l => l.getBoundingClientRect().top));
        const order = tops.map((top, i) => ({ top, i })).sort((a, b) => a.top - b.top).map(x => x.i);
        expect(order.length, 'one CodeLens per flow').toBe(flows.length);
        const lens = lenses.nth(order[0]).locator('a').first();
        expect(await lens.innerText()).toContain(firstTrace.disposition);
        await lens.click();
        const panel = webview(page);
        await panelShows(panel, first.name, firstTrace.disposition);
        await screenshot(page, 'trace-panel-first-flow');

        // Back in the editor, onto another flow's line: the panel follows.
        await focusEditor(page, relative);
        await goTo(page, second.line, second.column);
        await panelShows(panel, second.name, secondTrace.disposition);
        // Followed without taking the cursor away from the editor.
        expect(await page.locator('[id="status.editor.selection"]').innerText()).toContain(`Ln ${second.line},`);
        expect(await panel.locator('body').innerText()).not.toContain(firstTrace.disposition);
        await screenshot(page, 'trace-panel-second-flow');

        // Closed, it comes back from the editor-title button, on the flow under the cursor.
        await page.locator('.tab', { hasText: `Trace: ${second.name}` }).first().locator('.codicon-close, .action-label.codicon').first().click();
        await page.locator('.tab', { hasText: 'Trace:' }).first().waitFor({ state: 'detached' });
        await focusEditor(page, relative);
        await goTo(page, first.line, first.column);
        await page.locator('.editor-actions [aria-label*="Show Packet Trace"]').first().click();
        await panelShows(webview(page), first.name, firstTrace.disposition);
        // The view the README shows: the bottom panel and the side bar out of the way.
        // (Ctrl+J toggles: pressed with the panel hidden it would open a terminal.)
        if (await page.locator('.part.panel').isVisible()) await page.keyboard.press('Control+J');
        await page.keyboard.press('Control+B');
        await page.waitForTimeout(500);
        await screenshot(page, 'trace-panel-wide');
        await page.keyboard.press('Control+B');
    });
});
