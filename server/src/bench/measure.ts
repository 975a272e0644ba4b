/**
 * Figures taken inside one process: wall time, CPU time (all threads, so GC helpers
 * count), the process's peak resident set as the kernel counts it, and the heap that
 * stays reachable after a full collection.
 */
import * as fs from 'node:fs';

export interface Sample {
    /** Wall-clock milliseconds. */
    ms: number;
    /** CPU milliseconds (user + system) of the whole process over the same interval. */
    cpuMs: number;
}

export async function timed<T>(work: () => Promise<T> | T): Promise<{ value: T; sample: Sample }> {
    const cpu = process.cpuUsage();
    const t = performance.now();
    const value = await work();
    const ms = performance.now() - t;
    const used = process.cpuUsage(cpu);
    return { value, sample: { ms, cpuMs: (used.user + used.system) / 1000 } };
}

/** Peak RSS of this process so far, in MB (getrusage's ru_maxrss). */
export function peakRssMb(): number {
    return process.resourceUsage().maxRSS / 1024;
}

/** Peak RSS of another process, in MB, from /proc (VmHWM); undefined off Linux. */
export function peakRssOfPid(pid: number): number | undefined {
    try {
        const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
        const m = /VmHWM:\s+(\d+) kB/.exec(status);
        return m ? Number(m[1]) / 1024 : undefined;
    } catch {
        return undefined;
    }
}

/** Heap still reachable after a full GC, in MB (needs --expose-gc; otherwise the current heap). */
export function retainedHeapMb(): number {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) { gc(); gc(); }
    return process.memoryUsage().heapUsed / 1024 / 1024;
}

export function median(values: readonly number[]): number {
    if (values.length === 0) return NaN;
    const s = [...values].sort((a, b) => a - b);
    const mid = s.length >> 1;
    return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
