/**
 * `knet`: check, trace and inspect .knet files from a terminal or CI.
 * Misuse (missing file, unknown node or flow, bad option) is one line on stderr, exit 2.
 */
import '../polyfills';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadText } from '../language/workspace';
import { formatChecks } from './check-command';
import { routesCommand } from './routes-command';
import { rulesCommand } from './rules-command';
import { traceCommand } from './trace-command';
import { labCommand } from './lab-command';
import { UsageError } from './usage';

const VERSION = '0.1.0';

export const HELP = `knet ${VERSION} — Kubernetes cluster networks as the kernel sees them

Usage:
  knet check FILE… [--format text|json]
      Check each file: parse, names, overlapping CIDRs, missing routes, MTU, services…
      Prints FILE:LINE:COL severity code message. Exit 1 if any error, else 0.
  knet trace FILE [--flow NAME | --line N] [--choice N] [--format text|json]
      Without a flow: every flow with its disposition and path MTU.
      With one: its hop-by-hop trace (route, NAT, encapsulation, MTU, disposition).
  knet routes FILE NODE|POD [--table main|local|all]
      The effective routing table as \`ip route\` prints it; generated lines are marked
      with a trailing comment naming who programmed them (flannel, calico, kernel…).
  knet rules FILE NODE [--table nat|filter]
      The node's generated netfilter rules as the node prints them: iptables-save
      (iptables, userspace), nft list table ip kube-proxy (nftables), ipvsadm -Ln with
      kube-ipvs0 and the ipsets (ipvs); the CNI's masquerade rules in every mode.
  knet lab up|run|down FILE [--flow NAME]
      Build the cluster in network namespaces and compare the kernel with the simulator
      (root on Linux; see README).
  knet --help | --version

Examples:
  knet check examples/flannel-vxlan.knet
  knet trace examples/flannel-vxlan.knet --flow cross-node-clusterip
  knet routes examples/flannel-vxlan.knet node02

Exit status: 0 fine, 1 errors found (check) or a flow disagrees (lab), 2 misuse.
`;

export interface ParsedArgs {
    positional: string[];
    options: Map<string, string | true>;
}

const VALUED = new Set(['format', 'flow', 'line', 'table', 'choice']);
const FLAGS = new Set(['help', 'version', 'no-color', 'keep']);

export function parseArgs(argv: string[]): ParsedArgs {
    const positional: string[] = [];
    const options = new Map<string, string | true>();
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === '-h') { options.set('help', true); continue; }
        if (a.startsWith('--')) {
            const eq = a.indexOf('=');
            const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
            if (VALUED.has(key)) {
                const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
                if (value === undefined) throw new UsageError(`--${key} needs a value`);
                options.set(key, value);
            } else if (FLAGS.has(key)) {
                options.set(key, true);
            } else {
                throw new UsageError(`unknown option ${a} (see knet --help)`);
            }
        } else {
            positional.push(a);
        }
    }
    return { positional, options };
}

export function readSource(file: string): string {
    try {
        const stat = fs.statSync(file);
        if (stat.isDirectory()) throw new UsageError(`${file} is a directory, not a .knet file`);
        return fs.readFileSync(file, 'utf8');
    } catch (e) {
        if (e instanceof UsageError) throw e;
        const code = (e as NodeJS.ErrnoException).code;
        throw new UsageError(code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${(e as Error).message}`);
    }
}

export async function loadFile(file: string, validate = true) {
    const text = readSource(file);
    return loadText(text, pathToFileURL(path.resolve(file)).toString(), validate);
}

export async function main(argv: string[], out: (s: string) => void = s => process.stdout.write(s)): Promise<number> {
    const args = parseArgs(argv);
    if (args.options.has('version')) { out(VERSION + '\n'); return 0; }
    const [command, ...rest] = args.positional;
    if (args.options.has('help') || command === undefined || command === 'help') { out(HELP); return 0; }
    switch (command) {
        case 'check': return formatChecks(rest, args.options, out);
        case 'routes': return routesCommand(rest, args.options, out);
        case 'rules': return rulesCommand(rest, args.options, out);
        case 'trace': return traceCommand(rest, args.options, out);
        case 'lab': return labCommand(rest, args.options, out);
        default: throw new UsageError(`unknown command '${command}' (commands: check, trace, routes, rules, lab; see knet --help)`);
    }
}

export async function run(argv: string[]): Promise<void> {
    try {
        process.exitCode = await main(argv);
    } catch (e) {
        if (e instanceof UsageError) {
            process.stderr.write(`knet: ${e.message}\n`);
            process.exitCode = 2;
        } else {
            process.stderr.write(`knet: internal error: ${(e as Error)?.message ?? e}\n`);
            process.exitCode = 3;
        }
    }
}
