/**
 * nodeport-range: a nodePort outside the cluster's range (the apiserver refuses it:
 * "provided port is not in the valid range"), or one already allocated to another
 * service port (one allocator for the whole cluster: "provided port is already
 * allocated"). The fix takes the next nodePort no service uses.
 */
import { type Finding, Codes } from './finding';
import type { CheckContext } from './context';
import type { Service, ServicePort, Span } from '../model/types';

/**
 * The last run that found nothing: its range and its services' declarations. Ports are read
 * from a service's block alone, so while every block is the same AST object (an edit of a
 * node leaves all 10,000 alone) the verdict stands.
 */
let lastClean: { readonly from: number; readonly to: number; readonly decls: readonly unknown[] } | undefined;

function standsClean(services: readonly Service[], from: number, to: number): boolean {
    const last = lastClean;
    if (!last || last.from !== from || last.to !== to || last.decls.length !== services.length) return false;
    for (let i = 0; i < services.length; i++) if (services[i].origin.ast === undefined || services[i].origin.ast !== last.decls[i]) return false;
    return true;
}

export function checkNodePorts(ctx: CheckContext): Finding[] {
    const { model } = ctx;
    const { from, to } = model.nodePortRange;
    if (standsClean(model.services, from, to)) return [];
    const out = findings(ctx);
    lastClean = out.length === 0 ? { from, to, decls: model.services.map(s => s.origin.ast) } : undefined;
    return out;
}

function findings(ctx: CheckContext): Finding[] {
    const { model } = ctx;
    const { from, to } = model.nodePortRange;
    const out: Finding[] = [];
    const used = new Set<number>();
    for (const s of model.services) for (const p of s.ports) if (p.nodePort !== undefined) used.add(p.nodePort);
    let cursor = from;
    const nextFree = (): number | undefined => {
        while (cursor <= to && used.has(cursor)) cursor++;
        if (cursor > to) return undefined;
        used.add(cursor);
        return cursor;
    };
    const first = new Map<number, { service: Service; port: ServicePort }>();
    const rangeText = `${from}-${to}`;
    for (const service of model.services) {
        for (const port of service.ports) {
            const np = port.nodePort;
            if (np === undefined || np < 1 || np > 65535) continue;
            // The span is located only for a port that is reported (thousands of NodePort services are not).
            const fix = (at: Span) => {
                const n = nextFree();
                return n === undefined ? undefined : [{ title: `Take nodePort ${n}, the next free one`, edits: [{ span: at, newText: String(n) }] }];
            };
            if (np < from || np > to) {
                const at = port.nodePortSpan;
                if (!at) continue;
                out.push({
                    code: Codes.nodeportRange, severity: 'error', span: at,
                    message: `nodePort ${np} of service ${service.name} is outside the node port range ${rangeText}: the apiserver refuses it ("provided port is not in the valid range")`,
                    related: model.nodePortRange.span ? [{ span: model.nodePortRange.span, message: `nodePortRange ${rangeText}` }] : undefined,
                    fixes: fix(at),
                });
                continue;
            }
            const prior = first.get(np);
            // One service may use a nodePort for TCP and UDP alike (mixed protocols).
            if (prior && !(prior.service === service && prior.port.protocol !== port.protocol)) {
                const at = port.nodePortSpan;
                if (!at) continue;
                out.push({
                    code: Codes.nodeportRange, severity: 'error', span: at,
                    message: `nodePort ${np} of service ${service.name} is already used by service ${prior.service.name}: the apiserver refuses it ("provided port is already allocated")`,
                    related: prior.port.nodePortSpan ? [{ span: prior.port.nodePortSpan, message: `nodePort ${np} of ${prior.service.name}` }] : undefined,
                    fixes: fix(at),
                });
                continue;
            }
            if (!prior) first.set(np, { service, port });
        }
    }
    return out;
}
