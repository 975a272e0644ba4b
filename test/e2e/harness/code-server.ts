/**
 * A real VS Code: code-server (pinned version, Node 24) on loopback, with a fresh user
 * data and extensions folder per start, settings that keep the window quiet, and no
 * gallery. Started in its own process group so stopping it also stops its extension host.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { OUTPUT, tool } from './tools';

export interface CodeServer {
    /** e.g. http://127.0.0.1:41234 */
    url: string;
    port: number;
    host: string;
    /** The folder the workbench opens. */
    workspace: string;
    /** stdout and stderr so far, for failure messages. */
    log(): string;
    stop(): Promise<void>;
}

export interface CodeServerOptions {
    workspace: string;
    /** A .vsix installed into the fresh extensions folder before the start. */
    vsix?: string;
    /** e.g. ['--vscode-option', 'enable-smoke-test-driver'] */
    extraArgs?: string[];
    /** Names the state folders and the log under test-output/e2e. */
    name: string;
    /** Extra environment for code-server and its extension host. */
    env?: Record<string, string>;
}

const QUIET_SETTINGS = {
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'workbench.enableExperiments': false,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'security.workspace.trust.enabled': false,
    'chat.disableAIFeatures': true,
    'chat.commandCenter.enabled': false,
    'git.enabled': false,
    'git.autoRepositoryDetection': false,
    'npm.autoDetect': 'off',
    'editor.minimap.enabled': false,
    'editor.hover.delay': 300,
    'editor.codeLens': true,
    'files.autoSave': 'off',
    'window.commandCenter': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'workbench.secondarySideBar.showLabels': false,
    'workbench.colorTheme': 'Default Dark Modern',
};

async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const { port } = srv.address() as net.AddressInfo;
            srv.close(() => resolve(port));
        });
    });
}

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
    const node24 = tool('node24');
    const entry = tool('codeServer');
    const state = path.join(OUTPUT, 'code-server', options.name);
    fs.rmSync(state, { recursive: true, force: true });
    const userData = path.join(state, 'user-data');
    const extensions = path.join(state, 'extensions');
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    fs.mkdirSync(extensions, { recursive: true });
    fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(QUIET_SETTINGS, null, 2));
    const env = {
        ...process.env,
        XDG_CONFIG_HOME: path.join(state, 'config'),
        XDG_DATA_HOME: path.join(state, 'data'),
        // No gallery: nothing asks the marketplace for anything.
        EXTENSIONS_GALLERY: '{}',
        PATH: `${path.dirname(node24)}:${process.env.PATH ?? ''}`,
        ...options.env,
    };
    const common = ['--disable-telemetry', '--disable-update-check', '--user-data-dir', userData, '--extensions-dir', extensions];
    if (options.vsix) {
        execFileSync(node24, [entry, ...common, '--install-extension', options.vsix], { env, stdio: 'pipe', timeout: 60_000 });
    }

    const host = '127.0.0.1';
    const port = await freePort();
    const args = [entry, '--bind-addr', `${host}:${port}`, '--auth', 'none', ...common,
        '--disable-workspace-trust', '--disable-getting-started-override', '--ignore-last-opened',
        ...(options.extraArgs ?? []), options.workspace];
    const child: ChildProcess = spawn(node24, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const logFile = path.join(OUTPUT, `code-server-${options.name}.log`);
    const onData = (b: Buffer) => { output += b.toString(); };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));

    const url = `http://${host}:${port}`;
    const stop = async () => {
        if (child.exitCode === null && child.pid) {
            // The whole group: code-server, its extension host and the language server.
            try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
            const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 5000);
            await exited;
            clearTimeout(timer);
        }
        fs.writeFileSync(logFile, output);
    };

    const deadline = Date.now() + 60_000;
    for (;;) {
        if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}):\n${output}`);
        try {
            const res = await fetch(`${url}/healthz`);
            if (res.ok) break;
        } catch { /* not listening yet */ }
        if (Date.now() > deadline) { await stop(); throw new Error(`code-server did not answer on ${url}:\n${output}`); }
        await new Promise(r => setTimeout(r, 200));
    }
    return { url, port, host, workspace: options.workspace, log: () => output, stop };
}
