/**
 * Running the kernel's own tools (ip, bridge, iptables-restore, ping, tcpdump) for the lab,
 * always bounded in time, and only inside the lab's namespaces: a command that would act
 * on the machine's own namespace is refused before it runs.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { LAB_PREFIX } from './names';

export interface CommandResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
    /** True when the time limit killed it. */
    readonly timedOut: boolean;
}

/** Throws unless `argv` names a lab namespace for everything it does. */
export function assertConfined(argv: readonly string[]): void {
    const [tool, ...rest] = argv;
    const inLab = (name: string | undefined) => !!name && name.startsWith(LAB_PREFIX);
    let ok = false;
    if (tool === 'ip' || tool === 'bridge') {
        if (rest[0] === '-n') ok = inLab(rest[1]);
        else if (rest[0] === 'netns') {
            const verb = rest[1];
            if (verb === 'list') ok = true;
            else if (verb === 'add' || verb === 'del' || verb === 'delete' || verb === 'pids') ok = inLab(rest[2]);
            else if (verb === 'exec') ok = inLab(rest[2]);
        }
    }
    // A veth's far end may only be moved into a lab namespace.
    const netnsArg = argv.indexOf('netns', 2);
    if (ok && tool === 'ip' && rest[0] === '-n' && netnsArg > 0) ok = inLab(argv[netnsArg + 1]);
    if (!ok) throw new Error(`lab: refusing to run outside the lab's namespaces: ${argv.join(' ')}`);
}

/** Runs a command to completion, killed after `timeoutMs`. */
export function runSync(argv: readonly string[], options: { timeoutMs?: number; input?: string } = {}): CommandResult {
    assertConfined(argv);
    const r = spawnSync(argv[0], argv.slice(1), {
        encoding: 'utf8', timeout: options.timeoutMs ?? 10_000, input: options.input, killSignal: 'SIGKILL',
        stdio: ['pipe', 'pipe', 'pipe'],
    });
    const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
    return {
        code: r.status ?? (r.error ? 127 : 1),
        stdout: r.stdout ?? '',
        stderr: (r.stderr ?? '') + (r.error && !timedOut ? String(r.error.message) : ''),
        timedOut,
    };
}

/** Runs a command in the background; the caller stops it (see `stop`). */
export function runInBackground(argv: readonly string[]): ChildProcess {
    assertConfined(argv);
    // Own process group, so stopping it also stops what `ip netns exec` started.
    return spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
}

/** Sends `signal` to a background command's process group. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
        process.kill(-child.pid, signal);
    } catch {
        // Already gone.
    }
}

/** Runs a command to completion asynchronously, killed after `timeoutMs`. */
export function runAsync(argv: readonly string[], timeoutMs: number): Promise<CommandResult> {
    const child = runInBackground(argv);
    return collect(child, timeoutMs);
}

/** Collects a background command's output until it exits (or is killed at `timeoutMs`). */
export function collect(child: ChildProcess, timeoutMs: number): Promise<CommandResult> {
    return new Promise(resolve => {
        let stdout = '', stderr = '', timedOut = false;
        child.stdout?.setEncoding('utf8').on('data', d => { stdout += d; });
        child.stderr?.setEncoding('utf8').on('data', d => { stderr += d; });
        const timer = setTimeout(() => { timedOut = true; signalGroup(child, 'SIGKILL'); }, timeoutMs);
        child.on('error', e => { stderr += e.message; });
        child.on('close', code => {
            clearTimeout(timer);
            resolve({ code: code ?? 1, stdout, stderr, timedOut });
        });
    });
}

/** True when this process may build namespaces: root on Linux, with `ip netns` working. */
export function labAvailable(): { ok: boolean; reason?: string } {
    if (process.platform !== 'linux') return { ok: false, reason: 'network namespaces need Linux' };
    if (typeof process.getuid === 'function' && process.getuid() !== 0) return { ok: false, reason: 'the lab needs root (network namespaces, veth, iptables)' };
    const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8', timeout: 5000 });
    if (r.error || r.status !== 0) return { ok: false, reason: `'ip netns' is unavailable (${r.error?.message ?? r.stderr.trim()}); install iproute2` };
    return { ok: true };
}
