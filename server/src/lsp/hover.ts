/**
 * Hover-to-see-route. Over a flow or its destination: the trace in brief. Over a node or
 * pod (declaration or reference): its routing table as `ip route` prints it and its
 * devices. Over an address or prefix: what it is, who owns it, which declared ranges hold
 * it, the route each node picks. Over a route line: is its gateway reachable, which flows
 * take it. Over a device: the link and the routes that use it. Nothing elsewhere.
 *
 * Everything reads the model of the document's current version (ModelCache) and the
 * traces cached with it; a hover never rebuilds anything.
 */
import type { LangiumDocument } from 'langium';
import type { HoverProvider } from 'langium/lsp';
import type { Hover, HoverParams } from 'vscode-languageserver';
import * as ast from '../language/generated/ast';
import { formatIp, formatPrefix } from '../model/address';
import { formatRoute } from '../model/route-table';
import type { ClusterModel, Flow, Netns, Route } from '../model/types';
import type { Trace } from '../protocol/trace';
import { type Located, enclosingFlow, enclosingRoute, locate } from './locate';
import { modelObject } from './model-lookup';
import { codeBlock, describeAddress, describeHost, describeNode, describePod, describeService, deviceLines, gatewayReachability, routeLines } from './describe';
import { traceMarkdown } from './trace-brief';
import type { KnetLspServices } from './services';
import type { DeviceScope } from './devices';

export class KnetHoverProvider implements HoverProvider {
    constructor(private readonly services: KnetLspServices) { }

    getHoverContent(document: LangiumDocument, params: HoverParams): Hover | undefined {
        try {
            const offset = document.textDocument.offsetAt(params.position);
            const located = locate(document, offset);
            if (!located) return undefined;
            const { model } = this.services.model.ModelCache.get(document);
            const value = this.content(model, located);
            if (!value) return undefined;
            const t = document.textDocument;
            return {
                contents: { kind: 'markdown', value },
                range: { start: t.positionAt(located.span.start), end: t.positionAt(located.span.end) },
            };
        } catch (e) {
            console.error(`knet: hover failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
            return undefined;
        }
    }

    private content(model: ClusterModel, located: Located): string | undefined {
        switch (located.kind) {
            case 'declaration':
                return this.declaration(model, located.node);
            case 'reference': {
                if (ast.isFlowDestination(located.container)) return this.flow(model, enclosingFlow(located.container));
                return located.target ? this.declaration(model, located.target) : undefined;
            }
            case 'device':
                return this.device(model, located.scope, located.name);
            case 'address': {
                if (ast.isFlowDestination(located.container)) return this.flow(model, enclosingFlow(located.container));
                const route = enclosingRoute(located.container);
                const node = ast.isNode(located.container.$container) ? located.container.$container : undefined;
                const hint = node ? modelObject(model, node) : undefined;
                const address = describeAddress(model, located.text, { node: hint?.kind === 'node' ? hint.node : undefined });
                if (route && (located.property === 'destination' || ast.isRouteVia(located.container))) {
                    const r = this.route(model, route);
                    return [r, address].filter(Boolean).join('\n\n---\n\n');
                }
                return address;
            }
            case 'keyword':
            case 'other': {
                const route = enclosingRoute(located.container);
                if (route) return this.route(model, route);
                // a selector: which pods it picks; a pod's labels: which services pick it
                if (ast.isServiceSelector(located.container) && ast.isService(located.container.$container)) {
                    return this.declaration(model, located.container.$container);
                }
                if (ast.isPodLabels(located.container) && ast.isPod(located.container.$container)) {
                    const o = modelObject(model, located.container.$container);
                    if (o?.kind !== 'pod') return undefined;
                    const by = model.services.filter(sv => sv.endpoints.includes(o.pod));
                    return by.length ? `selected by ${by.slice(0, 8).map(sv => `service ${sv.key}`).join(', ')}${by.length > 8 ? `, … ${by.length - 8} more` : ''}` : 'no service selects this pod';
                }
                const flow = enclosingFlow(located.container);
                if (flow && !ast.isFlowSource(located.container)) return this.flow(model, flow);
                return undefined;
            }
        }
    }

    private declaration(model: ClusterModel, node: ast.Node | ast.Pod | ast.Service | ast.Network | ast.Host | ast.Flow): string | undefined {
        const o = modelObject(model, node);
        if (!o) return undefined;
        switch (o.kind) {
            case 'node': return describeNode(o.node);
            case 'pod': return describePod(o.pod, model);
            case 'service': return describeService(o.service);
            case 'host': return describeHost(o.host.netns(), o.host.name, o.host.address, o.host.network?.name);
            case 'network': {
                const n = o.network;
                const on = model.nodes.filter(x => x.addresses.some(a => a.network === n)).length;
                const parts = [`**network ${n.name}** · ${formatPrefix(n.cidr)} · ${n.kind} · mtu ${n.mtu}`];
                if (n.gateway !== undefined) parts.push(`gateway ${formatIp(n.gateway)}`);
                if (n.routeLimit !== undefined) parts.push(`routeLimit ${n.routeLimit}`);
                parts.push(`${on} node${on === 1 ? '' : 's'} on it`);
                return parts.join('  \n');
            }
            case 'flow': return this.flowText(model, o.flow);
            case 'route': return undefined;
        }
    }

    private flow(model: ClusterModel, flow: ast.Flow | undefined): string | undefined {
        const o = modelObject(model, flow);
        return o?.kind === 'flow' ? this.flowText(model, o.flow) : undefined;
    }

    private flowText(model: ClusterModel, flow: Flow): string {
        const trace = this.services.traces.TraceCache.get(model, flow);
        if (trace) return traceMarkdown(trace);
        // No trace (the flow's ends do not resolve): say what the flow is, as far as it is known.
        const target = flow.target;
        const address = target?.kind === 'pod' ? target.pod.address : target?.kind === 'service' ? target.service.clusterIP
            : target?.kind === 'host' ? target.host.address : target?.kind === 'node' ? target.node.addresses[0]?.address
            : target?.kind === 'address' ? target.address : undefined;
        return `**${flow.name}** · ${flow.sourceText} → ${flow.targetText}${address !== undefined ? ` (${formatIp(address)})` : ''} · ${flow.protocol}${flow.port !== undefined ? ` ${flow.port}` : ''}\n\nno trace: ${!flow.source ? 'its source resolves to nothing' : !flow.target ? 'its destination resolves to nothing' : 'the simulator could not run it'}`;
    }

    private device(model: ClusterModel, scope: DeviceScope, name: string): string | undefined {
        const o = modelObject(model, scope);
        const ns: Netns | undefined = o?.kind === 'node' ? o.node.netns() : o?.kind === 'pod' ? o.pod.netns() : undefined;
        if (!ns) return undefined;
        const link = ns.links.get(name);
        if (!link) {
            const known = [...ns.links.keys()].filter(k => k !== 'lo').slice(0, 10).join(', ');
            return `**${name}**: no such device in ${ns.name}${known ? ` (it has ${known})` : ''}`;
        }
        const single = new Map([[name, link]]);
        const lines = deviceLines({ ...ns, links: single });
        const routes = ns.main.routes.filter(r => r.dev === name || r.nexthops?.some(n => n.dev === name));
        const parts = [`**${name}** in ${ns.name}`, codeBlock(lines)];
        if (routes.length) parts.push(`routes out of it:\n\n${codeBlock(routeLines(routes, 8))}`);
        return parts.join('\n\n');
    }

    private route(model: ClusterModel, decl: ast.Route): string | undefined {
        const o = modelObject(model, decl);
        if (o?.kind !== 'route') return undefined;
        const route = o.route;
        const ns = o.owner.kind === 'node' ? o.owner.node.netns() : o.owner.pod.netns();
        const owner = o.owner.kind === 'node' ? `node ${o.owner.node.name}` : `pod ${o.owner.pod.key}`;
        const parts = [`**route** of ${owner}, table ${route.table}`, '`' + formatRoute(route).split('\n')[0] + '`'];
        const reach = gatewayReachability(ns, route);
        if (reach) parts.push(reach);
        for (const nh of route.nexthops ?? []) {
            const r = gatewayReachability(ns, { ...route, gateway: nh.gateway, dev: nh.dev, onlink: nh.onlink, nexthops: undefined });
            if (r) parts.push(`nexthop: ${r}`);
        }
        if (route.type !== 'unicast') parts.push(`${route.type}: packets matching it are ${route.type === 'blackhole' ? 'silently dropped' : route.type === 'unreachable' ? 'answered ICMP host unreachable' : route.type === 'prohibit' ? 'answered ICMP prohibited' : 'handled locally'}`);
        const flows = this.flowsTaking(model, route, o.owner.kind === 'node' ? o.owner.node.name : o.owner.pod.key);
        parts.push(flows.length ? `taken by: ${flows.join(', ')}` : model.flows.length ? 'no flow takes it' : '');
        return parts.filter(Boolean).join('  \n');
    }

    /** Flows whose trace chose this route: a route step in its namespace that names it. */
    private flowsTaking(model: ClusterModel, route: Route, owner: string): string[] {
        const text = formatRoute(route).split('\n')[0];
        const range = route.origin.span ? model.rangeOf(route.origin.span) : undefined;
        const out: string[] = [];
        for (const flow of model.flows.slice(0, 200)) {
            const trace: Trace | undefined = this.services.traces.TraceCache.get(model, flow);
            if (!trace) continue;
            const takes = trace.hops.some(h => (h.namespace === owner || h.namespace.endsWith('/' + owner) || h.namespace === owner.replace(/^default\//, ''))
                && h.steps.some(s => s.kind === 'route' && (
                    (range && s.source && s.source.start.line === range.start.line && s.source.start.character === range.start.character)
                    || s.decidedBy === text || s.summary.includes(text))));
            if (takes) out.push(flow.name);
        }
        return out;
    }
}
