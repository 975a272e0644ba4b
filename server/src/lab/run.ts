/**
 * `knet lab run`: build the lab, send every flow (or one) for real, and set what the
 * kernel did beside what the simulator says. Flows the lab cannot reproduce here (a device
 * this kernel cannot make, a proxy mode it lacks, an address outside the model) are
 * reported as skipped with the reason.
 */
import { formatIp } from '../model/address';
import type { ClusterModel, Flow } from '../model/types';
import type { Trace } from '../protocol/trace';
import { traceFlow } from '../sim/index';
import { type Disagreement, type SimulatorView, compare, endpointId, hopId, simulatorView } from './compare';
import type { LabState } from './lifecycle';
import { type CaptureSpot, type KernelObservation, type ProbeSetup, destinationAddress, listenSpots, podNsId, probeFlow } from './probe';
import { natRuleset } from './rules';

export interface FlowOutcome {
    readonly flow: string;
    readonly skipped?: string;
    /** Where the lab differs from the model on this flow's path (a setting the kernel refused). */
    readonly caveats?: readonly string[];
    readonly kernel?: KernelObservation;
    readonly simulator?: SimulatorView;
    readonly disagreements: readonly Disagreement[];
}

/** Runs the flows on a lab that is up. */
export async function runFlows(model: ClusterModel, state: LabState, flows: readonly Flow[], onFlow?: (o: FlowOutcome) => void): Promise<FlowOutcome[]> {
    const out: FlowOutcome[] = [];
    for (const flow of flows) {
        const o = await runFlow(model, state, flow);
        out.push(o);
        onFlow?.(o);
    }
    return out;
}

export async function runFlow(model: ClusterModel, state: LabState, flow: Flow): Promise<FlowOutcome> {
    const trace = traceFlow(model, flow);
    const prepared = prepare(model, state, flow, trace);
    if (typeof prepared === 'string') return { flow: flow.name, skipped: prepared, disagreements: [] };
    const kernel = await probeFlow(prepared);
    let simulator = simulatorView(model, trace);
    // kube-proxy chose another endpoint than the trace follows: compare with the trace of that choice.
    if (kernel.deliveredTo && kernel.deliveredTo !== simulator.deliveredTo) {
        const alt = trace.alternatives?.find(a => endpointId(model, a.description) === kernel.deliveredTo);
        if (alt) simulator = simulatorView(model, traceFlow(model, flow, { choice: alt.choice }));
    }
    const onPath = new Set(prepared.captures.filter(c => c.role === 'path').map(c => `${c.id}/${c.device}`));
    const caveats = state.failures.filter(f => f.device && onPath.has(`${f.id}/${f.device}`))
        .map(f => `the kernel refused ${f.id.replace(':', ' ')}'s ${f.what} (${f.error}): the lab differs from the model here`);
    return { flow: flow.name, kernel, simulator, caveats, disagreements: compare(flow.name, kernel, simulator) };
}

/** The probe for a flow, or why the lab cannot send it here. */
function prepare(model: ClusterModel, state: LabState, flow: Flow, trace: Trace): ProbeSetup | string {
    const { plan } = state;
    if (!flow.source || !flow.target) return 'the flow does not resolve to a source and a destination';
    if (flow.protocol === 'sctp') return 'the lab sends tcp, udp and icmp only';
    if (flow.protocol !== 'icmp' && flow.port === undefined) return `a ${flow.protocol} flow needs a port`;
    const src = flow.source;
    const sourceId = src.kind === 'pod' ? podNsId(src.pod) : src.kind === 'node' ? `node:${src.node.name}` : `host:${src.host.name}`;
    const sourceNs = plan.nsById.get(sourceId);
    if (!sourceNs) return `no lab namespace for ${sourceId}`;
    const destination = destinationAddress(flow, trace);
    if (!destination) return 'the destination has no address';
    const t = flow.target;
    if (t.kind === 'address' && !model.owners.has(t.address)) return `${destination} belongs to nothing in the model: the lab never sends outside its own namespaces`;

    // Where the simulator says the packet goes: devices to watch, and devices the lab lacks.
    const path: CaptureSpot[] = [];
    const seen = new Set<string>();
    // The lab links no two underlay networks (each gateway namespace stands alone).
    const segments = new Set(trace.hops.filter(h => h.kind === 'network').map(h => h.namespace));
    if (segments.size > 1) return `the trace crosses ${[...segments].join(' and ')}: the lab does not route between underlay networks (their gateways are not linked)`;
    // Every endpoint kube-proxy may choose: watch each alternative's path too.
    const traces = [trace, ...(trace.alternatives ?? []).filter(a => !a.chosen).map(a => traceFlow(model, flow, { choice: a.choice }))];
    for (const hop of traces.flatMap(t => t.hops)) {
        const id = hopId(model, hop);
        const ns = id ? plan.nsById.get(id) : undefined;
        if (!id || !ns || hop.kind === 'network') continue;
        for (const step of hop.steps) {
            for (const device of [step.inDevice, step.outDevice]) {
                if (!device || device === 'lo' || seen.has(`${id}/${device}`)) continue;
                seen.add(`${id}/${device}`);
                const gone = state.missing.find(m => m.id === id && m.device === device);
                if (gone) return `${id.replace(':', ' ')}'s ${device} cannot be built here: ${gone.reason}`;
                path.push({ id, ns, device, role: 'path' });
            }
        }
    }
    const crossesService = trace.hops.some(h => h.steps.some(s => s.kind === 'nat' && (s.details ?? []).some(d => /KUBE-/.test(d))))
        || t.kind === 'service';
    const rules = natRuleset(model);
    if (crossesService && rules.servicesUnsupported) return rules.servicesUnsupported;
    if (crossesService && !state.rulesLoaded.size && model.nodes.length > 0) return 'kube-proxy rules could not be loaded (see the lab\'s failures)';

    const listeners = listenSpots(model, flow, plan.nsById);
    const arrival: CaptureSpot[] = [];
    const arrivalIds = new Set<string>(listeners.map(l => l.id));
    if (flow.protocol === 'icmp') {
        // ICMP lands where the destination address is: the target, or the endpoints of a service.
        for (const l of listenSpots(model, { ...flow, protocol: 'tcp', port: flow.port ?? 0 } as Flow, plan.nsById)) arrivalIds.add(l.id);
        if (t.kind === 'pod') arrivalIds.add(podNsId(t.pod));
        if (t.kind === 'node') arrivalIds.add(`node:${t.node.name}`);
        if (t.kind === 'host') arrivalIds.add(`host:${t.host.name}`);
    }
    for (const id of arrivalIds) {
        const ns = plan.nsById.get(id);
        const netns = model.netns(id);
        const addresses = new Set((netns?.local.routes ?? []).filter(r => r.type === 'local').map(r => formatIp(r.destination.network)));
        if (ns) arrival.push({ id, ns, device: id.startsWith('pod:') ? 'eth0' : 'any', role: 'arrival', addresses });
    }
    arrival.push({ id: sourceId, ns: sourceNs, device: sourceId.startsWith('pod:') ? 'eth0' : 'any', role: 'source' });
    const underlay: CaptureSpot[] = plan.segments.map(s => ({ id: `network:${s.network}`, ns: s.ns, device: s.device, role: 'underlay' }));
    const arrivalKeys = new Set(arrival.filter(a => a.role === 'arrival').map(a => `${a.id}/${a.device}`));
    const captures = [...arrival, ...underlay, ...path.filter(p => !arrivalKeys.has(`${p.id}/${p.device}`))];
    const vxlanPorts = new Set<number>([4789, 8472]);
    if (model.cni.port) vxlanPorts.add(model.cni.port);
    for (const node of model.nodes) for (const l of node.netns().links.values()) if (l.kind === 'vxlan' && l.port) vxlanPorts.add(l.port);
    const size = flow.size ?? (flow.protocol === 'icmp' ? 84 : 64);
    return {
        flow, sourceId, sourceNs, destination, protocol: flow.protocol, port: flow.port, size, df: flow.df,
        listeners, captures, vxlanPorts,
    };
}
