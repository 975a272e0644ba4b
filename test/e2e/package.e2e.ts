// The .vsix `npm run package` builds: bundled, nothing VS Code does not load.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { zipEntries } from './harness/zip';
import { ROOT, vsixPath } from './harness/tools';

describe('the packaged extension', () => {
    it('holds the bundles, grammar, configuration, snippets, icon and documents, and nothing else', () => {
        const vsix = vsixPath();
        expect(fs.existsSync(vsix), `${path.relative(ROOT, vsix)} is missing: run npm run package`).toBe(true);
        const files = zipEntries(vsix).filter(f => f.startsWith('extension/')).map(f => f.slice('extension/'.length)).sort();
        const wanted = ['package.json', 'dist/extension.cjs', 'dist/server.cjs', 'syntaxes/knet.tmLanguage.json',
            'language-configuration.json', 'snippets/knet.json', 'images/icon.png', 'readme.md', 'changelog.md', 'LICENSE.txt'];
        for (const f of wanted) expect(files.map(x => x.toLowerCase()), `${f} missing from the .vsix`).toContain(f.toLowerCase());
        // The webview bundle once it exists, and the README's screenshot.
        const allowed = new Set([...wanted.map(f => f.toLowerCase()), 'dist/webview.js', 'dist/webview.css', 'images/trace-panel.png', 'images/hover.png']);
        expect(files.filter(f => !allowed.has(f.toLowerCase()))).toEqual([]);
        // Bundled: the extension needs no node_modules, and the bundles are all it loads.
        expect(files.some(f => f.includes('node_modules'))).toBe(false);
    });

    it('names what the manifest points at, activates only on .knet files, the command and its panel', () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
        expect(pkg.main).toBe('./dist/extension.cjs');
        // No startup activation: a .knet file, the command, or a trace panel restored after a reload.
        expect([...pkg.activationEvents].sort()).toEqual(['onCommand:knet.showTrace', 'onLanguage:knet', 'onWebviewPanel:knet.tracePanel']);
        expect(pkg.engines.vscode).toBe('^1.91.0');
        for (const p of [pkg.icon, pkg.contributes.languages[0].configuration, pkg.contributes.grammars[0].path, pkg.contributes.snippets[0].path]) {
            expect(fs.existsSync(path.join(ROOT, p)), `${p} does not exist`).toBe(true);
        }
        const commands = pkg.contributes.commands.map((c: { command: string }) => c.command);
        expect(commands).toContain('knet.showTrace');
        expect(pkg.contributes.menus['editor/title']).toContainEqual(expect.objectContaining({ command: 'knet.showTrace', when: 'resourceLangId == knet' }));
    });
});
