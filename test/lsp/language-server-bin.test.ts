/**
 * `knet-language-server`, the launcher other editors run: it starts the bundled server
 * with the server's Node flags (which V8 takes only at launch), stdio passed through, and
 * exits when the server does.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { createProtocolConnection, ExitNotification, InitializeRequest, ShutdownRequest } from 'vscode-languageserver-protocol';
import { ROOT } from '../helpers';
import { LANGUAGE_SERVER_NODE_FLAGS } from '../../server/src/protocol/node-flags';

const shim = path.join(ROOT, 'bin', 'knet-language-server.cjs');

describe('knet-language-server', () => {
    it('lists the same flags as the server module (the client and the benchmark read that one)', () => {
        const listed = /const FLAGS = (\[[^\]]*\]);/.exec(fs.readFileSync(shim, 'utf8'));
        expect(listed).not.toBeNull();
        expect(JSON.parse(listed![1].replace(/'/g, '"'))).toEqual([...LANGUAGE_SERVER_NODE_FLAGS]);
    });

    it('serves over stdio from a server started with those flags, and exits with it', async () => {
        // The layout of a checkout or an installed package: bin/ beside dist/.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knet-bin-'));
        fs.mkdirSync(path.join(dir, 'bin'));
        fs.copyFileSync(shim, path.join(dir, 'bin', 'knet-language-server.cjs'));
        await esbuild.build({
            entryPoints: [path.join(ROOT, 'server/src/main.ts')], outfile: path.join(dir, 'dist', 'server.cjs'), bundle: true,
            platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error', mainFields: ['module', 'main'],
        });
        const launcher = spawn(process.execPath, [path.join(dir, 'bin', 'knet-language-server.cjs'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
        const exited = new Promise<number | null>(resolve => launcher.on('exit', code => resolve(code)));
        const connection = createProtocolConnection(new StreamMessageReader(launcher.stdout!), new StreamMessageWriter(launcher.stdin!));
        connection.listen();
        try {
            const result = await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, workspaceFolders: null, capabilities: {} });
            expect(result.capabilities.hoverProvider).toBeTruthy();
            if (process.platform === 'linux') {
                // The process that answered: the server bundle, run by node with the flags.
                const server = fs.readdirSync('/proc').filter(p => /^\d+$/.test(p)).map(pid => {
                    try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'); } catch { return []; }
                }).find(argv => argv.includes(path.join(dir, 'dist', 'server.cjs')));
                expect(server).toBeDefined();
                for (const flag of LANGUAGE_SERVER_NODE_FLAGS) expect(server).toContain(flag);
            }
            await connection.sendRequest(ShutdownRequest.type);
            await connection.sendNotification(ExitNotification.type);
            expect(await exited).toBe(0);
        } finally {
            connection.dispose();
            launcher.kill();
        }
    }, 120_000);
});
