/**
 * Where the real clients live: scripts/e2e/setup.sh installs them and writes their paths
 * to .cache/e2e.env. A missing tool fails the test that needs it with the fix in the
 * message; nothing is skipped quietly.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const OUTPUT = path.join(ROOT, 'test-output', 'e2e');
export const EXAMPLES = path.join(ROOT, 'examples');

export interface Tools {
    node24: string;
    codeServer: string;
    chromium: string;
    nvim: string;
    emacs: string;
}

const KEYS: Record<keyof Tools, string> = {
    node24: 'KNET_E2E_NODE24',
    codeServer: 'KNET_E2E_CODE_SERVER',
    chromium: 'KNET_E2E_CHROMIUM',
    nvim: 'KNET_E2E_NVIM',
    emacs: 'KNET_E2E_EMACS',
};

function readEnvFile(): Record<string, string> {
    const file = path.join(ROOT, '.cache', 'e2e.env');
    if (!fs.existsSync(file)) return {};
    const out: Record<string, string> = {};
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        const eq = line.indexOf('=');
        if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
    }
    return out;
}

/** The path of one tool, or an error that says how to get it. */
export function tool(name: keyof Tools): string {
    const key = KEYS[name];
    const value = process.env[key] || readEnvFile()[key];
    if (!value || !fs.existsSync(value)) {
        throw new Error(`${name} is not installed (${key}=${value ?? ''}): run scripts/e2e/setup.sh first`);
    }
    return value;
}

/** The language server as other editors start it. */
export function languageServerBin(): string {
    const bin = path.join(ROOT, 'bin', 'knet-language-server.cjs');
    const bundle = path.join(ROOT, 'dist', 'server.cjs');
    if (!fs.existsSync(bin) || !fs.existsSync(bundle)) {
        throw new Error(`the language server is not built: ${path.relative(ROOT, bin)} and ${path.relative(ROOT, bundle)} must exist (npm run bundle)`);
    }
    return bin;
}

export function vsixPath(): string {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
    return path.join(ROOT, `${pkg.name}-${pkg.version}.vsix`);
}

/** A scratch copy of the examples: quick fixes edit files, and the repository's must stay as they are. */
export function scratchWorkspace(name: string): string {
    const dir = path.join(ROOT, 'test-output', 'e2e', 'workspaces', name);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.cpSync(EXAMPLES, dir, { recursive: true });
    return dir;
}
