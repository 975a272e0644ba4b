/**
 * Origins whose span is found when asked. A generated device, route or rule points at the
 * declaration that caused it (the node, the pod line); the trace of a flow builds hundreds
 * of them per node it visits, and a check that reads only how a flow ends reads none of
 * their spans. The span is read through from the declaration's origin, so it is where the
 * declaration is now.
 */
import type { Author, Origin, Span } from './types';

class DerivedOrigin implements Origin {
    readonly generated = true;

    constructor(readonly by: Author, private readonly from: Origin) { }

    get span(): Span | undefined { return this.from.span; }
    get ast(): unknown { return this.from.ast; }
}

/** What `by` generated because of the declaration `from` stands for. */
export function derivedOrigin(by: Author, from: Origin): Origin {
    return new DerivedOrigin(by, from);
}
