/**
 * `npm run bench`: knet at Kubernetes' limits. Generates clusters of 50, 500 and 5,000
 * nodes (flannel VXLAN and Calico IPIP), then measures on the same files, in one run:
 * Langium's bare build (the floor), `knet check`, the language server's edit-to-diagnostics
 * latency, hover and trace requests, tracing every flow, and peak memory; with the ratios
 * to the floor and the growth from 500 to 5,000 nodes. Prints a table, writes
 * test-output/bench.json. Each figure is a median over fresh processes.
 *
 *   node --expose-gc dist/bench.cjs [--sizes 50,500,5000] [--variants flannel-vxlan,calico-ipip]
 *        [--runs N] [--big-runs N] [--no-lsp] [--out FILE] [--dir DIR]
 *   node dist/bench.cjs --child bare|check|trace FILE     (one measurement, used by the above)
 *   node dist/bench.cjs --markdown test-output/bench.json  (a written report as Markdown tables)
 *   node --expose-gc dist/bench.cjs --phases FILE  (where knet check's time and memory go)
 */
import '../polyfills';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type ChildMode, type ChildResult, runChild } from './child';
import { type GeneratedCluster, type Variant, VARIANTS, generateCluster } from './generate';
import { type LspFigures, measureLsp } from './lsp';
import { median } from './measure';
import { formatPhases, runPhases } from './phases';
import { type SizeReport, type BenchReport, formatMarkdown, formatReport, judge } from './report';

interface Options {
    sizes: number[];
    variants: Variant[];
    runs: number;
    bigRuns: number;
    lsp: boolean;
    out: string;
    dir: string;
}

const USAGE = `knet benchmark: knet at Kubernetes' limits (see docs/performance.md)

  node --expose-gc dist/bench.cjs [options]     generate clusters, measure, write a report
      --sizes 50,500,5000                         cluster sizes in nodes (30 pods, 2 services per node)
      --variants flannel-vxlan,calico-ipip        overlays to generate
      --runs N          runs per figure on the small files (default 5)
      --big-runs N      runs per figure on files of 5,000 nodes and more (default 3)
      --no-lsp          skip the language server's figures
      --out FILE        the JSON report (default test-output/bench.json)
      --dir DIR         where the generated files go (default .cache/bench)
  node dist/bench.cjs --markdown REPORT.json...   a written report as Markdown tables
  node --expose-gc dist/bench.cjs --phases FILE [--snapshots DIR]
                                                  where knet check's time and memory go
  node dist/bench.cjs --child bare|check|trace FILE   one measurement (used by the above)
`;

class UsageError extends Error { }

const FLAGS = new Set(['--sizes', '--variants', '--runs', '--big-runs', '--out', '--dir']);

function parseOptions(argv: string[]): Options {
    for (let i = 0; i < argv.length; i++) {
        if (FLAGS.has(argv[i])) i++;
        else if (argv[i] !== '--no-lsp') throw new UsageError(`unknown option '${argv[i]}'\n\n${USAGE}`);
    }
    const get = (name: string) => {
        const i = argv.indexOf(`--${name}`);
        return i >= 0 ? argv[i + 1] : undefined;
    };
    const root = process.cwd();
    return {
        sizes: (get('sizes') ?? '50,500,5000').split(',').map(Number).filter(n => n > 0),
        variants: (get('variants') ?? VARIANTS.join(',')).split(',').filter((v): v is Variant => (VARIANTS as string[]).includes(v)),
        runs: Number(get('runs') ?? 5),
        bigRuns: Number(get('big-runs') ?? 3),
        lsp: !argv.includes('--no-lsp'),
        out: get('out') ?? path.join(root, 'test-output', 'bench.json'),
        dir: get('dir') ?? path.join(root, '.cache', 'bench'),
    };
}

/** Runs one measurement in a fresh Node process (same binary, same flags as a user's CLI). */
function child(mode: ChildMode, file: string): Promise<ChildResult> {
    return new Promise((resolve, reject) => {
        const p = spawn(process.execPath, ['--expose-gc', process.argv[1], '--child', mode, file], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        p.stdout.on('data', d => { out += d; });
        p.on('error', reject);
        p.on('close', code => {
            const line = out.trim().split('\n').pop() ?? '';
            try {
                resolve(JSON.parse(line) as ChildResult);
            } catch {
                reject(new Error(`bench child ${mode} ${file} exited ${code} without a result: ${out.slice(-500)}`));
            }
        });
    });
}

function write(dir: string, variant: Variant, nodes: number): { file: string; cluster: GeneratedCluster } {
    const cluster = generateCluster({ nodes, variant });
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${variant}-${nodes}.knet`);
    fs.writeFileSync(file, cluster.text);
    return { file, cluster };
}

const log = (s: string) => process.stderr.write(s + '\n');

async function measureSize(options: Options, variant: Variant, nodes: number, serverBundle: string | undefined): Promise<SizeReport> {
    const { file, cluster } = write(options.dir, variant, nodes);
    const runs = nodes >= 5000 ? options.bigRuns : options.runs;
    log(`${variant} ${nodes} nodes: ${(cluster.text.length / 1e6).toFixed(1)} MB, ${cluster.pods} pods, ${cluster.services} services, ${cluster.flows} flows; ${runs} runs`);
    const bare: ChildResult[] = [];
    const check: ChildResult[] = [];
    // Alternate, so a slow spell of the machine falls on both.
    for (let i = 0; i < runs; i++) {
        bare.push(await child('bare', file));
        check.push(await child('check', file));
        log(`  run ${i + 1}: bare ${bare[i].sample.ms.toFixed(0)} ms, check ${check[i].sample.ms.toFixed(0)} ms`);
    }
    const trace = await child('trace', file);
    log(`  trace all ${trace.flows} flows: ${trace.sample.ms.toFixed(0)} ms ${JSON.stringify(trace.dispositions)}`);
    let lsp: LspFigures | undefined;
    let lspError: string | undefined;
    if (options.lsp && serverBundle) {
        try {
            // Nine edits and half-written rounds: an edit of a 500-node file takes ~25 ms, where a
            // few ms of the machine's noise move a median of five by a tenth.
            lsp = await measureLsp(serverBundle, file, cluster, { edits: 9, hovers: 5, sessions: runs });
            log(`  server: open ${lsp.openMs.toFixed(0)} ms, first edit ${lsp.firstEditMs.toFixed(0)} ms, edit ${lsp.editMs.toFixed(0)} ms, double edit ${lsp.doubleEdit.ms.toFixed(0)} ms (${lsp.doubleEdit.publishes} publish), half-written line ${lsp.typing.brokenMs.toFixed(0)}/${lsp.typing.fixedMs.toFixed(0)} ms, hover ${lsp.hoverPodMs.toFixed(1)}/${lsp.hoverFlowMs.toFixed(1)} ms, trace ${lsp.traceMs.toFixed(1)} ms`);
        } catch (e) {
            lspError = (e as Error).message;
            log(`  server: ${lspError}`);
        }
    }
    const med = (xs: ChildResult[], f: (r: ChildResult) => number) => median(xs.map(f));
    // Each check run is paired with the bare run just before it, so a slow spell of the
    // machine falls on both: the median of the pairs' ratios, not the ratio of two medians
    // taken from different runs.
    const paired = (f: (r: ChildResult) => number) => median(check.map((c, i) => f(c) / f(bare[i])));
    return {
        variant, nodes, bytes: Buffer.byteLength(cluster.text), pods: cluster.pods, services: cluster.services, flows: cluster.flows,
        routeLines: cluster.routeLines, runs,
        bare: { ms: med(bare, r => r.sample.ms), cpuMs: med(bare, r => r.sample.cpuMs), peakRssMb: med(bare, r => r.peakRssMb), heapMb: med(bare, r => r.retainedHeapMb), samples: bare.map(r => r.sample.ms) },
        check: {
            ms: med(check, r => r.sample.ms), cpuMs: med(check, r => r.sample.cpuMs), peakRssMb: med(check, r => r.peakRssMb), heapMb: med(check, r => r.retainedHeapMb),
            samples: check.map(r => r.sample.ms), exitCode: check[0].exitCode ?? -1, outputLines: check[0].count,
        },
        checkOverBare: { ms: paired(r => r.sample.ms), cpuMs: paired(r => r.sample.cpuMs), peakRssMb: paired(r => r.peakRssMb) },
        trace: { ms: trace.sample.ms, loadMs: trace.loadSample?.ms ?? NaN, flows: trace.flows ?? 0, dispositions: trace.dispositions ?? {} },
        lsp, lspError,
    };
}

async function main(argv: string[]): Promise<void> {
    if (argv[0] === '--help' || argv[0] === '-h') {
        process.stdout.write(USAGE);
        return;
    }
    if (argv[0] === '--markdown') {
        // Re-print a written report as Markdown: --markdown FILE.json [FILE.json…]
        const reports = argv.slice(1).map(f => JSON.parse(fs.readFileSync(f, 'utf8')) as BenchReport);
        for (const r of reports) process.stdout.write(formatMarkdown(r) + '\n');
        return;
    }
    if (argv[0] === '--phases') {
        process.stdout.write(formatPhases(await runPhases(argv[1], argv[2] === '--snapshots' ? argv[3] : undefined)) + '\n');
        return;
    }
    if (argv[0] === '--child') {
        const result = await runChild(argv[1] as ChildMode, argv[2]);
        process.stdout.write(JSON.stringify(result) + '\n');
        return;
    }
    const options = parseOptions(argv);
    const serverBundle = path.join(path.dirname(process.argv[1]), 'server.cjs');
    const server = fs.existsSync(serverBundle) ? serverBundle : undefined;
    if (!server) log(`no ${serverBundle}: the language server figures are skipped`);
    const started = Date.now();
    const sizes: SizeReport[] = [];
    for (const variant of options.variants) {
        for (const nodes of options.sizes) sizes.push(await measureSize(options, variant, nodes, server));
    }
    const report: BenchReport = {
        date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '',
        memoryGb: os.totalmem() / 2 ** 30, loadAverage: os.loadavg(), commit: gitCommit(), seconds: (Date.now() - started) / 1000,
        sizes, verdicts: [],
    };
    report.verdicts = judge(report);
    fs.mkdirSync(path.dirname(options.out), { recursive: true });
    fs.writeFileSync(options.out, JSON.stringify(report, null, 2) + '\n');
    process.stdout.write(formatReport(report));
    process.stdout.write(`\nwritten: ${path.relative(process.cwd(), options.out)}\n`);
}

function gitCommit(): string {
    try {
        return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
        return '';
    }
}

main(process.argv.slice(2)).catch(e => {
    process.stderr.write(`bench: ${e instanceof UsageError ? e.message : (e as Error)?.stack ?? e}\n`);
    process.exitCode = 1;
});
