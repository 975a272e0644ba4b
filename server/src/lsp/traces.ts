/**
 * Traces of one document version, computed once per flow and choice and shared by the
 * hover, the CodeLens and the `knet/trace` request. Keyed by the model, which the model
 * cache replaces on every new parse, so a stale trace is never served.
 */
import type { ClusterModel, Flow } from '../model/types';
import type { Trace } from '../protocol/trace';

/** The simulator's entry point, as `sim/index.ts` exports it. */
export type Tracer = (model: ClusterModel, flow: Flow, options?: { choice?: number }) => Trace;

export class TraceCache {
    private readonly byModel = new WeakMap<ClusterModel, Map<string, Trace | null>>();

    /** Without a tracer (a build without the simulator) every flow answers undefined. */
    constructor(private readonly tracer?: Tracer) { }

    /** The trace of `flow`, or undefined when the simulator cannot run it (it never throws at the caller). */
    get(model: ClusterModel, flow: Flow, choice?: number): Trace | undefined {
        if (!this.tracer) return undefined;
        let traces = this.byModel.get(model);
        if (!traces) this.byModel.set(model, traces = new Map());
        const key = choice === undefined ? flow.name : `${flow.name}\u0000${choice}`;
        let trace = traces.get(key);
        if (trace === undefined) {
            try {
                trace = this.tracer(model, flow, choice === undefined ? undefined : { choice });
            } catch (e) {
                console.error(`knet: tracing flow ${flow.name} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
                trace = null;
            }
            traces.set(key, trace);
        }
        return trace ?? undefined;
    }
}
