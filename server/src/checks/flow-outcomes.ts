/**
 * How each flow ended in the last version it was traced in, kept for the next version of
 * the same file: an edit changes one node block or one service, and most of 500 flows never
 * pass where it did. unreachable-flow traces again only the flows the edit can reach.
 *
 * A forward trace reads its start and destination, the namespaces it visits (its hops),
 * the services it is load-balanced through, and what every node holds alike (the CNI's
 * routes to each node's range, the owners of the nodes' addresses). So an outcome stands
 * when:
 * - the cluster around the flow is the same: the settings, the hosts, the services and,
 *   for every node, its name, addresses and pod ranges (else every flow is traced again);
 * - no node it visited, and neither of its ends, was rebuilt (its block was edited);
 * - no service its destination can meet (by ClusterIP, or by node port) has other endpoints now;
 * - the flow's line is the same (outcomes are kept by its declaration).
 * Node and pod objects are kept across versions while their block is (see build-model), so
 * "rebuilt" is a matter of identity.
 */
import type { ClusterModel, Flow, FlowSource, FlowTarget, Node, Pod, Service } from '../model/types';
import type { Disposition, Trace } from '../protocol/trace';
import { traceForward } from '../sim/index';
import { sameList } from '../model/identity';

/** What unreachable-flow reads of a trace. */
export interface FlowEnd {
    readonly disposition: Disposition;
    readonly at?: string;
    readonly reason: string;
}

/** What, besides its nodes, a trace depends on: compared by identity or value between versions. */
class Surroundings {
    readonly settings: readonly unknown[];
    readonly nodes: readonly Node[];
    readonly blocks: readonly string[];
    readonly hosts: readonly unknown[];
    readonly services: readonly Service[];
    readonly contested: ReadonlySet<number>;

    constructor(model: ClusterModel) {
        this.settings = [
            model.cni.origin.ast, model.proxy.origin.ast, model.podNetwork?.network, model.podNetwork?.length,
            model.serviceNetwork?.network, model.serviceNetwork?.length, model.clusterDomain,
            model.nodePortRange.from, model.nodePortRange.to, ...model.networks,
        ];
        this.nodes = model.nodes;
        // Calico's allocated blocks are handed out per version, in node order.
        this.blocks = model.cni.plugin === 'calico' ? model.nodes.map(n => n.blocks.map(b => `${b.network}/${b.length}`).join(',')) : [];
        this.hosts = model.hosts.map(h => h.origin.ast);
        this.services = model.services;
        this.contested = model.contested;
    }
}

/** Between two versions: everything changed, or the nodes rebuilt and the services whose endpoints moved. */
type Change = 'everything' | {
    readonly rebuilt: ReadonlySet<string>;
    /** The services whose endpoints moved, by key, and the ClusterIPs and node ports they are reached by. */
    readonly touched: ReadonlySet<string>;
    readonly touchedClusterIPs: ReadonlySet<number>;
    readonly touchedNodePorts: ReadonlySet<number>;
};

/** The same name, addresses and pod ranges: what every other node's routes and neighbours are made of. */
function sameFacts(a: Node, b: Node): boolean {
    if (a.name !== b.name || a.addresses.length !== b.addresses.length || a.blocks.length !== b.blocks.length) return false;
    if (a.podCidr?.network !== b.podCidr?.network || a.podCidr?.length !== b.podCidr?.length) return false;
    for (let i = 0; i < a.addresses.length; i++) {
        const x = a.addresses[i], y = b.addresses[i];
        if (x.address !== y.address || x.length !== y.length || x.network !== y.network || x.nic !== y.nic) return false;
    }
    for (let i = 0; i < a.blocks.length; i++) {
        if (a.blocks[i].network !== b.blocks[i].network || a.blocks[i].length !== b.blocks[i].length) return false;
    }
    return true;
}

/** The same pod as far as a service's rules see it: where it is, and its ports by name (a named targetPort). */
function sameEndpoint(a: Pod, b: Pod): boolean {
    if (a === b) return true;
    if (a.key !== b.key || a.address !== b.address || a.node.name !== b.node.name || a.hostNetwork !== b.hostNetwork) return false;
    const x = a.containers, y = b.containers;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i].name !== y[i].name || x[i].port !== y[i].port) return false;
    return true;
}

function changeBetween(before: Surroundings, now: Surroundings): Change {
    if (!sameList(before.settings, now.settings) || !sameList(before.hosts, now.hosts) || !sameList(before.blocks, now.blocks)) return 'everything';
    if (before.nodes.length !== now.nodes.length || before.services.length !== now.services.length) return 'everything';
    if (before.contested.size !== now.contested.size) return 'everything';
    for (const ip of now.contested) if (!before.contested.has(ip)) return 'everything';
    const rebuilt = new Set<string>();
    for (let i = 0; i < now.nodes.length; i++) {
        const a = before.nodes[i], b = now.nodes[i];
        if (a === b) continue;
        if (!sameFacts(a, b)) return 'everything';
        rebuilt.add(b.name);
    }
    const touched = new Set<string>(), touchedClusterIPs = new Set<number>(), touchedNodePorts = new Set<number>();
    for (let i = 0; i < now.services.length; i++) {
        const a = before.services[i], b = now.services[i];
        if (a.origin.ast !== b.origin.ast || a.key !== b.key) return 'everything';
        const x = a.endpoints, y = b.endpoints;
        if (x === y) continue;
        let same = x.length === y.length;
        for (let k = 0; same && k < x.length; k++) same = sameEndpoint(x[k], y[k]);
        if (same) continue;
        touched.add(b.key);
        if (b.clusterIP !== undefined) touchedClusterIPs.add(b.clusterIP);
        for (const p of b.ports) if (p.nodePort !== undefined) touchedNodePorts.add(p.nodePort);
    }
    return { rebuilt, touched, touchedClusterIPs, touchedNodePorts };
}

/**
 * Whether a flow starts where the change is. Where a packet starts is all a source decides:
 * the services it meets are chosen by its destination.
 */
function sourceTouched(source: FlowSource | undefined, change: Exclude<Change, 'everything'>): boolean {
    if (!source) return false;
    switch (source.kind) {
        case 'pod': return change.rebuilt.has(source.pod.node.name);
        case 'node': return change.rebuilt.has(source.node.name);
        case 'host': return false;
    }
}

/**
 * Whether a flow's destination, as this version resolves it, lies where the change is: a
 * rebuilt pod or node, or a service with moved endpoints that its packets can meet (by
 * ClusterIP, or by node port when sent to a node). A host is outside every service's rules.
 */
function targetTouched(flow: Flow, change: Exclude<Change, 'everything'>): boolean {
    const target = flow.target;
    if (!target) return false;
    const nodePort = flow.port !== undefined && change.touchedNodePorts.has(flow.port);
    switch (target.kind) {
        case 'pod': return change.rebuilt.has(target.pod.node.name);
        case 'node': return change.rebuilt.has(target.node.name) || nodePort;
        case 'service': return change.touched.has(target.service.key);
        case 'host': return false;
        // An address may be a ClusterIP, a node's (a node port) or a pod's that moved.
        case 'address': return change.touchedClusterIPs.has(target.address) || nodePort || change.rebuilt.size > 0;
    }
}

interface Remembered {
    readonly around: Surroundings;
    /** The nodes the trace visited (its hops' nodes). */
    readonly nodes: readonly string[];
    readonly end: FlowEnd;
}

/** What a trace visited: the node of each hop (a pod's hop names its node). */
function visitedNodes(trace: Trace): string[] {
    const out: string[] = [];
    for (const hop of trace.hops) {
        const node = hop.kind === 'node' ? hop.namespace : hop.node;
        if (node !== undefined && !out.includes(node)) out.push(node);
    }
    return out;
}

/**
 * The outcomes of one file's flows across versions, by the flows' declarations (kept weakly:
 * a closed document's are collected with its tree).
 */
export class FlowOutcomes {
    private readonly byDecl = new WeakMap<object, Remembered>();
    private readonly surroundings = new WeakMap<ClusterModel, Surroundings>();
    private readonly changes = new WeakMap<Surroundings, { readonly now: Surroundings; readonly change: Change }>();
    /** Flows traced and flows answered from before, since this was made (for tests and the benchmark). */
    traced = 0;
    kept = 0;

    /** How `flow` ends in `model`: as before when the edit cannot have reached it, else traced. */
    endOf(model: ClusterModel, flow: Flow): FlowEnd {
        const decl = flow.origin.ast as object | undefined;
        const around = this.around(model);
        const last = decl ? this.byDecl.get(decl) : undefined;
        if (last && this.stands(last, around, flow)) {
            this.kept++;
            if (last.around !== around) this.byDecl.set(decl!, { ...last, around });
            return last.end;
        }
        const trace = traceForward(model, flow);
        this.traced++;
        const end: FlowEnd = { disposition: trace.disposition, at: trace.dispositionAt, reason: trace.dispositionReason };
        if (decl) this.byDecl.set(decl, { around, nodes: visitedNodes(trace), end });
        return end;
    }

    /** A flow not traced in this version (skipped for a fault) must not keep an old version alive. */
    forget(flow: Flow): void {
        const decl = flow.origin.ast as object | undefined;
        if (decl) this.byDecl.delete(decl);
    }

    private around(model: ClusterModel): Surroundings {
        let s = this.surroundings.get(model);
        if (!s) this.surroundings.set(model, s = new Surroundings(model));
        return s;
    }

    private stands(last: Remembered, now: Surroundings, flow: Flow): boolean {
        if (last.around === now) return true;
        let memo = this.changes.get(last.around);
        if (memo?.now !== now) this.changes.set(last.around, memo = { now, change: changeBetween(last.around, now) });
        const change = memo.change;
        if (change === 'everything') return false;
        if (last.nodes.some(n => change.rebuilt.has(n))) return false;
        return !sourceTouched(flow.source, change) && !targetTouched(flow, change);
    }
}
