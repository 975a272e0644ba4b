/**
 * Bringing a lab up and taking it down. `labDown` finds everything by the lab's prefix
 * (namespaces, and the processes still running in them), so it works after a crash and
 * may be run any number of times; `labUp` starts from a clean slate for the same reason.
 */
import * as fs from 'node:fs';
import type { ClusterModel } from '../model/types';
import { type LabPlan, type Unsupported, planLab } from './plan';
import { ipsetRestore, natRuleset } from './rules';
import { runSync } from './shell';

export interface LabFailure {
    readonly id: string;
    /** The device whose creation or configuration was refused, when the command concerned one. */
    readonly device?: string;
    readonly what: string;
    readonly command: string;
    readonly error: string;
}

export interface LabState {
    readonly plan: LabPlan;
    /** Commands the kernel refused (a route it calls invalid, a device type it lacks). */
    readonly failures: readonly LabFailure[];
    /** Devices that do not work in the lab: the plan's own list plus those the kernel refused to create. */
    readonly missing: readonly Unsupported[];
    /** What the lab could not reproduce at all and says so (br_netfilter, kube-proxy mode…). */
    readonly notes: readonly string[];
    /** Node namespaces whose nat/filter rules were loaded with iptables-restore. */
    readonly rulesLoaded: ReadonlySet<string>;
}

/** The names of the lab's namespaces now present on the machine. */
export function labNamespaces(prefix: string): string[] {
    const r = runSync(['ip', 'netns', 'list'], { timeoutMs: 5000 });
    if (r.code !== 0) return [];
    return r.stdout.split('\n').map(l => l.trim().split(/\s+/)[0]).filter(n => n && n.startsWith(prefix));
}

/** Removes every namespace with `prefix`, after stopping the processes the lab left in them. */
export function labDown(prefix: string): string[] {
    const names = labNamespaces(prefix);
    for (const ns of names) {
        const pids = runSync(['ip', 'netns', 'pids', ns], { timeoutMs: 5000 });
        for (const pid of pids.stdout.split(/\s+/).filter(Boolean).map(Number)) {
            if (Number.isInteger(pid) && pid > 1 && pid !== process.pid) {
                try { process.kill(pid, 'SIGKILL'); } catch { /* gone already */ }
            }
        }
    }
    for (const ns of names) runSync(['ip', 'netns', 'del', ns], { timeoutMs: 10_000 });
    return names;
}

export function brNetfilterAvailable(): boolean {
    return fs.existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables');
}

/** Builds the lab for `model` under `prefix` (removing an earlier one first). */
export function labUp(model: ClusterModel, prefix: string): LabState {
    labDown(prefix);
    const brNetfilter = brNetfilterAvailable();
    const plan = planLab(model, prefix, { brNetfilter });
    const failures: LabFailure[] = [];
    const missing: Unsupported[] = [...plan.unsupported];
    const missingIn = new Map<string, Set<string>>();
    const markMissing = (ns: string, device: string) => (missingIn.get(ns) ?? missingIn.set(ns, new Set()).get(ns)!).add(device);
    for (const u of plan.unsupported) {
        const ns = plan.nsById.get(u.id);
        if (ns) markMissing(ns, u.device);
    }
    for (const c of plan.commands) {
        const gone = missingIn.get(c.ns);
        if (c.needs?.some(d => gone?.has(d)) && !c.creates) continue;
        const r = runSync(c.argv, { timeoutMs: 10_000 });
        if (r.code === 0) continue;
        const error = (r.timedOut ? 'timed out' : r.stderr.trim() || `exit ${r.code}`).split('\n')[0];
        failures.push({ id: c.id, device: c.creates ?? c.needs?.[0], what: c.what, command: c.argv.join(' '), error });
        if (c.creates && !gone?.has(c.creates)) {
            markMissing(c.ns, c.creates);
            missing.push({ id: c.id, device: c.creates, reason: `the kernel here refused to create it (${c.what}: ${error})` });
        }
    }
    const notes: string[] = [];
    if (!brNetfilter) {
        notes.push('br_netfilter is not loaded (no /proc/sys/net/bridge): frames bridged by cni0 bypass iptables here, unlike a kubeadm node');
    }
    const rulesLoaded = new Set<string>();
    const ruleset = natRuleset(model);
    if (ruleset.reason) notes.push(ruleset.reason);
    const sets = ipsetRestore(model);
    for (const node of model.nodes) {
        const text = ruleset.forNode?.(node);
        const ns = plan.nsById.get(`node:${node.name}`);
        if (!text || !ns) continue;
        if (sets) {
            const r = runSync(['ip', 'netns', 'exec', ns, 'ipset', 'restore'], { input: sets, timeoutMs: 10_000 });
            if (r.code !== 0) failures.push({ id: `node:${node.name}`, what: 'ipsets (Calico IP pools)', command: 'ipset restore', error: (r.stderr.trim() || `exit ${r.code}`).split('\n')[0] });
        }
        const r = runSync(['ip', 'netns', 'exec', ns, 'iptables-restore'], { input: text, timeoutMs: 20_000 });
        if (r.code === 0) rulesLoaded.add(node.name);
        else failures.push({ id: `node:${node.name}`, what: 'iptables rules (kube-proxy, CNI)', command: 'iptables-restore', error: r.stderr.trim().split('\n').slice(0, 3).join(' / ') });
    }
    return { plan, failures, missing, notes, rulesLoaded };
}
