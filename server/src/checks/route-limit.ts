/**
 * route-limit (warning): a `routed` network (a cloud VPC) that must carry one route per
 * node pod range (cni bridge, flannel host-gw, Calico BGP) needs more than its route table
 * holds (AWS: 50 by default). An overlay (VXLAN, IPIP) needs no such routes.
 */
import { formatPrefix } from '../model/address';
import { type Finding, Codes } from './finding';
import type { CheckContext } from './context';

export function checkRouteLimit(ctx: CheckContext): Finding[] {
    const out: Finding[] = [];
    const { model } = ctx;
    for (const net of model.networks) {
        if (net.kind !== 'routed' || net.routeLimit === undefined || !net.spans.routeLimit) continue;
        const routes = ctx.generator.networkRoutes(net);
        if (routes.length <= net.routeLimit) continue;
        const first = routes[net.routeLimit];
        const cni = `cni ${model.cni.plugin}${model.cni.backend === 'none' ? '' : ' ' + model.cni.backend}`;
        out.push({
            code: Codes.routeLimit, severity: 'warning', span: net.spans.routeLimit,
            message: `network ${net.name} needs ${routes.length} routes (one per node pod range: ${cni} has no overlay) but its route table holds ${net.routeLimit}: from ${formatPrefix(first.destination)} on, node ranges get no route and their pods are unreachable from other nodes; an overlay (flannel vxlan, Calico ipip or vxlan) needs no route per node`,
            related: first.origin.span ? [{ span: first.origin.span, message: `the node of route ${net.routeLimit + 1}, ${formatPrefix(first.destination)}` }] : undefined,
        });
    }
    return out;
}
