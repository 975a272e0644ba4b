// Neovim 0.7's built-in LSP client against `knet-language-server --stdio`.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unmetExpectations } from './harness/expectations';
import { brokenRoutesScenario, routesMissingFrom, type ClientReport } from './harness/lsp-clients';
import { OUTPUT, languageServerBin, scratchWorkspace, tool } from './harness/tools';

describe('Neovim (built-in LSP client)', () => {
    it('receives the broken example\'s diagnostics and a node\'s routing table on hover', () => {
        const nvim = tool('nvim');
        const server = languageServerBin();
        const scenario = brokenRoutesScenario(scratchWorkspace('neovim'));
        const out = path.join(OUTPUT, 'neovim.json');
        fs.rmSync(out, { force: true });
        execFileSync(nvim, ['--headless', '--clean', '-n', '-c', `luafile ${path.join(__dirname, 'nvim', 'lsp.lua')}`], {
            env: {
                ...process.env, KNET_SERVER: server, KNET_FILE: scenario.file, KNET_OUT: out, KNET_WAIT_MS: '20000',
                KNET_HOVER_LINE: String(scenario.hover.line), KNET_HOVER_COL: String(scenario.hover.character),
            },
            timeout: 90_000, stdio: ['ignore', 'ignore', 'pipe'],
        });
        const report = JSON.parse(fs.readFileSync(out, 'utf8')) as ClientReport;
        expect(report.published, `no publishDiagnostics arrived; server stderr: ${(report.errors ?? []).join('\n')}`).toBe(true);
        expect(unmetExpectations(scenario.expectations, report.diagnostics ?? [])).toEqual([]);
        expect(report.hover, 'hover on node02 answered nothing').toBeTypeOf('string');
        expect(routesMissingFrom(report.hover!, scenario.routes)).toEqual([]);
    });
});
