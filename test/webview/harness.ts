/**
 * A stand-in for VS Code's webview host, served on loopback: the page the extension would
 * build (same CSP with a fresh nonce, the real dist/webview.js) plus a stub
 * `acquireVsCodeApi` that records what the page posts and keeps its state in
 * sessionStorage, so a reload behaves like VS Code restoring a hidden panel.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ROOT } from '../helpers';
import { panelHtml } from '../../webview/src/html';

export const CHROMIUM = '/usr/bin/chromium';
export const BUNDLE = path.join(ROOT, 'dist', 'webview.js');

/** VS Code's Dark Modern values for the variables the panel uses (VS Code injects these). */
export const DARK_THEME: Record<string, string> = {
    '--vscode-font-family': '"DejaVu Sans", system-ui, sans-serif',
    '--vscode-font-size': '13px',
    '--vscode-editor-font-family': '"DejaVu Sans Mono", monospace',
    '--vscode-editor-background': '#1f1f1f',
    '--vscode-editor-foreground': '#cccccc',
    '--vscode-descriptionForeground': '#9d9d9d',
    '--vscode-focusBorder': '#0078d4',
    '--vscode-panel-border': '#2b2b2b',
    '--vscode-charts-blue': '#3794ff',
    '--vscode-charts-purple': '#b180d7',
    '--vscode-charts-yellow': '#cca700',
    '--vscode-charts-orange': '#d18616',
    '--vscode-charts-green': '#89d185',
    '--vscode-testing-iconPassed': '#73c991',
    '--vscode-errorForeground': '#f85149',
    '--vscode-list-hoverBackground': '#2a2d2e',
    '--vscode-list-inactiveSelectionBackground': '#37373d',
    '--vscode-button-secondaryBackground': '#313131',
    '--vscode-button-secondaryForeground': '#cccccc',
    '--vscode-button-secondaryHoverBackground': '#3c3c3c',
    '--vscode-textLink-foreground': '#4daafc',
};

/** VS Code's Light Modern values: the same panel must read on a white editor. */
export const LIGHT_THEME: Record<string, string> = {
    ...DARK_THEME,
    '--vscode-editor-background': '#ffffff',
    '--vscode-editor-foreground': '#3b3b3b',
    '--vscode-descriptionForeground': '#717171',
    '--vscode-panel-border': '#e5e5e5',
    '--vscode-charts-blue': '#1a85ff',
    '--vscode-charts-purple': '#652d90',
    '--vscode-charts-yellow': '#bf8803',
    '--vscode-charts-orange': '#d18616',
    '--vscode-charts-green': '#388a34',
    '--vscode-testing-iconPassed': '#388a34',
    '--vscode-errorForeground': '#e51400',
    '--vscode-list-hoverBackground': '#f2f2f2',
    '--vscode-list-inactiveSelectionBackground': '#e4e6f1',
    '--vscode-button-secondaryBackground': '#e5e5e5',
    '--vscode-button-secondaryForeground': '#3b3b3b',
    '--vscode-button-secondaryHoverBackground': '#cccccc',
    '--vscode-textLink-foreground': '#005fb8',
};

export interface Harness {
    url(options?: { theme?: 'dark' | 'light'; csp?: boolean }): string;
    close(): Promise<void>;
}

/**
 * The extension's own page (webview/src/html.ts) with, before its script, a stub of the
 * host: `acquireVsCodeApi`, CSP violation recording, and the theme variables VS Code would
 * put on <html> (set from the nonce'd stub, since the CSP admits no style attribute markup).
 */
function page(origin: string, theme: Record<string, string>, csp: boolean): string {
    const nonce = randomBytes(16).toString('base64');
    let html = panelHtml({ cspSource: origin, scriptUri: `${origin}/dist/webview.js`, nonce });
    const stub = `<script nonce="${nonce}">
  window.__posted = [];
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
  const vars = ${JSON.stringify(theme)};
  for (const k of Object.keys(vars)) document.documentElement.style.setProperty(k, vars[k]);
  window.acquireVsCodeApi = () => ({
    postMessage: m => window.__posted.push(JSON.parse(JSON.stringify(m))),
    getState: () => JSON.parse(sessionStorage.getItem('knet-state') || 'null'),
    setState: s => sessionStorage.setItem('knet-state', JSON.stringify(s)),
  });
</script>
</head>`;
    html = html.replace('</head>', stub).replace('<body>', `<body class="vscode-${theme === LIGHT_THEME ? 'light' : 'dark'}">`);
    if (!csp) html = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '');
    return html;
}

export async function startHarness(): Promise<Harness> {
    const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        if (url.pathname === '/') {
            const theme = url.searchParams.get('theme') === 'light' ? LIGHT_THEME : DARK_THEME;
            res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
            res.end(page(origin, theme, url.searchParams.get('csp') !== 'off'));
        } else if (url.pathname === '/dist/webview.js') {
            res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
            res.end(fs.readFileSync(BUNDLE));
        } else {
            res.writeHead(404).end();
        }
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    return {
        url: (o = {}) => `http://127.0.0.1:${port}/?theme=${o.theme ?? 'dark'}${o.csp === false ? '&csp=off' : ''}`,
        close: () => new Promise(resolve => server.close(() => resolve())),
    };
}

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
