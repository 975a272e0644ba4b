/**
 * What kube-proxy reads from the API server, as data: one entry per Service port with its
 * chain names and its endpoints (EndpointSlice: ready pods, target port resolved). Built
 * once per ClusterModel (WeakMap) and indexed by (ClusterIP, port, protocol) and by
 * (nodePort, protocol), so that a hook costs O(rules that match), never O(services).
 * Endpoints and their chain names are resolved on first use of a port.
 */
import { type Ip, formatIp } from '../../address';
import type { ClusterModel, Node, Pod, Protocol, Service, ServicePort, Span } from '../../types';
import { endpointChainName, nftEndpointBase, nftServiceBase, portProtoHash, servicePortName } from './names';

export interface Endpoint {
    readonly ip: Ip;
    readonly port: number;
    /** `10.244.2.5:80`, as kube-proxy writes it in DNAT targets and comments. */
    readonly text: string;
    readonly pod: Pod;
    readonly node: Node;
    /** `KUBE-SEP-…` */
    readonly chain: string;
    /** nftables `endpoint-…` chain. */
    readonly nftChain: string;
    /** The pod's declaration, for reveal. */
    readonly span?: Span;
}

export interface ServicePortInfo {
    readonly service: Service;
    readonly port: ServicePort;
    /** kube-proxy's ServicePortName: `default/web` or `default/web:8080`. */
    readonly name: string;
    readonly portName: string;
    readonly protocol: Protocol;
    readonly vip?: Ip;
    readonly nodePort?: number;
    /** `KUBE-SVC-…`, `KUBE-SVL-…`, `KUBE-EXT-…` */
    readonly svcChain: string;
    readonly svlChain: string;
    readonly extChain: string;
    /** nftables chain name base (`HASH-ns/name/proto/port`). */
    readonly nftBase: string;
    readonly hasEndpoints: boolean;
    /** 1-based position of its ClusterIP rule in nat KUBE-SERVICES (with endpoints) or filter KUBE-SERVICES (without). */
    readonly servicesPosition: number;
    /** 1-based position of its rule in nat KUBE-NODEPORTS or filter KUBE-EXTERNAL-SERVICES. */
    nodePortPosition?: number;
    /** The declaration behind the rules: the port line, else the service. */
    readonly span?: Span;
    endpoints(): readonly Endpoint[];
}

export interface ServicePorts {
    /** In declaration order: the order the rules are printed and walked. */
    readonly ports: readonly ServicePortInfo[];
    readonly byVip: ReadonlyMap<number, ServicePortInfo>;
    readonly byNodePort: ReadonlyMap<number, ServicePortInfo>;
    /** Count of nat KUBE-SERVICES ClusterIP rules (the NODEPORTS jump comes after). */
    readonly natServicesRules: number;
}

const PROTO_INDEX: Record<string, number> = { tcp: 1, udp: 2, sctp: 3 };

/** Map key for (address, port, protocol): fits in 2^50, exact in a JS number. */
export function vipKey(ip: Ip, port: number, protocol: string): number {
    return (ip * 65536 + port) * 4 + (PROTO_INDEX[protocol] ?? 0);
}

export function nodePortKey(port: number, protocol: string): number {
    return port * 4 + (PROTO_INDEX[protocol] ?? 0);
}

/** The address an endpoint pod is reached at: its own, or its node's for hostNetwork. */
export function endpointAddress(pod: Pod): Ip | undefined {
    if (pod.address !== undefined) return pod.address;
    return pod.hostNetwork ? pod.node.addresses[0]?.address : undefined;
}

/** The endpoint's port: a number, or the named container port; undefined when the pod has no such name. */
export function resolveTargetPort(port: ServicePort, pod: Pod): number | undefined {
    if (typeof port.targetPort === 'number') return port.targetPort;
    return pod.containers.find(c => c.name === port.targetPort)?.port;
}

class PortInfo implements ServicePortInfo {
    readonly name: string;
    readonly protocol: Protocol;
    readonly vip?: Ip;
    readonly nodePort?: number;
    readonly hasEndpoints: boolean;
    servicesPosition = 0;
    nodePortPosition?: number;
    private resolved?: Endpoint[];

    constructor(readonly service: Service, readonly port: ServicePort, readonly portName: string) {
        this.protocol = port.protocol;
        this.name = servicePortName(service.namespace, service.name, portName);
        this.vip = service.headless ? undefined : service.clusterIP;
        this.nodePort = service.type !== 'ClusterIP' ? port.nodePort : undefined;
        // Cheap: stops at the first pod that resolves.
        this.hasEndpoints = service.endpoints.some(p => endpointAddress(p) !== undefined && resolveTargetPort(port, p) !== undefined);
    }

    /** Found when asked: 20,000 ports are indexed, a trace reports a few. */
    get span(): Span | undefined { return this.port.span ?? this.service.origin.span; }

    // Chain names are hashed on first use: a hook touches a handful of services, not all.
    private hashed?: string;
    private get hash(): string {
        return this.hashed ??= portProtoHash(this.name, this.protocol);
    }
    get svcChain(): string { return 'KUBE-SVC-' + this.hash; }
    get svlChain(): string { return 'KUBE-SVL-' + this.hash; }
    get extChain(): string { return 'KUBE-EXT-' + this.hash; }
    private nft?: string;
    get nftBase(): string {
        return this.nft ??= nftServiceBase(this.service.namespace, this.service.name, this.protocol, this.portName);
    }

    endpoints(): readonly Endpoint[] {
        if (this.resolved) return this.resolved;
        const seen = new Set<string>();
        const out: Endpoint[] = [];
        for (const pod of this.service.endpoints) {
            const ip = endpointAddress(pod);
            const port = resolveTargetPort(this.port, pod);
            if (ip === undefined || port === undefined) continue;
            const text = `${formatIp(ip)}:${port}`;
            if (seen.has(text)) continue; // one EndpointSlice entry per address
            seen.add(text);
            out.push(new EndpointInfo(ip, port, text, pod, this));
        }
        this.resolved = out;
        return out;
    }
}

/** An endpoint of a service port; its chain names and span are made when asked (a trace that does not record its steps asks for none). */
class EndpointInfo implements Endpoint {
    private chain_?: string;

    constructor(readonly ip: Ip, readonly port: number, readonly text: string, readonly pod: Pod, private readonly of: PortInfo) { }

    get node(): Node { return this.pod.node; }
    get chain(): string { return this.chain_ ??= endpointChainName(this.of.name, this.of.protocol, this.text); }
    get nftChain(): string {
        const s = this.of.service;
        return 'endpoint-' + nftEndpointBase(s.namespace, s.name, this.of.protocol, this.of.portName, formatIp(this.ip), this.port);
    }
    get span(): Span | undefined { return this.pod.nameSpan ?? this.pod.origin.span; }
}

const cache = new WeakMap<ClusterModel, ServicePorts>();

export function servicePorts(model: ClusterModel): ServicePorts {
    let sp = cache.get(model);
    if (!sp) {
        sp = build(model);
        cache.set(model, sp);
    }
    return sp;
}

function build(model: ClusterModel): ServicePorts {
    const ports: PortInfo[] = [];
    const byVip = new Map<number, PortInfo>();
    const byNodePort = new Map<number, PortInfo>();
    let natPos = 0, filterPos = 0, nodePortNat = 0, nodePortFilter = 0;
    for (const service of model.services) {
        const named = service.ports.length > 1;
        for (const port of service.ports) {
            const info = new PortInfo(service, port, named ? String(port.port) : '');
            ports.push(info);
            if (info.vip !== undefined) {
                const key = vipKey(info.vip, port.port, info.protocol);
                // The first declaration wins; duplicates are reported by the checks.
                if (!byVip.has(key)) {
                    byVip.set(key, info);
                    info.servicesPosition = info.hasEndpoints ? ++natPos : ++filterPos;
                }
            }
            if (info.nodePort !== undefined) {
                const key = nodePortKey(info.nodePort, info.protocol);
                if (!byNodePort.has(key)) {
                    byNodePort.set(key, info);
                    info.nodePortPosition = info.hasEndpoints ? ++nodePortNat : ++nodePortFilter;
                }
            }
        }
    }
    return { ports, byVip, byNodePort, natServicesRules: natPos };
}
