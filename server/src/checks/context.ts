/**
 * What the checks share while they run over one model: the CNI's view of the nodes, and
 * the things an earlier check (or the model builder) already found at fault, so a later
 * check does not report a derived effect of the same fault ("one fault, one diagnostic").
 */
import type { ClusterModel, Span } from '../model/types';
import { type CniGenerator, cniGenerator } from '../model/generate';
import type { Finding } from './finding';
import { FreeAddresses } from './free-addresses';
import { ClusterSettings } from './cluster-settings';

export class CheckContext {
    /** The CNI's view (devices, routes it would program), computed per node on demand. */
    readonly generator: CniGenerator;
    /** Hands out unused addresses for the quick fixes, distinct within one run. */
    readonly free: FreeAddresses;
    /** What per-node parts of checks read besides the node (see `CleanNodes`). */
    readonly settings: ClusterSettings;
    private readonly faults = new Set<object>();
    private readonly findings: Finding[] = [];
    private errorStarts?: number[];

    constructor(readonly model: ClusterModel, prior: readonly Finding[] = []) {
        this.generator = cniGenerator(model);
        this.free = new FreeAddresses(model.owners);
        this.settings = ClusterSettings.of(model);
        this.findings.push(...prior);
    }

    /** Marks a model object (a pod, a Cidr, a NodeAddress, a route…) as the site of a reported fault. */
    fault(thing: object | undefined): void {
        if (thing) this.faults.add(thing);
    }

    /** How many things are marked at fault so far (a part that marks one has found something). */
    get faultCount(): number {
        return this.faults.size;
    }

    /**
     * How many times a check has read something that may change while a node stays the same:
     * a fault or an error reported before that silenced a finding (mended elsewhere, the
     * finding would show), or the state of other nodes. A part of a check that did is not
     * clean on its own account, and its verdict is not kept (see `CleanNodes`).
     */
    volatileReads = 0;

    /** Notes a read of other nodes' state (see `volatileReads`). */
    readsOtherNodes(): void {
        this.volatileReads++;
    }

    isFaulted(thing: object | undefined): boolean {
        // Most runs fault nothing: skip the hash lookup for each of 150,000 pods.
        if (!thing || this.faults.size === 0 || !this.faults.has(thing)) return false;
        this.volatileReads++;
        return true;
    }

    record(findings: readonly Finding[]): void {
        this.findings.push(...findings);
        this.errorStarts = undefined;
    }

    /**
     * True when an error already reported starts inside the span (binary search over sorted
     * starts). Given as a function, the span is found only when there are errors at all:
     * finding it reads the CST, which an edit may have left to move (`cst-shift.ts`).
     */
    hasErrorWithin(span: Span | undefined | (() => Span | undefined)): boolean {
        this.errorStarts ??= this.findings.filter(f => f.severity === 'error').map(f => f.span.start).sort((a, b) => a - b);
        const starts = this.errorStarts;
        if (starts.length === 0) return false;
        if (typeof span === 'function') span = span();
        if (!span) return false;
        let lo = 0, hi = starts.length;
        while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (starts[mid] < span.start) lo = mid + 1; else hi = mid;
        }
        const within = lo < starts.length && starts[lo] < span.end;
        if (within) this.volatileReads++;
        return within;
    }
}
