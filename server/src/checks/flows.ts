/**
 * unreachable-flow (warning): a flow whose simulated packet does not arrive: not
 * DELIVERED (or EXITS_NETWORK for a destination outside the cluster). The message gives
 * the disposition and where it happened, from the simulator's own trace.
 *
 * A flow whose source or destination already carries a reported fault (a pod outside its
 * range, a duplicated address, a service without endpoints, an error on the flow line) is
 * skipped: its failure is that fault's effect, already reported.
 */
import { interruptAndCheck } from 'langium';
import type { CancellationToken } from 'vscode-languageserver';
import type { Flow, FlowSource, FlowTarget } from '../model/types';
import { isSuccess } from '../protocol/trace';
import { FlowOutcomes } from './flow-outcomes';
import { type Finding, Codes } from './finding';
import type { CheckContext } from './context';

function faulted(ctx: CheckContext, end: FlowSource | FlowTarget | undefined): boolean {
    if (!end) return true;
    switch (end.kind) {
        case 'pod': return ctx.isFaulted(end.pod) || ctx.isFaulted(end.pod.node) || ctx.isFaulted(end.pod.node.podCidr)
            || ctx.hasErrorWithin(() => end.pod.origin.span);
        case 'node': return ctx.isFaulted(end.node) || ctx.hasErrorWithin(() => end.node.nameSpan);
        case 'host': return ctx.isFaulted(end.host) || ctx.hasErrorWithin(() => end.host.origin.span);
        case 'service': return ctx.isFaulted(end.service) || ctx.hasErrorWithin(() => end.service.clusterIPSpan);
        case 'address': return false;
    }
}

export function checkFlows(ctx: CheckContext): Finding[] {
    const out: Finding[] = [];
    for (const flow of ctx.model.flows) {
        const f = flowFinding(ctx, flow);
        if (f) out.push(f);
    }
    return out;
}

/** Flows traced between two looks at the token: a few milliseconds of work. */
const FLOWS_PER_STEP = 8;

/**
 * As `checkFlows`, giving way every few flows: 500 traces take ~1 s on a 5,000-node file,
 * and a build typed over must stop (and never publish) within milliseconds, not after them.
 */
export async function checkFlowsAsync(ctx: CheckContext, cancelToken: CancellationToken): Promise<Finding[]> {
    const out: Finding[] = [];
    const flows = ctx.model.flows;
    for (let i = 0; i < flows.length; i++) {
        if (i % FLOWS_PER_STEP === 0) await interruptAndCheck(cancelToken);
        const f = flowFinding(ctx, flows[i]);
        if (f) out.push(f);
    }
    return out;
}

/** Every file's flows' outcomes, kept from one version to the next (by the flows' declarations, weakly). */
export const flowOutcomes = new FlowOutcomes();

function flowFinding(ctx: CheckContext, flow: Flow): Finding | undefined {
    if (!flow.origin.ast || ctx.hasErrorWithin(() => flow.origin.span) || faulted(ctx, flow.source) || faulted(ctx, flow.target)) {
        flowOutcomes.forget(flow);
        return undefined;
    }
    const end = flowOutcomes.endOf(ctx.model, flow);
    if (isSuccess(end.disposition)) return undefined;
    const span = flowSpan(flow);
    if (!span) return undefined;
    return {
        code: Codes.unreachableFlow, severity: 'warning', span,
        message: `flow ${flow.name} ends ${end.disposition}${end.at ? ` at ${end.at}` : ''}: ${end.reason}`,
    };
}

/** The flow's name, or the whole line when it has none. */
function flowSpan(flow: Flow) {
    return flow.spans.name ?? flow.origin.span;
}
