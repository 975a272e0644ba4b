/**
 * nodeport-range: a nodePort outside the cluster's range (the apiserver refuses it:
 * "provided port is not in the valid range"), or one already allocated to another
 * service port (one allocator for the whole cluster: "provided port is already
 * allocated"). The fix takes the next nodePort no service uses.
 */
import { type Finding, Codes } from './finding';
import type { CheckContext } from './context';
import type { Service, ServicePort, Span } from '../model/types';

export function checkNodePorts(ctx: CheckContext): Finding[] {
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
