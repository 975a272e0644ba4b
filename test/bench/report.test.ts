/**
 * The benchmark's verdicts: `knet check ÷ bare` is the median of each run's pair (a slow
 * spell falls on both runs of a pair), every figure's growth from 500 to 5,000 nodes is
 * judged against 11×, and a report written before the pairs were recorded still reads.
 */
import { describe, expect, it } from 'vitest';
import { type BenchReport, type SizeReport, formatReport, judge } from '../../server/src/bench/report';

function size(nodes: number, scale: number, over?: SizeReport['checkOverBare']): SizeReport {
    const figure = (ms: number) => ({ ms, cpuMs: ms * 1.2, peakRssMb: 100 * scale, heapMb: 50 * scale, samples: [ms] });
    return {
        variant: 'flannel-vxlan', nodes, bytes: nodes * 3300, pods: nodes * 30, services: nodes * 2, flows: nodes / 10, routeLines: 0, runs: 5,
        bare: figure(1000 * scale),
        check: { ...figure(1400 * scale), exitCode: 0, outputLines: 1 },
        checkOverBare: over,
        trace: { ms: 100 * scale, loadMs: 0, flows: nodes / 10, dispositions: { DELIVERED: nodes / 10 } },
    };
}

function report(sizes: SizeReport[]): BenchReport {
    const r: BenchReport = { date: '', node: 'v20', cpus: 2, cpuModel: '', memoryGb: 24, loadAverage: [0, 0, 0], commit: 'test', seconds: 1, sizes, verdicts: [] };
    r.verdicts = judge(r);
    return r;
}

const verdict = (r: BenchReport, target: string) => r.verdicts.find(v => v.target.startsWith(target));

describe('benchmark verdicts', () => {
    it('judges knet check ÷ bare by the median of the paired runs when it has them', () => {
        // The medians of the two columns say 1.4; the runs' own pairs said 1.2.
        const r = report([size(500, 1), size(5000, 8, { ms: 1.2, cpuMs: 1.25, peakRssMb: 1.1 })]);
        expect(verdict(r, 'knet check ÷ bare build, 5000')).toMatchObject({ value: '1.20', ok: true });
        expect(verdict(r, 'knet check ÷ bare build in CPU time')).toMatchObject({ value: '1.25', ok: true });
        expect(verdict(r, 'knet check peak RSS')).toMatchObject({ value: '1.10', ok: true });
        expect(formatReport(r)).toMatch(/2 knet check .* 1\.20\n/);
    });

    it('falls back to the ratio of the medians for a report written without pairs', () => {
        const r = report([size(500, 1), size(5000, 8)]);
        expect(verdict(r, 'knet check ÷ bare build, 5000')).toMatchObject({ value: '1.40', ok: false });
    });

    it('misses a figure that grows more than 11× from 500 to 5,000 nodes, and passes linear growth', () => {
        const linear = report([size(500, 1), size(5000, 10, { ms: 1.2, cpuMs: 1.2, peakRssMb: 1.1 })]);
        expect(verdict(linear, 'growth 500→5000 of "1 bare Langium build"')).toMatchObject({ value: '10.0', ok: true });
        const steep = report([size(500, 1), size(5000, 12, { ms: 1.2, cpuMs: 1.2, peakRssMb: 1.1 })]);
        expect(verdict(steep, 'growth 500→5000 of "2 knet check"')).toMatchObject({ value: '12.0', ok: false });
    });
});
