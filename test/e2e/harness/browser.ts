/**
 * Chromium, driven by playwright-core, pointed at code-server: a fresh profile each time,
 * no background traffic, a 1280×800 window (TRACE.md's readability target).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { OUTPUT, tool } from './tools';

export async function openBrowser(name: string): Promise<{ context: BrowserContext; page: Page }> {
    const profile = path.join(OUTPUT, 'chromium', name);
    fs.rmSync(profile, { recursive: true, force: true });
    const context = await chromium.launchPersistentContext(profile, {
        executablePath: tool('chromium'),
        headless: true,
        viewport: { width: 1280, height: 800 },
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
            '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
    const page = context.pages()[0] ?? await context.newPage();
    return { context, page };
}

export async function screenshot(page: Page, name: string): Promise<string> {
    const file = path.join(OUTPUT, `${name}.png`);
    await page.screenshot({ path: file });
    return file;
}
