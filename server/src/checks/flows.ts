/**
 * unreachable-flow (warning): a flow whose simulated packet does not arrive: not
 * DELIVERED (or EXITS_NETWORK for a destination outside the cluster). The message gives
 * the disposition and where it happened, from the simulator's own trace.
 *
 * A flow whose source or destination already carries a reported fault (a pod outside its
 * range, a duplicated address, a service without endpoints, an error on the flow line) is
 * skipped: its failure is that fault's effect, already reported.
 */
import type { Flow, FlowSource, FlowTarget } from '../model/types';
import { isSuccess } from '../protocol/trace';
import { traceForward } from '../sim/index';
import { type Finding, Codes } from './finding';
import type { CheckContext } from './context';

function faulted(ctx: CheckContext, end: FlowSource | FlowTarget | undefined): boolean {
    if (!end) return true;
    switch (end.kind) {
        case 'pod': return ctx.isFaulted(end.pod) || ctx.isFaulted(end.pod.node) || ctx.isFaulted(end.pod.node.podCidr)
            || ctx.hasErrorWithin(end.pod.origin.span);
        case 'node': return ctx.isFaulted(end.node) || ctx.hasErrorWithin(end.node.nameSpan);
        case 'host': return ctx.isFaulted(end.host) || ctx.hasErrorWithin(end.host.origin.span);
        case 'service': return ctx.isFaulted(end.service) || ctx.hasErrorWithin(end.service.clusterIPSpan);
        case 'address': return false;
    }
}

export function checkFlows(ctx: CheckContext): Finding[] {
    const out: Finding[] = [];
    for (const flow of ctx.model.flows) {
        const span = flow.spans.name ?? flow.origin.span;
        if (!span || ctx.hasErrorWithin(flow.origin.span) || faulted(ctx, flow.source) || faulted(ctx, flow.target)) continue;
        const trace = traceForward(ctx.model, flow);
        if (isSuccess(trace.disposition)) continue;
        out.push({
            code: Codes.unreachableFlow, severity: 'warning', span: flowSpan(flow),
            message: `flow ${flow.name} ends ${trace.disposition}${trace.dispositionAt ? ` at ${trace.dispositionAt}` : ''}: ${trace.dispositionReason}`,
        });
    }
    return out;
}

/** The flow's name, or the whole line when it has none. */
function flowSpan(flow: Flow) {
    return flow.spans.name ?? flow.origin.span!;
}
