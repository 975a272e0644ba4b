/**
 * The packet simulator's public face: traces for flows (memoised per model, flow and
 * choice, since a model is immutable once built), and their text forms.
 */
import type { ClusterModel, Flow } from '../model/types';
import type { Trace } from '../protocol/trace';
import { type TraceOptions, buildTrace } from './trace';

export type { TraceOptions } from './trace';
export { formatTrace, summarizeTrace, packetText, headerText } from './format';

const memo = new WeakMap<ClusterModel, WeakMap<Flow, Map<string, Trace>>>();

/** Options that give the same trace share a memo entry. */
function memoKey(options: TraceOptions): string {
    return `${options.choice ?? 0}|${options.reply === false ? 0 : 1}`;
}

/** The trace of one flow; never throws. Repeated calls for the same model, flow and options return the same object. */
export function traceFlow(model: ClusterModel, flow: Flow, options: TraceOptions = {}): Trace {
    let perModel = memo.get(model);
    if (!perModel) memo.set(model, perModel = new WeakMap());
    let perFlow = perModel.get(flow);
    if (!perFlow) perModel.set(flow, perFlow = new Map());
    const key = memoKey(options);
    let t = perFlow.get(key);
    if (!t) {
        t = buildTrace(model, flow, options);
        perFlow.set(key, t);
    }
    return t;
}

/**
 * The forward trace of one flow, for a caller that needs only how it ends (the
 * unreachable-flow check, over every flow of the file): no reply walk, no steps recorded,
 * and nothing kept.
 * Five hundred memoised traces of a large cluster hold ~50 MB that `knet check` never reads;
 * an editor asks for the few it shows and gets them memoised then.
 */
export function traceForward(model: ClusterModel, flow: Flow): Trace {
    const perFlow = memo.get(model)?.get(flow);
    return perFlow?.get(memoKey({})) ?? perFlow?.get(memoKey({ reply: false })) ?? buildTrace(model, flow, { reply: false, steps: false });
}

/** Every flow of the model, by name. */
export function traceAll(model: ClusterModel): Map<string, Trace> {
    const out = new Map<string, Trace>();
    for (const f of model.flows) out.set(f.name, traceFlow(model, f));
    return out;
}
