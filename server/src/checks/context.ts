/**
 * What the checks share while they run over one model: the CNI's view of the nodes, and
 * the things an earlier check (or the model builder) already found at fault, so a later
 * check does not report a derived effect of the same fault ("one fault, one diagnostic").
 */
import type { ClusterModel, Span } from '../model/types';
import { type CniGenerator, cniGenerator } from '../model/generate';
import type { Finding } from './finding';
import { FreeAddresses } from './free-addresses';

export class CheckContext {
    /** The CNI's view (devices, routes it would program), computed per node on demand. */
    readonly generator: CniGenerator;
    /** Hands out unused addresses for the quick fixes, distinct within one run. */
    readonly free: FreeAddresses;
    private readonly faults = new Set<object>();
    private readonly findings: Finding[] = [];
    private errorStarts?: number[];

    constructor(readonly model: ClusterModel, prior: readonly Finding[] = []) {
        this.generator = cniGenerator(model);
        this.free = new FreeAddresses(model.owners);
        this.findings.push(...prior);
    }

    /** Marks a model object (a pod, a Cidr, a NodeAddress, a route…) as the site of a reported fault. */
    fault(thing: object | undefined): void {
        if (thing) this.faults.add(thing);
    }

    isFaulted(thing: object | undefined): boolean {
        // Most runs fault nothing: skip the hash lookup for each of 150,000 pods.
        return !!thing && this.faults.size > 0 && this.faults.has(thing);
    }

    record(findings: readonly Finding[]): void {
        this.findings.push(...findings);
        this.errorStarts = undefined;
    }

    /** True when an error already reported starts inside `span` (binary search over sorted starts). */
    hasErrorWithin(span: Span | undefined): boolean {
        if (!span) return false;
        this.errorStarts ??= this.findings.filter(f => f.severity === 'error').map(f => f.span.start).sort((a, b) => a - b);
        const starts = this.errorStarts;
        let lo = 0, hi = starts.length;
        while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (starts[mid] < span.start) lo = mid + 1; else hi = mid;
        }
        return lo < starts.length && starts[lo] < span.end;
    }
}
