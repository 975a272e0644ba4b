/// <reference lib="dom" />
/**
 * Steps a user takes in the VS Code workbench, as keystrokes and clicks on what they see
 * (selectors are VS Code's own: the Problems panel's rows, the hover widget, CodeLens).
 */
import type { FrameLocator, Page } from 'playwright-core';

export async function waitForWorkbench(page: Page, url: string): Promise<void> {
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    // The explorer appears once the remote connection and the folder are up.
    await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: 60_000 });
}

/** Quick Open (Ctrl+P) by path relative to the workspace, as a user types it. */
export async function openFile(page: Page, relative: string): Promise<void> {
    const base = relative.split('/').pop()!;
    await page.locator('.monaco-workbench').click({ position: { x: 640, y: 5 } }).catch(() => undefined);
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(relative);
    // Wait for the result that is this file, not a stale list.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: base }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator(`.tabs-container .tab.active[aria-label*="${base}"]`).waitFor();
    await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor();
}

/** Ctrl+G to a 1-based line and column. */
export async function goTo(page: Page, line: number, column = 1): Promise<void> {
    await page.keyboard.press('Control+G');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    // Ctrl+G opens Quick Open with its ':' (go to line) prefix.
    await input.fill(`:${line}:${column}`);
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/**
 * Focus a text editor: the one showing `file` (a base name) when given, for when a panel
 * beside it holds the focus; else the active group's. Hidden editors of other tabs stay
 * in the DOM, so "the first textarea" would not do.
 */
export async function focusEditor(page: Page, file?: string): Promise<void> {
    const group = file
        ? page.locator('.editor-group-container', { has: page.locator(`.tab.active[aria-label*="${file}"]`) })
        : page.locator('.editor-group-container.active');
    await group.locator('.monaco-editor textarea').first().focus();
}

export interface ProblemRow {
    text: string;
    /** 1-based, from "[Ln N, Col M]". */
    line?: number;
    code?: string;
    severity: 'error' | 'warning' | 'info' | 'hint';
}

/**
 * The Problems panel (Ctrl+Shift+M) rows of one file, filtered through the panel's own
 * filter box as a user would, once at least `atLeast` markers are listed.
 */
export async function problems(page: Page, file: string, atLeast: number): Promise<ProblemRow[]> {
    const panel = page.locator('.markers-panel');
    if (!(await panel.isVisible())) await page.keyboard.press('Control+Shift+M');
    await panel.waitFor();
    const filter = page.locator('.viewpane-filter input, .markers-panel-action-filter input').first();
    if ((await filter.inputValue()) !== file) await filter.fill(file);
    const deadline = Date.now() + 30_000;
    while ((await markerRows(page, file)).length < atLeast && Date.now() < deadline) await page.waitForTimeout(250);
    return markerRows(page, file);
}

/** The Problems panel as last read, row by row, for failure messages. */
export let lastProblemRows: string[] = [];

/** Marker rows under the resource row of `file` (a workspace-relative path). */
async function markerRows(page: Page, file: string): Promise<ProblemRow[]> {
    const rows = await page.locator('.markers-panel .monaco-list-row').evaluateAll(rows =>
        rows.map(r => ({
            text: (r as HTMLElement).innerText.replace(/\s+/g, ' ').trim(),
            icon: r.querySelector('.codicon-error') ? 'error' as const
                : r.querySelector('.codicon-warning') ? 'warning' as const
                : r.querySelector('.codicon-info') ? 'info' as const : undefined,
        })));
    // A resource row reads "routes.knet broken 4" (name, folder, count); marker rows carry a severity icon;
    // related-information rows ("routes.knet[Ln 15, Col 13]: …") carry neither.
    lastProblemRows = rows.map(r => `${r.icon ?? '-'} ${r.text}`);
    const base = file.split('/').pop()!;
    const dir = file.split('/').slice(0, -1).pop();
    let inFile = false;
    const out: ProblemRow[] = [];
    for (const t of rows) {
        if (!t.icon && !/\[Ln \d+, Col \d+\]/.test(t.text)) {
            // The label and its folder may run together in innerText ("routes.knetbroken 4").
            const rest = t.text.slice(base.length).trim();
            inFile = t.text.startsWith(base) && (dir === undefined ? /^\d*$/.test(rest) : rest.startsWith(dir));
            continue;
        }
        if (!inFile || !t.icon) continue;
        const at = /\[Ln (\d+), Col \d+\]/.exec(t.text);
        const code = /knet\(?\s*([a-z]+(?:-[a-z]+)*)\)?\s*\[Ln/.exec(t.text);
        out.push({ text: t.text, line: at ? Number(at[1]) : undefined, code: code?.[1], severity: t.icon });
    }
    return out;
}

/** Ctrl+K Ctrl+I: the hover at the cursor, as text, once it holds more than "Loading…". */
export async function hoverAtCursor(page: Page): Promise<string> {
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+I');
    const hover = page.locator('.monaco-hover:visible').first();
    await hover.waitFor({ timeout: 20_000 });
    const deadline = Date.now() + 20_000;
    let text = '';
    while (Date.now() < deadline) {
        text = await hover.innerText();
        if (text.trim() && !/^Loading/.test(text.trim())) break;
        await page.waitForTimeout(200);
    }
    return text;
}

export async function runCommand(page: Page, title: string): Promise<void> {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(`>${title}`);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
    await page.keyboard.press('Enter');
}

/** The content of the active webview panel (the trace panel). */
export function webview(page: Page): FrameLocator {
    return page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
}

/** The editor's text as VS Code holds it (unsaved edits included), one string per view line. */
export async function visibleLines(page: Page): Promise<string[]> {
    return page.locator('.editor-instance .monaco-editor .view-lines .view-line').evaluateAll(ls =>
        ls.map(l => ({ top: parseFloat((l as HTMLElement).style.top || '0'), text: (l as HTMLElement).innerText.replace(/\u00a0/g, ' ') }))
            .sort((a, b) => a.top - b.top).map(l => l.text));
}
