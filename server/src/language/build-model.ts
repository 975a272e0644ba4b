/**
 * AST → network model, once per document version. Reads what the file says, applies the
 * defaults of a standard install, and leaves the generated state (what the daemons would
 * program) to `model/generate`, materialised per namespace on first use.
 *
 * What parses but cannot be (a property given twice, an unknown mode, an address literal
 * with an octet over 255) is reported here as a finding on the exact token, and the rest
 * of the model is still built.
 */
import { type AstNode, type CstNode, interruptAndCheck } from 'langium';
import type { CancellationToken } from 'vscode-languageserver';
import { findPropertyNode } from './property-node';
import * as ast from './generated/ast';
import { type Cidr, type Ip, cidr, contains, parseCidr, parseIp } from '../model/address';
import { type Finding, Codes } from '../checks/finding';
import { cniGenerator } from '../model/generate';
import type { CniGenerator } from '../model/generate';
import { assembleNetns, defaultRoute, hostCidr, KERNEL, route } from '../model/netns';
import { applySysctl, KUBEADM_SYSCTLS } from '../model/sysctls';
import { LineIndex, type SourceText } from '../model/source-text';
import { sameList } from '../model/identity';
import { AddressTable } from '../model/address-table';
import { derivedOrigin } from '../model/origin';
import { NeighborTable } from '../model/neighbor-table';
import type { RouteTable } from '../model/route-table';
import { CALICO_VXLAN_PORT, CALICO_VXLAN_VNI } from '../model/generate/calico';
import type {
    AddressOwner, CniBackend, Container, CniConfig, CniPlugin, ClusterModel, Flow, FlowSource, FlowTarget, Host, IpvsScheduler,
    Link, LinkKind, Netns, Network, Node, NodeAddress, Origin, Pod, Protocol, ProxyConfig, ProxyMode, Route,
    RouteType, Service, ServicePort, ServiceType, Span, Sysctls, Nexthop,
} from '../model/types';
import { LINK_KINDS } from '../model/types';
import { type NameIndex, findService, nameIndex, podNamespace, serviceNamespace } from './name-index';
import { sourceNamespace } from './scope';

/**
 * Type guards by exact `$type`, for the concrete types the hot loops test (a node's items,
 * a pod's options, a route's attributes: millions of tests in a 5,000-node file). Langium's
 * `isX` asks the AST reflection, whose string-keyed lookups cost ~0.2 s there. A concrete
 * type has no subtypes (a test checks each of these), so the two agree.
 */
function exactly<T extends AstNode>(type: T['$type']): (n: AstNode) => n is T {
    return (n: AstNode): n is T => n.$type === type;
}

export const exact = {
    NodeAddress: exactly<ast.NodeAddress>('NodeAddress'),
    PodCidr: exactly<ast.PodCidr>('PodCidr'),
    Block: exactly<ast.Block>('Block'),
    Sysctl: exactly<ast.Sysctl>('Sysctl'),
    Link: exactly<ast.Link>('Link'),
    Routes: exactly<ast.Routes>('Routes'),
    Pod: exactly<ast.Pod>('Pod'),
    RouteVia: exactly<ast.RouteVia>('RouteVia'),
    RouteDev: exactly<ast.RouteDev>('RouteDev'),
    RouteProto: exactly<ast.RouteProto>('RouteProto'),
    RouteScope: exactly<ast.RouteScope>('RouteScope'),
    RouteSrc: exactly<ast.RouteSrc>('RouteSrc'),
    RouteMetric: exactly<ast.RouteMetric>('RouteMetric'),
    RouteTable: exactly<ast.RouteTable>('RouteTable'),
    RouteMtu: exactly<ast.RouteMtu>('RouteMtu'),
    RoutePref: exactly<ast.RoutePref>('RoutePref'),
    RouteExpires: exactly<ast.RouteExpires>('RouteExpires'),
    RouteFlag: exactly<ast.RouteFlag>('RouteFlag'),
    Nexthop: exactly<ast.Nexthop>('Nexthop'),
    NexthopWeight: exactly<ast.NexthopWeight>('NexthopWeight'),
    PodMtu: exactly<ast.PodMtu>('PodMtu'),
    PodIface: exactly<ast.PodIface>('PodIface'),
    PodHostNetwork: exactly<ast.PodHostNetwork>('PodHostNetwork'),
    PodNoNetwork: exactly<ast.PodNoNetwork>('PodNoNetwork'),
    PodLabels: exactly<ast.PodLabels>('PodLabels'),
    PodHostPort: exactly<ast.PodHostPort>('PodHostPort'),
    PodContainers: exactly<ast.PodContainers>('PodContainers'),
} as const;

export interface BuildResult {
    readonly model: ClusterModel;
    /** What the builder itself found wrong (literals, duplicates, unknown words). */
    readonly findings: Finding[];
}

// ---------------------------------------------------------------- spans

export function spanOf(node: AstNode | undefined): Span | undefined {
    const c = node?.$cstNode;
    return c ? { start: c.offset, end: c.end } : undefined;
}

function cstSpan(c: CstNode | undefined): Span | undefined {
    return c ? { start: c.offset, end: c.end } : undefined;
}

/** The span of one property's tokens (the value, not the keyword before it). */
export function propertySpan(node: AstNode | undefined, property: string, index?: number): Span | undefined {
    if (!node?.$cstNode) return undefined;
    return cstSpan(findPropertyNode(node.$cstNode, property, index)) ?? spanOf(node);
}

/**
 * Where a declared route's parts are, found when asked: a pasted table holds thousands of
 * routes, and only a reported one is ever located.
 */
class RouteSpans {
    constructor(
        private readonly route: ast.Route, private readonly viaDecl?: ast.RouteVia,
        private readonly devDecl?: ast.RouteDev, private readonly srcDecl?: ast.RouteSrc,
    ) { }
    get destination(): Span | undefined { return propertySpan(this.route, 'destination'); }
    get gateway(): Span | undefined { return propertySpan(this.viaDecl, 'gateway'); }
    get dev(): Span | undefined { return propertySpan(this.devDecl, 'dev'); }
    get src(): Span | undefined { return propertySpan(this.srcDecl, 'address'); }
}

/**
 * Spans of a declaration's parts (`[node, property]` each), found when asked, where the
 * part is now: a model object kept across edits must not carry offsets an edit above it
 * has moved. A part not written has no span.
 */
function partSpans<K extends string>(parts: { readonly [P in K]: readonly [AstNode | undefined, string] }): { readonly [P in K]?: Span } {
    const spans = {} as { [P in K]?: Span };
    for (const key of Object.keys(parts) as K[]) {
        const [node, property] = parts[key];
        if (node) Object.defineProperty(spans, key, { enumerable: true, get: () => propertySpan(node, property) });
    }
    return spans;
}

/** A declaration's origin; its span is found when asked, where the declaration is now. */
class DeclaredOrigin implements Origin {
    readonly generated = false;
    readonly by = 'file' as const;

    constructor(readonly ast: AstNode | undefined) { }

    get span(): Span | undefined { return spanOf(this.ast); }
}

function origin(node: AstNode | undefined): Origin {
    return new DeclaredOrigin(node);
}

// ---------------------------------------------------------------- words

const CNI_BACKENDS: Record<string, CniBackend[]> = {
    flannel: ['vxlan', 'udp', 'host-gw'],
    calico: ['ipip', 'vxlan', 'bgp'],
    bridge: [],
    none: [],
};
const PROXY_MODES: ProxyMode[] = ['iptables', 'nftables', 'ipvs', 'userspace'];
const SCHEDULERS: IpvsScheduler[] = ['rr', 'lc', 'dh', 'sh', 'sed', 'nq'];
const SERVICE_TYPES: ServiceType[] = ['ClusterIP', 'NodePort', 'LoadBalancer'];
const PROTOCOLS: Protocol[] = ['tcp', 'udp', 'sctp'];

/** Case-insensitive pick from `choices`, as kubectl's words are written in several cases. */
function pick<T extends string>(word: string | undefined, choices: readonly T[]): T | undefined {
    if (word === undefined) return undefined;
    const lower = word.toLowerCase();
    return choices.find(c => c.toLowerCase() === lower);
}

function oneOf(choices: readonly string[]): string {
    return choices.length <= 1 ? choices.join('') : `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}`;
}

function labelMap(pairs: readonly string[]): Map<string, string> {
    const m = new Map<string, string>();
    for (const kv of pairs) {
        const eq = kv.indexOf('=');
        m.set(kv.slice(0, eq), kv.slice(eq + 1));
    }
    return m;
}

const NO_LABELS: readonly string[] = [];
/** A pod's options, by AST type, as the messages name them. */
const POD_OPTIONS: Readonly<Record<string, string>> = {
    [ast.PodMtu.$type]: 'mtu', [ast.PodIface.$type]: 'iface', [ast.PodLabels.$type]: 'labels', [ast.PodNamespace.$type]: 'namespace',
    [ast.PodHostNetwork.$type]: 'hostNetwork', [ast.PodNoNetwork.$type]: 'network none', [ast.PodHostPort.$type]: 'hostPort',
    [ast.PodContainers.$type]: 'containers', [ast.Routes.$type]: 'routes block',
};
const SERVICE_ITEMS: Readonly<Record<string, string>> = {
    [ast.ServiceType.$type]: 'type', [ast.ServiceNamespace.$type]: 'namespace', [ast.ServiceClusterIp.$type]: 'clusterIP',
    [ast.ServiceSelector.$type]: 'selector', [ast.ServiceEndpoints.$type]: 'endpoints',
    [ast.ServiceTrafficPolicy.$type]: 'externalTrafficPolicy', [ast.ServiceAffinity.$type]: 'sessionAffinity',
};
const NO_CONTAINERS: readonly Container[] = [];

// ---------------------------------------------------------------- builder

class ModelBuilder {
    readonly findings: Finding[] = [];
    private readonly lines: LineIndex;

    constructor(private readonly root: ast.Document, private readonly text: string | SourceText) {
        this.lines = new LineIndex(text);
    }

    /**
     * A CST node's text, from the document's text rather than the CST's (`node.text`, which
     * makes an open document's text whole: `language/edited-text.ts`).
     */
    private textOf(node: CstNode | undefined): string | undefined {
        return node && this.text.slice(node.offset, node.end);
    }

    private error(code: string, message: string, span: Span | undefined, extra: Partial<Finding> = {}): void {
        if (span) this.findings.push({ code, severity: 'error', message, span, ...extra });
    }

    /** Reports the second and later items of one kind in one block: "a property given twice". */
    private once<T extends AstNode>(items: readonly AstNode[], is: (n: AstNode) => n is T, what: string, where: string): T | undefined {
        let first: T | undefined;
        for (const item of items) {
            if (!is(item)) continue;
            if (!first) { first = item; continue; }
            this.error(Codes.invalidDeclaration, `${what} is given twice in ${where}: a block holds one ${what}`, spanOf(item), {
                related: first.$cstNode ? [{ span: spanOf(first)!, message: `first ${what} here` }] : undefined,
            });
        }
        return first;
    }

    /**
     * `once` for every kind of item of a small block (a pod line: 150,000 of them in a large
     * file), without a pass per kind: a pod's handful of options are compared pairwise, and
     * only a block that repeats one goes through `once` for it.
     */
    private reportRepeated(items: readonly AstNode[], words: Readonly<Record<string, string>>, where: string): void {
        for (let i = 1; i < items.length; i++) {
            const type = items[i].$type;
            // At the second item of a kind, `once` reports every repeat of that kind.
            let before = 0;
            for (let j = 0; j < i; j++) if (items[j].$type === type) before++;
            if (before !== 1) continue;
            const what = words[type];
            if (what) this.once(items, (n: AstNode): n is AstNode => n.$type === type, what, where);
        }
    }

    private ip(node: AstNode, property: string, text: string | undefined, index?: number): Ip | undefined {
        if (text === undefined) return undefined;
        const ip = parseIp(text);
        if (ip === undefined) {
            this.error(Codes.invalidAddress, `'${text}' is not an IPv4 address: each of its four octets is 0–255`, propertySpan(node, property, index));
        }
        return ip;
    }

    private prefix(node: AstNode, property: string, text: string | undefined): Cidr | undefined {
        if (text === undefined) return undefined;
        const c = parseCidr(text);
        if (!c) {
            const [addr, len] = text.split('/');
            const why = parseIp(addr) === undefined ? 'each of its four octets is 0–255' : `a prefix length is 0–32, not ${len}`;
            this.error(Codes.invalidAddress, `'${text}' is not an IPv4 prefix: ${why}`, propertySpan(node, property));
        }
        return c;
    }

    /** An address with an optional prefix (`100.100.137.201/24`). */
    private addressOrPrefix(node: AstNode, property: string, text: string | undefined): { ip?: Ip; length?: number } {
        if (text === undefined) return {}; // half-typed: the parser reports it
        if (text.includes('/')) {
            const c = this.prefix(node, property, text);
            return c ? { ip: c.address, length: c.length } : {};
        }
        return { ip: this.ip(node, property, text) };
    }

    /**
     * Builds the model, pausing (`yield`) every few dozen nodes, services and flows, so a
     * caller can give way to newer work between steps (see `buildModelAsync`).
     */
    *build(): Generator<void, ClusterModel> {
        const cluster = this.root.clusters[0];
        for (const extra of this.root.clusters.slice(1)) {
            this.error(Codes.invalidDeclaration, `a file describes one cluster; '${extra.name}' is a second one`, propertySpan(extra, 'name'));
        }
        const items = cluster?.items ?? [];
        const where = `cluster ${cluster?.name ?? ''}`.trim();

        const podNetworkDecl = this.once(items, ast.isPodNetwork, 'podNetwork', where);
        const serviceNetworkDecl = this.once(items, ast.isServiceNetwork, 'serviceNetwork', where);
        const domainDecl = this.once(items, ast.isClusterDomain, 'clusterDomain', where);
        const rangeDecl = this.once(items, ast.isNodePortRange, 'nodePortRange', where);
        const cniDecl = this.once(items, ast.isCni, 'cni', where);
        const proxyDecl = this.once(items, ast.isKubeProxy, 'proxy', where);

        const podNetwork = podNetworkDecl ? this.prefix(podNetworkDecl, 'cidr', podNetworkDecl.cidr) : undefined;
        const serviceNetwork = serviceNetworkDecl ? this.prefix(serviceNetworkDecl, 'cidr', serviceNetworkDecl.cidr) : undefined;
        const nodePortRange = { from: 30000, to: 32767, span: spanOf(rangeDecl) };
        if (rangeDecl) {
            if (rangeDecl.from > rangeDecl.to || rangeDecl.to > 65535 || rangeDecl.from < 1) {
                this.error(Codes.invalidDeclaration, `nodePortRange ${rangeDecl.from}-${rangeDecl.to} is not a range of ports (1–65535, low-high)`, spanOf(rangeDecl));
            } else {
                nodePortRange.from = rangeDecl.from;
                nodePortRange.to = rangeDecl.to;
            }
        }
        const cni = this.cni(cniDecl);
        const proxy = this.proxy(proxyDecl);

        const networks: Network[] = [];
        const networkByName = new Map<string, Network>();
        for (const item of items) {
            if (!ast.isNetwork(item)) continue;
            const n = this.keptNetwork(item);
            if (!n) continue;
            if (networkByName.has(n.name)) {
                this.error(Codes.invalidDeclaration, `network '${n.name}' is declared twice`, propertySpan(item, 'name'), {
                    related: [{ span: networkByName.get(n.name)!.spans.name!, message: `first network '${n.name}'` }],
                });
                continue;
            }
            networks.push(n);
            networkByName.set(n.name, n);
        }

        const partial = {
            name: cluster?.name ?? '', podNetwork, podNetworkSpan: propertySpan(podNetworkDecl, 'cidr'), serviceNetwork,
            serviceNetworkSpan: propertySpan(serviceNetworkDecl, 'cidr'),
            clusterDomain: domainDecl?.domain.replace(/\.$/, '') ?? 'cluster.local', nodePortRange, cni, proxy, networks, networkByName,
        };

        // Nodes and their pods.
        const nodes: NodeImpl[] = [];
        const nodeByName = new Map<string, Node>();
        let pods: PodImpl[] = [];
        // Every declaration's model object by its AST node: pod keys, endpoints and flows name them.
        const astToModel = new ModelByAst();
        const names = nameIndex(this.root);
        const podByKey = new PodsByKey(names, astToModel);
        const duplicatePods = new Set<AstNode>(names.duplicatePods);
        const cniModel = { nodes, podNetwork, cni, networks };
        const generator = cniGenerator(cniModel);
        const netnsById = new Map<string, Netns>();
        const env: NodeEnv = { generator, cache: netnsById };
        let step = 0;
        for (const item of items) {
            if (!ast.isNode(item)) continue;
            if ((++step & 31) === 0) yield;
            const node = this.keptOrBuilt(item, networks, networkByName, cni.plugin);
            node.enter(env);
            if (nodeByName.has(node.name)) {
                this.error(Codes.invalidDeclaration, `node '${node.name}' is declared twice`, propertySpan(item, 'name'), {
                    related: [{ span: nodeByName.get(node.name)!.nameSpan!, message: `first node '${node.name}'` }],
                });
                continue;
            }
            nodes.push(node);
            nodeByName.set(node.name, node);
            astToModel.set(item, node);
            // Without a pod declared twice, every node's pods go in, in one copy below.
            if (duplicatePods.size === 0) continue;
            for (const pod of node.pods) {
                // The name index saw every pod key once already; only the few it found taken are looked up.
                if (duplicatePods.has(pod.decl)) {
                    const first = podByKey.get(pod.key);
                    if (first) {
                        this.error(Codes.invalidDeclaration, `pod '${pod.key}' is declared twice (on ${first.node.name} and ${node.name})`, pod.nameSpan, {
                            related: first.nameSpan ? [{ span: first.nameSpan, message: `first pod '${pod.key}' on ${first.node.name}` }] : undefined,
                        });
                        astToModel.leaveOut(pod.decl);
                        continue;
                    }
                    // The first of its name sat on a node declared twice, which the model leaves out.
                    podByKey.adopt(pod);
                }
                pods.push(pod);
            }
        }
        // One allocation of the final size: an array grown by 150,000 pushes is copied a dozen
        // times, each copy into fresh memory (~10 ms an edit at 5,000 nodes).
        // (Spread arguments live on the stack: past tens of thousands of nodes, flatMap instead.)
        if (duplicatePods.size === 0) pods = nodes.length <= 20_000 ? ([] as PodImpl[]).concat(...nodes.map(n => n.pods)) : nodes.flatMap(n => n.pods);
        if (cni.plugin === 'calico') allocateBlocks(nodes, podNetwork, cni.blockSize);

        const services: Service[] = [];
        const serviceByKey = new Map<string, Service>();
        const selecting: Selecting[] = [];
        for (const item of items) {
            if (!ast.isService(item)) continue;
            if ((++step & 255) === 0) yield;
            const s = this.keptOrBuiltService(item, astToModel, selecting);
            if (serviceByKey.has(s.key)) {
                this.error(Codes.invalidDeclaration, `service '${s.key}' is declared twice`, s.nameSpan, {
                    related: [{ span: serviceByKey.get(s.key)!.nameSpan!, message: `first service '${s.key}'` }],
                });
                continue;
            }
            services.push(s);
            serviceByKey.set(s.key, s);
            astToModel.set(item, s);
        }

        selectEndpoints(nodes, selecting, astToModel);

        const hosts: Host[] = [];
        const hostByName = new Map<string, Host>();
        for (const item of items) {
            if (!ast.isHost(item)) continue;
            const h = this.host(item, networkByName, netnsById);
            if (!h) continue;
            if (hostByName.has(h.name)) {
                this.error(Codes.invalidDeclaration, `host '${h.name}' is declared twice`, propertySpan(item, 'name'));
                continue;
            }
            hosts.push(h);
            hostByName.set(h.name, h);
        }

        const flows: Flow[] = [];
        const flowByName = new Map<string, Flow>();
        for (const h of hosts) astToModel.set(h.origin.ast as AstNode, h);
        for (const item of items) {
            if (!ast.isFlow(item)) continue;
            if ((++step & 255) === 0) yield;
            const f = this.flow(item, astToModel);
            if (flowByName.has(f.name)) {
                this.error(Codes.invalidDeclaration, `flow '${f.name}' is declared twice`, f.spans.name ?? f.origin.span, {
                    related: [{ span: flowByName.get(f.name)!.spans.name ?? flowByName.get(f.name)!.origin.span!, message: `first flow '${f.name}'` }],
                });
                continue;
            }
            flows.push(f);
            flowByName.set(f.name, f);
        }

        yield;
        const { contested, holder } = ownershipOf(cluster, { nodes, pods, hosts, services, networks, generator, podsLeftOut: pods.length !== podCount(nodes) });
        const lines = this.lines;
        return {
            ...partial, nodes, pods, services, hosts, flows, nodeByName, podByKey, serviceByKey, hostByName, flowByName, contested,
            get owners() { return holder.owners; },
            netns(id: string): Netns | undefined {
                const cached = netnsById.get(id);
                if (cached) return cached;
                const [kind, name] = [id.slice(0, id.indexOf(':')), id.slice(id.indexOf(':') + 1)];
                if (kind === 'node') return nodeByName.get(name)?.netns();
                if (kind === 'pod') return podByKey.get(name)?.netns();
                if (kind === 'host') return hostByName.get(name)?.netns();
                return undefined;
            },
            rangeOf: (span: Span) => lines.range(span),
            afterTrailingComment: (offset: number) => lines.afterTrailingComment(offset),
        };
    }

    // ------------------------------------------------------------ cluster settings

    private cni(decl: ast.Cni | undefined): CniConfig {
        const o = origin(decl);
        let plugin: CniPlugin = 'flannel';
        let backend: CniBackend = 'vxlan';
        if (decl) {
            const p = pick(decl.plugin, ['flannel', 'calico', 'bridge', 'none'] as const);
            if (!p) {
                this.error(Codes.invalidDeclaration, `unknown CNI '${decl.plugin}': expected flannel, calico, bridge or none`, propertySpan(decl, 'plugin'));
            } else {
                plugin = p;
                const backends = CNI_BACKENDS[p];
                if (decl.backend === undefined) {
                    backend = backends[0] ?? 'none';
                } else {
                    const b = pick(decl.backend, backends);
                    if (!b) {
                        this.error(Codes.invalidDeclaration, backends.length
                            ? `unknown ${p} backend '${decl.backend}': expected ${oneOf(backends)}`
                            : `cni ${p} takes no backend ('${decl.backend}')`, propertySpan(decl, 'backend'));
                        backend = backends[0] ?? 'none';
                    } else backend = b;
                }
            }
        }
        const settings = new Map<string, ast.Setting>();
        for (const s of decl?.options ?? []) {
            if (settings.has(s.key)) {
                this.error(Codes.invalidDeclaration, `${s.key} is given twice in the cni block`, spanOf(s), {
                    related: [{ span: spanOf(settings.get(s.key))!, message: `first ${s.key}` }],
                });
            } else settings.set(s.key, s);
        }
        const allowed: Record<string, string[]> = {
            flannel: ['vni', 'port', 'ipMasq'],
            calico: ['blockSize', 'ipipMode', 'natOutgoing', 'vni', 'port'],
            bridge: [], none: [],
        };
        const num = (key: string, dflt: number, min: number, max: number): number => {
            const s = settings.get(key);
            if (!s) return dflt;
            if (typeof s.value !== 'number' || s.value < min || s.value > max) {
                this.error(Codes.invalidDeclaration, `${key} takes a number from ${min} to ${max}, not '${s.value}'`, propertySpan(s, 'value'));
                return dflt;
            }
            return s.value;
        };
        const bool = (key: string, dflt: boolean): boolean => {
            const s = settings.get(key);
            if (!s) return dflt;
            const v = pick(String(s.value), ['true', 'false'] as const);
            if (!v) {
                this.error(Codes.invalidDeclaration, `${key} takes true or false, not '${s.value}'`, propertySpan(s, 'value'));
                return dflt;
            }
            return v === 'true';
        };
        for (const [key, s] of settings) {
            if (!allowed[plugin].includes(key)) {
                this.error(Codes.invalidDeclaration, `${key} is not a setting of cni ${plugin}${allowed[plugin].length ? ` (it takes ${oneOf(allowed[plugin])})` : ''}`, propertySpan(s, 'key'));
            }
        }
        const calicoVxlan = plugin === 'calico' && backend === 'vxlan';
        const vni = num('vni', calicoVxlan ? CALICO_VXLAN_VNI : 1, 0, 16777215);
        const port = num('port', calicoVxlan ? CALICO_VXLAN_PORT : backend === 'udp' ? 8285 : 8472, 1, 65535);
        let ipipMode: CniConfig['ipipMode'] = 'Always';
        const modeSetting = settings.get('ipipMode');
        if (modeSetting) {
            const m = pick(String(modeSetting.value), ['Always', 'CrossSubnet', 'Never'] as const);
            if (!m) this.error(Codes.invalidDeclaration, `ipipMode takes Always, CrossSubnet or Never, not '${modeSetting.value}'`, propertySpan(modeSetting, 'value'));
            else ipipMode = m;
        }
        const overhead = backend === 'vxlan' ? 50 : backend === 'udp' ? 28 : backend === 'ipip' && ipipMode !== 'Never' ? 20 : 0;
        return {
            plugin, backend, vni, port, ipMasq: bool('ipMasq', true), blockSize: num('blockSize', 26, 20, 32),
            ipipMode, natOutgoing: bool('natOutgoing', true), overhead, origin: o,
        };
    }

    private proxy(decl: ast.KubeProxy | undefined): ProxyConfig {
        let mode: ProxyMode = 'iptables';
        let scheduler: IpvsScheduler = 'rr';
        let masqueradeAll = false;
        if (decl) {
            const m = pick(decl.mode, PROXY_MODES);
            if (!m) this.error(Codes.invalidDeclaration, `unknown kube-proxy mode '${decl.mode}': expected ${oneOf(PROXY_MODES)}`, propertySpan(decl, 'mode'));
            else mode = m;
            this.once(decl.options, ast.isProxyScheduler, 'scheduler', 'proxy');
            this.once(decl.options, ast.isProxyMasqueradeAll, 'masqueradeAll', 'proxy');
            for (const o of decl.options) {
                if (ast.isProxyScheduler(o)) {
                    const s = pick(o.scheduler, SCHEDULERS);
                    if (!s) this.error(Codes.invalidDeclaration, `unknown IPVS scheduler '${o.scheduler}': expected ${oneOf(SCHEDULERS)}`, propertySpan(o, 'scheduler'));
                    else scheduler = s;
                    if (mode !== 'ipvs') this.error(Codes.invalidDeclaration, `a scheduler applies to proxy ipvs only, not ${mode}`, spanOf(o));
                } else if (ast.isProxyMasqueradeAll(o)) {
                    masqueradeAll = true;
                    if (mode !== 'iptables' && mode !== 'nftables') this.error(Codes.invalidDeclaration, `masqueradeAll applies to proxy iptables and nftables, not ${mode}`, spanOf(o));
                }
            }
        }
        return { mode, masqueradeAll, scheduler, origin: origin(decl) };
    }

    /** As `keptOrBuilt` for nodes: a network is kept while its block is, so the nodes on it can be. */
    private keptNetwork(decl: ast.Network): Network | undefined {
        const kept = keptNetworks.get(decl);
        if (kept) return kept;
        const before = this.findings.length;
        const n = this.network(decl);
        if (n && this.findings.length === before) keptNetworks.set(decl, n);
        return n;
    }

    private network(decl: ast.Network): Network | undefined {
        const c = this.prefix(decl, 'cidr', decl.cidr);
        if (!decl.name) return undefined;
        const where = `network ${decl.name}`;
        const mtu = this.once(decl.options, ast.isNetworkMtu, 'mtu', where);
        const gateway = this.once(decl.options, ast.isNetworkGateway, 'gateway', where);
        const kind = this.once(decl.options, ast.isNetworkKind, 'kind', where);
        const limit = this.once(decl.options, ast.isNetworkRouteLimit, 'routeLimit', where);
        let k: Network['kind'] = 'l2';
        if (kind) {
            const v = pick(kind.kind, ['l2', 'routed'] as const);
            if (!v) this.error(Codes.invalidDeclaration, `unknown network kind '${kind.kind}': expected l2 or routed`, propertySpan(kind, 'kind'));
            else k = v;
        }
        if (mtu && (mtu.mtu < 68 || mtu.mtu > 65535)) {
            this.error(Codes.invalidDeclaration, `mtu ${mtu.mtu} is outside what IPv4 allows (68–65535)`, propertySpan(mtu, 'mtu'));
        }
        return {
            name: decl.name, cidr: c ?? cidr(0, 32), mtu: mtu && mtu.mtu >= 68 ? mtu.mtu : 1500, mtuDeclared: !!mtu,
            gateway: gateway ? this.ip(gateway, 'address', gateway.address) : undefined, kind: k, routeLimit: limit?.limit,
            origin: origin(decl),
            spans: partSpans({
                name: [decl, 'name'], cidr: [decl, 'cidr'], mtu: [mtu, 'mtu'], gateway: [gateway, 'address'], routeLimit: [limit, 'limit'],
            }),
        };
    }

    // ------------------------------------------------------------ nodes

    /**
     * The node of the last build of this block, while it still holds: the block is the same
     * AST object (an edit re-parses only the block it falls in), the networks and the CNI
     * (which names the host-side veths) are the same. Else a new one, kept for the next
     * build if it reported nothing (a finding holds offsets, which edits above it move).
     */
    private keptOrBuilt(decl: ast.Node, networks: readonly Network[], networkByName: Map<string, Network>, plugin: CniPlugin): NodeImpl {
        const kept = keptNodes.get(decl);
        if (kept && kept.plugin === plugin && sameList(kept.networks, networks)) return kept.node;
        const before = this.findings.length;
        const node = this.node(decl, networkByName);
        if (this.findings.length === before) keptNodes.set(decl, { node, networks, plugin });
        else keptNodes.delete(decl);
        return node;
    }

    private node(decl: ast.Node, networks: Map<string, Network>): NodeImpl {
        const where = `node ${decl.name}`;
        const addresses: NodeAddress[] = [];
        for (const item of decl.items) {
            if (!exact.NodeAddress(item)) continue;
            const network = item.network?.ref ? networks.get(item.network.ref.name) : undefined;
            const { ip, length } = this.addressOrPrefix(item, 'address', item.address);
            if (ip === undefined || !network) continue;
            addresses.push({ address: ip, length: length ?? network.cidr.length, network, nic: item.dev ?? 'eth0', spans: new AddressSpans(item) });
        }
        const podCidrDecl = this.once(decl.items, exact.PodCidr, 'podCIDR', where);
        const podCidr = podCidrDecl ? this.prefix(podCidrDecl, 'cidr', podCidrDecl.cidr) : undefined;
        const blocks: Cidr[] = [];
        const blockDecls: ast.Block[] = [];
        for (const item of decl.items) {
            if (!exact.Block(item)) continue;
            const b = this.prefix(item, 'cidr', item.cidr);
            if (b) { blocks.push(b); blockDecls.push(item); }
        }
        let sysctls: Sysctls = KUBEADM_SYSCTLS;
        for (const item of decl.items) {
            if (!exact.Sysctl(item)) continue;
            const eq = item.setting.indexOf('=');
            const r = applySysctl(sysctls, item.setting.slice(0, eq), item.setting.slice(eq + 1));
            if (r.error) this.error(Codes.invalidDeclaration, r.error, propertySpan(item, 'setting'));
            sysctls = r.sysctls;
        }
        const declaredLinks: Link[] = [];
        for (const item of decl.items) {
            if (exact.Link(item)) {
                const l = this.link(item, addresses);
                if (!l) continue;
                const twin = declaredLinks.find(d => d.name === l.name);
                if (twin) {
                    this.error(Codes.invalidDeclaration, `link ${l.name} is declared twice on ${decl.name}`, propertySpan(item, 'name'), {
                        related: [{ span: propertySpan(twin.origin.ast as AstNode, 'name')!, message: `first link ${l.name}` }],
                    });
                    continue;
                }
                declaredLinks.push(l);
            }
        }
        const routesDecl = this.once(decl.items, exact.Routes, 'routes block', where);
        const declaredRoutes = routesDecl ? this.routes(routesDecl) : undefined;
        const node = new NodeImpl({
            name: decl.name, origin: origin(decl), addresses, podCidr, declaredBlocks: blocks, blocksDeclared: blocks.length > 0, declaredLinks,
            declaredRoutes, sysctls, pods: [],
        }, { node: decl, podCidr: podCidrDecl, blocks: blockDecls, routes: routesDecl });
        for (const item of decl.items) {
            if (exact.Pod(item) && item.name) node.pods.push(this.pod(item, node));
        }
        return node;
    }

    private link(decl: ast.Link, addresses: NodeAddress[]): Link | undefined {
        if (!decl.name) return undefined;
        const kind = pick(decl.kind, LINK_KINDS);
        if (!kind) {
            this.error(Codes.invalidDeclaration, `unknown link kind '${decl.kind}': expected ${oneOf(LINK_KINDS)}`, propertySpan(decl, 'kind'));
        }
        const where = `link ${decl.name}`;
        const get = <T extends AstNode>(is: (n: AstNode) => n is T, what: string) => this.once(decl.options, is, what, where);
        const mtu = get(ast.isLinkMtu, 'mtu');
        const vni = get(ast.isLinkVni, 'vni');
        const port = get(ast.isLinkPort, 'port');
        const parent = get(ast.isLinkParent, 'dev');
        const master = get(ast.isLinkMaster, 'master');
        const peer = get(ast.isLinkPeer, 'peer');
        const vlanId = get(ast.isLinkVlanId, 'id');
        const local = get(ast.isLinkLocal, 'local');
        const remote = get(ast.isLinkRemote, 'remote');
        const addrs: Cidr[] = [];
        const addrDecls: ast.LinkAddress[] = [];
        for (const o of decl.options) {
            if (ast.isLinkAddress(o)) {
                const c = this.prefix(o, 'cidr', o.cidr);
                if (c) { addrs.push(c); addrDecls.push(o); }
            }
        }
        const parentMtu = addresses.find(a => a.nic === parent?.parent)?.network.mtu ?? addresses[0]?.network.mtu ?? 1500;
        const k: LinkKind = kind ?? 'dummy';
        const overhead = k === 'vxlan' ? 50 : k === 'ipip' ? 20 : k === 'gre' ? 24 : k === 'vlan' ? 0 : 0;
        const nic = addresses.find(a => a.nic === decl.name);
        return {
            name: decl.name, kind: k, mtu: mtu?.mtu ?? (overhead || k === 'vlan' ? parentMtu - overhead : nic?.network.mtu ?? 1500),
            addresses: addrs.length ? addrs : nic ? [cidr(nic.address, nic.length)] : [], master: master?.bridge,
            peer: peer ? { namespace: '', device: peer.peer } : undefined, vni: vni?.vni, port: port?.port, parent: parent?.parent,
            vlanId: vlanId?.id, local: local ? this.ip(local, 'address', local.address) : undefined,
            remote: remote ? this.ip(remote, 'address', remote.address) : undefined, network: nic?.network.name,
            origin: origin(decl),
            spans: Object.defineProperty(partSpans({
                name: [decl, 'name'], kind: [decl, 'kind'], mtu: [mtu, 'mtu'], master: [master, 'bridge'], parent: [parent, 'parent'],
                vni: [vni, 'vni'], port: [port, 'port'], peer: [peer, 'peer'],
            }), 'addresses', { enumerable: true, get: () => addrDecls.length ? addrDecls.map(o => propertySpan(o, 'cidr')) : undefined }),
        };
    }

    private routes(decl: ast.Routes): Route[] {
        const out: Route[] = [];
        for (const r of decl.routes) {
            const built = this.route(r);
            if (built) out.push(built);
        }
        return out;
    }

    private route(decl: ast.Route): Route | undefined {
        const isDefault = decl.destination === 'default';
        let destination: Cidr | undefined;
        if (isDefault) destination = cidr(0, 0);
        else destination = this.prefix(decl, 'destination', decl.destination);
        if (!destination) return undefined;
        const where = 'this route';
        const get = <T extends AstNode>(is: (n: AstNode) => n is T, what: string) => this.once(decl.attributes, is, what, where);
        const via = get(exact.RouteVia, 'via');
        const dev = get(exact.RouteDev, 'dev');
        const proto = get(exact.RouteProto, 'proto');
        const scope = get(exact.RouteScope, 'scope');
        const src = get(exact.RouteSrc, 'src');
        const metric = get(exact.RouteMetric, 'metric');
        const table = get(exact.RouteTable, 'table');
        const mtu = get(exact.RouteMtu, 'mtu');
        const pref = get(exact.RoutePref, 'pref');
        const expires = get(exact.RouteExpires, 'expires');
        const flags = new Set(decl.attributes.filter(exact.RouteFlag).map(f => f.flag));
        const nexthops: Nexthop[] = [];
        for (const nh of decl.attributes.filter(exact.Nexthop)) {
            const nvia = nh.attributes.find(exact.RouteVia);
            const ndev = nh.attributes.find(exact.RouteDev);
            const w = nh.attributes.find(exact.NexthopWeight);
            const nflags = new Set(nh.attributes.filter(exact.RouteFlag).map(f => f.flag));
            nexthops.push({
                gateway: nvia ? this.ip(nvia, 'gateway', nvia.gateway) : undefined, dev: ndev?.dev, weight: w?.weight ?? 1,
                onlink: nflags.has('onlink'), dead: nflags.has('dead'), linkdown: nflags.has('linkdown'), get span() { return spanOf(nh); },
            });
        }
        const tableName = table ? String(table.table) : decl.type === 'local' || decl.type === 'broadcast' ? 'local' : 'main';
        return {
            type: (decl.type ?? 'unicast') as RouteType, destination, isDefault,
            gateway: via ? this.ip(via, 'gateway', via.gateway) : undefined, dev: dev?.dev,
            proto: proto !== undefined ? String(proto.proto) : undefined, scope: scope !== undefined ? String(scope.scope) : undefined,
            src: src ? this.ip(src, 'address', src.address) : undefined, metric: metric?.metric,
            table: tableName === '254' ? 'main' : tableName === '255' ? 'local' : tableName,
            mtu: mtu?.mtu, mtuLocked: mtu?.locked, pref: pref?.pref, expires: expires !== undefined ? String(expires.expires) : undefined,
            onlink: flags.has('onlink'), linkdown: flags.has('linkdown'), dead: flags.has('dead'),
            nexthops: nexthops.length ? nexthops : undefined, origin: origin(decl),
            spans: new RouteSpans(decl, via, dev, src),
        };
    }

    // ------------------------------------------------------------ pods

    private pod(decl: ast.Pod, node: NodeImpl): PodImpl {
        const opts = decl.options;
        this.reportRepeated(opts, POD_OPTIONS, `pod ${decl.name}`);
        const mtu = opts.find(exact.PodMtu);
        const iface = opts.find(exact.PodIface);
        const hostNetwork = opts.some(exact.PodHostNetwork);
        const noNetwork = opts.some(exact.PodNoNetwork);
        const routesDecl = opts.find(exact.Routes);
        const namespace = podNamespace(decl);
        const address = decl.address !== undefined ? this.ip(decl, 'address', decl.address) : undefined;
        if (hostNetwork && decl.address !== undefined) {
            this.error(Codes.invalidDeclaration, `pod ${decl.name} uses hostNetwork: it shares ${node.name}'s namespace and address and has no IP of its own`,
                propertySpan(decl, 'address'), { fixes: [{ title: `Remove the address of hostNetwork pod ${decl.name}`, edits: [{ span: propertySpan(decl, 'address')!, newText: '' }] }] });
        }
        if (noNetwork && decl.address !== undefined) {
            this.error(Codes.invalidDeclaration, `pod ${decl.name} has 'network none': it has no interface to hold an address`, propertySpan(decl, 'address'));
        }
        if (hostNetwork && noNetwork) {
            this.error(Codes.invalidDeclaration, `pod ${decl.name} cannot be both hostNetwork and 'network none'`, spanOf(opts.find(exact.PodNoNetwork)));
        }
        if (!hostNetwork && !noNetwork && decl.address === undefined) {
            this.error(Codes.invalidDeclaration, `pod ${decl.name} needs an address (or hostNetwork, or 'network none')`, propertySpan(decl, 'name'));
        }
        return new PodImpl(decl, node, namespace, hostNetwork || noNetwork ? undefined : address, mtu?.mtu,
            hostNetwork, noNetwork, iface?.iface, routesDecl ? this.routes(routesDecl) : undefined);
    }

    // ------------------------------------------------------------ services

    /**
     * A service block an edit left alone (the same AST object, built without findings) is
     * not read again: its parts are the last build's. Its endpoints are chosen afresh for
     * every version, since the pods they are made of may have been rebuilt.
     */
    private keptOrBuiltService(decl: ast.Service, byAst: ModelByAst, selecting: Selecting[]): Service {
        let parts = keptServices.get(decl);
        if (!parts) {
            const before = this.findings.length;
            parts = this.serviceParts(decl);
            if (this.findings.length === before) keptServices.set(decl, parts);
        }
        let endpoints: Pod[] = [];
        if (parts.endpointsDecl) {
            endpoints = parts.endpointsDecl.endpoints.map(r => r.ref).filter((p): p is ast.Pod => !!p)
                .map(p => byAst.get(p)).filter((p): p is Pod => p instanceof PodImpl);
        }
        const service = new ServiceImpl(parts, endpoints);
        // Given by `selectEndpoints`, in one pass over the pods for every service.
        if (!parts.endpointsDecl && parts.selectorKeys) selecting.push({ decl, namespace: parts.namespace, keys: parts.selectorKeys, values: parts.selectorValues!, service });
        return service;
    }

    private serviceParts(decl: ast.Service): ServiceParts {
        const items = decl.items;
        this.reportRepeated(items, SERVICE_ITEMS, `service ${decl.name}`);
        // One pass over the items (10,000 services in a large file); the first of each kind counts.
        let typeDecl: ast.ServiceType | undefined, ipDecl: ast.ServiceClusterIp | undefined, selectorDecl: ast.ServiceSelector | undefined;
        let endpointsDecl: ast.ServiceEndpoints | undefined, policyDecl: ast.ServiceTrafficPolicy | undefined, affinityDecl: ast.ServiceAffinity | undefined;
        let namespace = 'default';
        let namespaceSeen = false;
        const portDecls: ast.ServicePort[] = [];
        for (const item of items) {
            switch (item.$type) {
                case 'ServiceType': typeDecl ??= item; break;
                case 'ServiceNamespace': if (!namespaceSeen) { namespaceSeen = true; namespace = item.namespace; } break;
                case 'ServiceClusterIp': ipDecl ??= item; break;
                case 'ServiceSelector': selectorDecl ??= item; break;
                case 'ServiceEndpoints': endpointsDecl ??= item; break;
                case 'ServiceTrafficPolicy': policyDecl ??= item; break;
                case 'ServiceAffinity': affinityDecl ??= item; break;
                case 'ServicePort': portDecls.push(item); break;
            }
        }
        let type: ServiceType = 'ClusterIP';
        if (typeDecl) {
            const t = pick(typeDecl.type, SERVICE_TYPES);
            if (!t) this.error(Codes.invalidDeclaration, `unknown service type '${typeDecl.type}': expected ${oneOf(SERVICE_TYPES)}`, propertySpan(typeDecl, 'type'));
            else type = t;
        }
        let clusterIP: Ip | undefined;
        let headless = false;
        if (ipDecl) {
            if (ipDecl.address !== undefined) clusterIP = this.ip(ipDecl, 'address', ipDecl.address);
            else if (ipDecl.word?.toLowerCase() === 'none') headless = true;
            else this.error(Codes.invalidDeclaration, `clusterIP takes an address or None, not '${ipDecl.word}'`, propertySpan(ipDecl, 'word'));
        }
        const ports: ServicePort[] = [];
        for (const p of portDecls) {
            let protocol: Protocol = 'tcp';
            if (p.protocol !== undefined) {
                const pr = pick(p.protocol, PROTOCOLS);
                if (!pr) this.error(Codes.invalidDeclaration, `unknown protocol '${p.protocol}': expected TCP, UDP or SCTP`, propertySpan(p, 'protocol'));
                else protocol = pr;
            }
            for (const [value, prop] of [[p.port, 'port'], [p.targetPort, 'targetPort'], [p.nodePort, 'nodePort']] as const) {
                if (value !== undefined && (value < 1 || value > 65535)) {
                    this.error(Codes.invalidDeclaration, `${prop} ${value} is not a port (1–65535)`, propertySpan(p, prop));
                }
            }
            if (p.nodePort !== undefined && type === 'ClusterIP') {
                this.error(Codes.invalidDeclaration, `service ${decl.name} is of type ClusterIP: a nodePort needs type NodePort or LoadBalancer`, propertySpan(p, 'nodePort'));
            }
            ports.push(new ServicePortImpl(p, protocol));
        }
        if (selectorDecl && endpointsDecl) {
            this.error(Codes.invalidDeclaration, `service ${decl.name} has both a selector and explicit endpoints: give one`, spanOf(endpointsDecl));
        }
        let policy: Service['externalTrafficPolicy'] = 'Cluster';
        if (policyDecl) {
            const p = pick(policyDecl.policy, ['Cluster', 'Local'] as const);
            if (!p) this.error(Codes.invalidDeclaration, `externalTrafficPolicy takes Cluster or Local, not '${policyDecl.policy}'`, propertySpan(policyDecl, 'policy'));
            else policy = p;
        }
        let affinity: Service['sessionAffinity'] = 'None';
        if (affinityDecl) {
            const a = pick(affinityDecl.affinity, ['None', 'ClientIP'] as const);
            if (!a) this.error(Codes.invalidDeclaration, `sessionAffinity takes None or ClientIP, not '${affinityDecl.affinity}'`, propertySpan(affinityDecl, 'affinity'));
            else affinity = a;
        }
        const selector = selectorDecl ? labelMap(selectorDecl.labels) : undefined;
        const selects = !endpointsDecl && selector !== undefined && selector.size > 0;
        return {
            decl, key: `${namespace}/${decl.name}`, namespace, type, clusterIP, ipDecl, headless, ports, selector, selectorDecl,
            externalTrafficPolicy: policy, sessionAffinity: affinity, endpointsDecl,
            selectorKeys: selects ? [...selector.keys()] : undefined, selectorValues: selects ? [...selector.values()] : undefined,
        };
    }

    private host(decl: ast.Host, networks: Map<string, Network>, netnsById: Map<string, Netns>): Host | undefined {
        const address = this.ip(decl, 'address', decl.address);
        if (address === undefined || !decl.name) return undefined;
        const network = decl.network?.ref ? networks.get(decl.network.ref.name) : undefined;
        return new HostImpl({ name: decl.name, address, addressSpan: propertySpan(decl, 'address'), network, origin: origin(decl) }, netnsById);
    }

    // ------------------------------------------------------------ flows

    private flow(decl: ast.Flow, astToModel: ModelByAst): Flow {
        const srcRef = decl.source?.endpoint;
        const dst = decl.destination;
        const srcNode = srcRef?.ref;
        let source: FlowSource | undefined;
        const srcModel = srcNode ? astToModel.get(srcNode) : undefined;
        // Spans are found where an error needs one (and by the model's users, when asked).
        const sourceSpan = () => propertySpan(decl.source, 'endpoint');
        if (srcModel && ast.isPod(srcNode)) {
            source = { kind: 'pod', pod: srcModel as Pod, container: decl.source.container };
            if (decl.source.container && !(srcModel as Pod).containers.some(c => c.name === decl.source.container)) {
                this.error(Codes.invalidDeclaration, `pod ${(srcModel as Pod).name} has no container '${decl.source.container}'${(srcModel as Pod).containers.length ? ` (it has ${(srcModel as Pod).containers.map(c => c.name).join(', ')})` : ''}`,
                    propertySpan(decl.source, 'container'));
            }
        } else if (srcModel && ast.isNode(srcNode)) source = { kind: 'node', node: srcModel as Node };
        else if (srcModel && ast.isHost(srcNode)) source = { kind: 'host', host: srcModel as Host };
        else if (srcModel && ast.isService(srcNode)) {
            this.error(Codes.invalidDeclaration, `a service sends nothing itself: a flow starts at a pod, a node or a host`, sourceSpan());
        }
        if (decl.source?.container && source && source.kind !== 'pod') {
            this.error(Codes.invalidDeclaration, `only a pod has containers`, propertySpan(decl.source, 'container'));
        }
        let target: FlowTarget | undefined;
        const targetSpan = () => dst?.endpoint ? propertySpan(dst, 'endpoint') : propertySpan(dst, 'address');
        if (dst?.address !== undefined) {
            const a = this.ip(dst, 'address', dst.address);
            if (a !== undefined) target = { kind: 'address', address: a };
        } else if (dst?.endpoint?.ref) {
            const m = astToModel.get(dst.endpoint.ref);
            const refText = dst.endpoint.$refText;
            if (m && ast.isService(dst.endpoint.ref)) {
                const root = this.root;
                const match = findService(nameIndex(root), refText + (dst.rooted ? '.' : ''), sourceNamespace(decl.source));
                const dnsName = match?.dnsName ?? (refText.includes('.') ? refText : undefined);
                target = { kind: 'service', service: m as Service, dnsName: dnsName ? dnsName + (dst.rooted && !dnsName.endsWith('.') ? '.' : '') : undefined };
                if (dnsName && source && source.kind !== 'pod') {
                    this.error(Codes.invalidDeclaration, `${source.kind}s do not use cluster DNS: '${refText}' does not resolve from ${source.kind === 'node' ? source.node.name : source.host.name}; name the service '${(m as Service).name}' or its ClusterIP`,
                        targetSpan(), { fixes: [{ title: `Name the service '${(m as Service).name}'`, edits: [{ span: targetSpan()!, newText: (m as Service).namespace === 'default' ? (m as Service).name : (m as Service).key }] }] });
                }
            } else if (m && exact.Pod(dst.endpoint.ref)) target = { kind: 'pod', pod: m as Pod };
            else if (m && ast.isNode(dst.endpoint.ref)) target = { kind: 'node', node: m as Node };
            else if (m && ast.isHost(dst.endpoint.ref)) target = { kind: 'host', host: m as Host };
        }
        const icmp = decl.options.some(ast.isFlowIcmp);
        const sizeDecl = this.once(decl.options, ast.isFlowSize, 'size', 'this flow');
        this.once(decl.options, ast.isFlowDf, 'df/nodf', 'this flow');
        const dfDecl = decl.options.find(ast.isFlowDf);
        let protocol: Flow['protocol'] = icmp ? 'icmp' : 'tcp';
        if (dst?.protocol !== undefined) {
            const p = pick(dst.protocol, PROTOCOLS);
            if (!p) this.error(Codes.invalidDeclaration, `unknown protocol '${dst.protocol}': expected tcp, udp or sctp`, propertySpan(dst, 'protocol'));
            else if (icmp) this.error(Codes.invalidDeclaration, `an icmp flow has no port protocol`, propertySpan(dst, 'protocol'));
            else protocol = p;
        }
        if (icmp && dst?.port !== undefined) {
            this.error(Codes.invalidDeclaration, `an icmp flow has no port`, propertySpan(dst, 'port'));
        }
        if (!icmp && dst?.port === undefined && target && target.kind !== 'pod' && target.kind !== 'address' || (!icmp && dst?.port === undefined && target?.kind === 'service')) {
            // A TCP flow needs a port; services and nodes are reached on one.
            this.error(Codes.invalidDeclaration, `a ${protocol} flow to ${dst?.endpoint?.$refText ?? dst?.address} needs a port (or write 'icmp')`, targetSpan());
        }
        if (sizeDecl && sizeDecl.size < 28) {
            this.error(Codes.invalidDeclaration, `a flow of ${sizeDecl.size} bytes is smaller than its IP and ICMP/UDP headers (28 bytes): size is the whole IP packet`, propertySpan(sizeDecl, 'size'));
        } else if (sizeDecl && sizeDecl.size > 65535) {
            this.error(Codes.invalidDeclaration, `an IPv4 packet holds at most 65535 bytes, not ${sizeDecl.size}`, propertySpan(sizeDecl, 'size'));
        }
        if (sizeDecl && protocol === 'tcp') {
            this.error(Codes.invalidDeclaration, `size applies to icmp and udp flows: TCP sends segments its MSS allows`, spanOf(sizeDecl));
        }
        const sourceText = this.textOf(decl.source?.$cstNode) ?? '';
        const targetText = this.textOf(dst?.$cstNode) ?? '';
        const text = decl.$cstNode ? this.textOf(decl.$cstNode)!.replace(/^flow\s+/, '').replace(/^[^\s:]+\s*:\s*/, decl.name ? '' : '$&').replace(/\s+/g, ' ') : '';
        const portText = dst?.port !== undefined ? `:${dst.port}` : '';
        const name = decl.name ?? `${decl.source?.endpoint?.$refText ?? '?'} -> ${dst?.endpoint?.$refText ?? dst?.address ?? '?'}${portText}${protocol === 'tcp' ? '' : '/' + protocol}`;
        return {
            name, named: decl.name !== undefined, text: text.trim(), source, target, sourceText, targetText, protocol, port: dst?.port,
            size: sizeDecl?.size, df: dfDecl ? dfDecl.df === 'df' : true, origin: origin(decl),
            spans: partSpans({ name: [decl, 'name'], source: [decl.source, 'endpoint'], target: dst?.endpoint ? [dst, 'endpoint'] : [dst, 'address'], size: [sizeDecl, 'size'] }),
        };
    }
}

/**
 * Every declaration's model object by its AST node. A pod is found through its node's
 * (a node holds tens of pods), so that 150,000 pods are never filed in a Map, which cost
 * ~0.1 s of every build at 5,000 nodes.
 */
class ModelByAst {
    private readonly byDecl = new Map<AstNode, Node | Host | Service>();
    private left?: Set<AstNode>;

    set(decl: AstNode, m: Node | Host | Service): void {
        this.byDecl.set(decl, m);
    }

    /** A pod the model leaves out (its key was taken). */
    leaveOut(pod: ast.Pod): void {
        (this.left ??= new Set()).add(pod);
    }

    /** Whether any pod is left out. */
    leavesOut(): boolean {
        return this.left !== undefined && this.left.size > 0;
    }

    isLeftOut(pod: ast.Pod): boolean {
        return this.left !== undefined && this.left.has(pod);
    }

    get(decl: AstNode): Pod | Node | Host | Service | undefined {
        const m = this.byDecl.get(decl);
        if (m || !exact.Pod(decl) || this.left?.has(decl)) return m;
        const node = decl.$container ? this.byDecl.get(decl.$container) : undefined;
        return node instanceof NodeImpl ? node.pods.find(p => p.decl === decl) : undefined;
    }
}

/** A service waiting for the pods its selector picks. */
interface Selecting {
    readonly decl: ast.Service;
    readonly namespace: string;
    /** The selector's keys and values, in step (read for every candidate pod: no Map iteration). */
    readonly keys: readonly string[];
    readonly values: readonly string[];
    readonly service: ServiceImpl;
}

/**
 * Every service's endpoints in one pass over the pods: services are indexed by one pair of
 * their selector, and each pod's `k=v` strings (as the parser left them) are looked up
 * there. That is one lookup per pod label, rather than an index of 150,000 pods by label
 * or a scan of every pod per service (10,000 services × 150,000 pods). Endpoints keep the
 * pods' order in the file.
 *
 * What a node's pods were picked for is kept per node block and replayed while the block
 * and every selecting service are the same AST objects as when it was worked out (an edit
 * re-parses one block; the others stay as they were). Looking up 150,000 pods' labels is
 * memory-bound, and the largest part of the model build after an edit.
 */
function selectEndpoints(nodes: readonly NodeImpl[], selecting: readonly Selecting[], byAst: ModelByAst): void {
    const selectors = selectorsFor(selecting);
    let byPair: Map<string, Map<string, number[]>> | undefined;
    const picksOfNodes: Int32Array[] = new Array(nodes.length);
    for (let n = 0; n < nodes.length; n++) {
        const node = nodes[n];
        const block = node.origin.ast as ast.Node;
        let memo = picksByBlock.get(block);
        if (memo?.selectors !== selectors) {
            byPair ??= pairIndexFor(selectors, selecting);
            memo = { selectors, picks: picksOf(node.pods, selecting, byPair) };
            picksByBlock.set(block, memo);
        }
        picksOfNodes[n] = memo.picks;
    }
    const leftOut = byAst.leavesOut();
    const last = lastSelection.get(selectors);
    const changed = last && !last.leftOut && !leftOut ? servicesChanged(last.nodes, nodes, selectors, selecting.length) : undefined;
    const endpoints: Pod[][] = new Array(selecting.length);
    for (let s = 0; s < selecting.length; s++) endpoints[s] = changed && !changed[s] ? last!.endpoints[s] : [];
    for (let n = 0; n < nodes.length; n++) {
        const picks = picksOfNodes[n];
        const pods = nodes[n].pods;
        for (let i = 0; i < picks.length; i += 2) {
            const s = picks[i + 1];
            if (changed && !changed[s]) continue;
            const pod = pods[picks[i]];
            if (leftOut && byAst.isLeftOut(pod.decl)) continue;
            endpoints[s].push(pod);
        }
    }
    for (let s = 0; s < selecting.length; s++) selecting[s].service.endpoints = endpoints[s];
    lastSelection.set(selectors, { nodes, endpoints, leftOut });
}

/**
 * Each set of selecting services' (`selectorsFor`'s token) endpoints in the last version
 * built with it, and the nodes they were picked from. A service none of whose pods were on
 * a rebuilt node, old or new, keeps its endpoints array: the pods of kept nodes are the same
 * objects, and unreachable-flow then sees at a glance that its endpoints did not move.
 */
const lastSelection = new WeakMap<object, { readonly nodes: readonly NodeImpl[]; readonly endpoints: readonly Pod[][]; readonly leftOut: boolean }>();

/** Flags, by selecting index, the services a pod of a rebuilt node was picked for (before or now); undefined: all of them. */
function servicesChanged(before: readonly NodeImpl[], now: readonly NodeImpl[], selectors: object, count: number): Uint8Array | undefined {
    if (before.length !== now.length) return undefined;
    const changed = new Uint8Array(count);
    const flag = (node: NodeImpl): boolean => {
        const memo = picksByBlock.get(node.origin.ast as ast.Node);
        if (memo?.selectors !== selectors) return false;
        for (let i = 1; i < memo.picks.length; i += 2) changed[memo.picks[i]] = 1;
        return true;
    };
    for (let n = 0; n < now.length; n++) {
        if (before[n] === now[n]) continue;
        if (!flag(before[n]) || !flag(now[n])) return undefined;
    }
    return changed;
}

const keptNetworks = new WeakMap<ast.Network, Network>();
/** What `keptOrBuilt` keeps of each node block's last build. */
const keptNodes = new WeakMap<ast.Node, { readonly node: NodeImpl; readonly networks: readonly Network[]; readonly plugin: CniPlugin }>();

/** Each node block's picks: (index of the pod in the node, index of the selecting service), in order. */
const picksByBlock = new WeakMap<ast.Node, { readonly selectors: object; readonly picks: Int32Array }>();
/**
 * The selecting services of the last build of each cluster, and the token that stands for
 * them; filed under the first of them, weakly, so that a closed document's AST is not kept.
 */
const selectorsByFirst = new WeakMap<ast.Service, { readonly decls: readonly ast.Service[]; readonly token: object }>();
const NO_SELECTORS = {};

function selectorsFor(selecting: readonly Selecting[]): object {
    if (selecting.length === 0) return NO_SELECTORS;
    const last = selectorsByFirst.get(selecting[0].decl);
    if (last && last.decls.length === selecting.length && selecting.every((s, i) => s.decl === last.decls[i])) return last.token;
    const token = {};
    selectorsByFirst.set(selecting[0].decl, { decls: selecting.map(s => s.decl), token });
    return token;
}

/** The pair index of a set of selecting services (`selectorsFor`'s token), made once while they stand. */
const pairIndexes = new WeakMap<object, Map<string, Map<string, number[]>>>();

function pairIndexFor(selectors: object, selecting: readonly Selecting[]): Map<string, Map<string, number[]>> {
    let byPair = pairIndexes.get(selectors);
    if (!byPair) pairIndexes.set(selectors, byPair = pairIndex(selecting));
    return byPair;
}

function pairIndex(selecting: readonly Selecting[]): Map<string, Map<string, number[]>> {
    const byPair = new Map<string, Map<string, number[]>>();
    selecting.forEach((s, index) => {
        const pair = `${s.keys[0]}=${s.values[0]}`;
        let inNamespace = byPair.get(s.namespace);
        if (!inNamespace) byPair.set(s.namespace, inNamespace = new Map());
        const list = inNamespace.get(pair);
        if (list) list.push(index); else inNamespace.set(pair, [index]);
    });
    return byPair;
}

function picksOf(pods: readonly PodImpl[], selecting: readonly Selecting[], byPair: Map<string, Map<string, number[]>>): Int32Array {
    const picks: number[] = [];
    for (let i = 0; i < pods.length; i++) {
        const p = pods[i];
        if (p.noNetwork || (p.address === undefined && !p.hostNetwork)) continue;
        const inNamespace = byPair.get(p.namespace);
        if (!inNamespace) continue;
        const pairs = p.labelPairs;
        for (const kv of pairs) {
            const wanting = inNamespace.get(kv);
            if (!wanting) continue;
            for (const s of wanting) {
                // A label written twice (app=a,app=a) must not make the pod an endpoint twice.
                if (!alreadyPicked(picks, i, s) && matches(selecting[s], pairs)) picks.push(i, s);
            }
        }
    }
    return Int32Array.from(picks);
}

/** Whether pod `i` was picked for `s` already (a pod has a handful of labels: the picks since it are few). */
function alreadyPicked(picks: readonly number[], i: number, s: number): boolean {
    for (let k = picks.length - 2; k >= 0 && picks[k] === i; k -= 2) if (picks[k + 1] === s) return true;
    return false;
}

/** Whether `pairs` (`k=v`, the last of a key winning) holds every pair of `selector`. */
function matches(selector: Selecting, pairs: readonly string[]): boolean {
    for (let i = 0; i < selector.keys.length; i++) if (labelValue(pairs, selector.keys[i]) !== selector.values[i]) return false;
    return true;
}

function labelValue(pairs: readonly string[], key: string): string | undefined {
    for (let i = pairs.length - 1; i >= 0; i--) {
        const kv = pairs[i];
        if (kv.length > key.length && kv.charCodeAt(key.length) === 61 /* = */ && kv.startsWith(key)) return kv.slice(key.length + 1);
    }
    return undefined;
}

/**
 * Pods by "namespace/name" without a Map of its own: the name index (built for linking)
 * already maps every key to the first pod declaring it, and the model knows that pod by its
 * AST node. `adopt` covers the rare key whose first pod the model left out.
 */
class PodsByKey {
    private adopted?: Map<string, Pod>;

    constructor(private readonly names: NameIndex, private readonly byAst: ModelByAst) { }

    get(key: string): Pod | undefined {
        const adopted = this.adopted?.get(key);
        if (adopted) return adopted;
        const decl = this.names.pods.get(key);
        const p = decl && this.byAst.get(decl);
        return p instanceof PodImpl ? p : undefined;
    }

    has(key: string): boolean {
        return this.get(key) !== undefined;
    }

    adopt(pod: Pod): void {
        (this.adopted ??= new Map()).set(pod.key, pod);
    }
}

/** Calico hands each node blocks from the pod network; we take them in order, skipping declared ones. */
function allocateBlocks(nodes: NodeImpl[], podNetwork: Cidr | undefined, blockSize: number): void {
    if (!podNetwork || blockSize < podNetwork.length) return;
    const taken = new Set<number>();
    for (const n of nodes) for (const b of n.blocks) taken.add(b.network);
    const step = 2 ** (32 - blockSize);
    let next = podNetwork.network;
    for (const n of nodes) {
        if (n.blocks.length > 0) continue;
        while (taken.has(next) && next <= podNetwork.last) next += step;
        if (next > podNetwork.last) return;
        (n.blocks as Cidr[]).push(cidr(next, blockSize));
        taken.add(next);
        next += step;
    }
}

/** What owns addresses in a version: ownership reads nothing else. */
interface Owning {
    readonly nodes: readonly Node[];
    readonly pods: readonly PodImpl[];
    readonly hosts: readonly Host[];
    readonly services: readonly Service[];
    readonly networks: readonly Network[];
    readonly generator: CniGenerator;
    /** Pods the model left out as declared twice: ownership then goes by the pods list, not by nodes. */
    readonly podsLeftOut: boolean;
}

type DeviceAddress = { readonly device: string; readonly address: Ip };

/** One version's ownership, kept to be handed to the next version of the same cluster. */
interface Ownership {
    readonly of: Owning;
    readonly owners: AddressTable<AddressOwner>;
    readonly contested: Set<Ip>;
    /** Each node's CNI device addresses, by the node's place in `of.nodes`. */
    readonly devices: readonly (readonly DeviceAddress[])[];
    /** Where the model that made it reads its table: emptied when the table is handed on. */
    readonly holder: OwnersHolder;
}

/**
 * A model's owner table. A later version of the same cluster takes the table over and
 * patches it for the nodes an edit rebuilt (filling 300,000 owners took ~35 ms an edit at
 * 5,000 nodes); should the older model be asked again, it files its owners anew.
 */
class OwnersHolder {
    constructor(private table: AddressTable<AddressOwner> | undefined, private readonly refill: () => AddressTable<AddressOwner>) { }
    get owners(): AddressTable<AddressOwner> { return this.table ??= this.refill(); }
    handOn(): AddressTable<AddressOwner> | undefined {
        const t = this.table;
        this.table = undefined;
        return t;
    }
}

/** The last ownership of each cluster (a spliced edit keeps the cluster's AST node). */
const lastOwnership = new WeakMap<ast.Cluster, Ownership>();

function serviceOwner(service: Service): AddressOwner { return { kind: 'service', service }; }
function hostOwner(host: Host): AddressOwner { return { kind: 'host', host }; }

/** How owner tables were made since start: patched from the last version, or filed anew (for tests and the benchmark). */
export const ownershipFiled = { patched: 0, anew: 0 };

/** Who owns each routed address, patched from the cluster's last version when an edit allows, else filed anew. */
function ownershipOf(cluster: ast.Cluster | undefined, of: Owning): Ownership {
    const last = cluster ? lastOwnership.get(cluster) : undefined;
    const patched = last && patchedOwnership(last, of);
    if (patched) ownershipFiled.patched++; else ownershipFiled.anew++;
    const made = patched ?? ownership(of);
    if (cluster) lastOwnership.set(cluster, made);
    return made;
}

/** Who owns each routed address: the first declaration wins; duplicates are the checks' business. */
function ownership(of: Owning): Ownership {
    const { nodes, pods, hosts, services, networks, generator } = of;
    const owners = new AddressTable<AddressOwner>(nodes.length * 4 + pods.length + hosts.length + services.length + networks.length);
    const contested = new Set<Ip>();
    const add = (ip: Ip | undefined, owner: AddressOwner) => {
        if (ip === undefined) return;
        if (!owners.claim(ip, owner)) contested.add(ip);
    };
    const devices: DeviceAddress[][] = [];
    for (const n of networks) add(n.gateway, { kind: 'gateway', network: n });
    for (const node of nodes) {
        for (const a of node.addresses) add(a.address, { kind: 'node', node, device: a.nic });
        const own = generator.nodeDeviceAddresses(node);
        devices.push(own);
        for (const d of own) add(d.address, { kind: 'node', node, device: d.device });
    }
    for (const pod of pods) if (pod.address !== undefined) add(pod.address, pod.asOwner);
    for (const host of hosts) add(host.address, hostOwner(host));
    for (const s of services) add(s.clusterIP, serviceOwner(s));
    return { of, owners, contested, devices, holder: new OwnersHolder(owners, () => ownership(of).owners) };
}

/**
 * The last version's table, taken over and patched: the rebuilt nodes' addresses and their
 * pods' out and in, the services' and hosts' owners renewed. Only when nothing was contested
 * before or after (who is first then does not matter), the networks are the same objects,
 * no pod was left out, and every kept node's CNI devices hold the same addresses. Else
 * undefined, and the owners are filed anew.
 */
function patchedOwnership(last: Ownership, of: Owning): Ownership | undefined {
    const before = last.of;
    if (last.contested.size > 0 || of.podsLeftOut || before.podsLeftOut || before.nodes.length !== of.nodes.length) return undefined;
    if (before.networks.length !== of.networks.length || before.networks.some((n, i) => n !== of.networks[i])) return undefined;
    const devices: (readonly DeviceAddress[])[] = [];
    const rebuilt: number[] = [];
    // A kept node's devices are asked for again only where they may depend on other nodes
    // or the CNI's settings changed (5,000 nodes' device lists an edit otherwise).
    const key = of.generator.nodeDevicesKey;
    const sameKey = key !== undefined && key === before.generator.nodeDevicesKey;
    for (let i = 0; i < of.nodes.length; i++) {
        if (of.nodes[i] !== before.nodes[i]) {
            devices.push(of.generator.nodeDeviceAddresses(of.nodes[i]));
            rebuilt.push(i);
        } else if (sameKey) {
            devices.push(last.devices[i]);
        } else {
            const own = of.generator.nodeDeviceAddresses(of.nodes[i]);
            if (!sameDevices(own, last.devices[i])) return undefined;
            devices.push(own);
        }
    }
    const owners = last.holder.handOn();
    if (!owners) return undefined;
    const out = (ip: Ip | undefined, is: (o: AddressOwner) => boolean) => { if (ip !== undefined) owners.delete(ip, is); };
    for (const s of before.services) out(s.clusterIP, o => o.kind === 'service' && o.service === s);
    for (const h of before.hosts) out(h.address, o => o.kind === 'host' && o.host === h);
    for (const i of rebuilt) {
        const node = before.nodes[i];
        const isNode = (o: AddressOwner) => o.kind === 'node' && o.node === node;
        for (const a of node.addresses) out(a.address, isNode);
        for (const d of last.devices[i]) out(d.address, isNode);
        for (const pod of (node as NodeImpl).pods) out(pod.address, o => o.kind === 'pod' && o.pod === pod);
    }
    let clean = true;
    const add = (ip: Ip | undefined, owner: AddressOwner) => { if (ip !== undefined && !owners.claim(ip, owner)) clean = false; };
    for (const i of rebuilt) {
        const node = of.nodes[i] as NodeImpl;
        for (const a of node.addresses) add(a.address, { kind: 'node', node, device: a.nic });
        for (const d of devices[i]) add(d.address, { kind: 'node', node, device: d.device });
        for (const pod of node.pods) if (pod.address !== undefined) add(pod.address, pod.asOwner);
    }
    for (const h of of.hosts) add(h.address, hostOwner(h));
    for (const s of of.services) add(s.clusterIP, serviceOwner(s));
    // Two claims on one address: who came first decides, so the table is filed again in order.
    if (!clean) return undefined;
    return { of, owners, contested: new Set(), devices, holder: new OwnersHolder(owners, () => ownership(of).owners) };
}

function podCount(nodes: readonly NodeImpl[]): number {
    let n = 0;
    for (const node of nodes) n += node.pods.length;
    return n;
}

function sameDevices(a: readonly DeviceAddress[], b: readonly DeviceAddress[] | undefined): boolean {
    if (!b || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i].address !== b[i].address || a[i].device !== b[i].device) return false;
    return true;
}

// ---------------------------------------------------------------- lazily assembled namespaces

type NodeFields = Omit<Node, 'netns' | 'pods' | 'nameSpan' | 'podCidrSpan' | 'blockSpans' | 'routesSpan' | 'blocks'>
    & { pods: PodImpl[]; declaredBlocks: readonly Cidr[] };

/** The declarations a node's spans are found in, when asked (5,000 nodes are built, few reported). */
interface NodeDecls {
    readonly node: ast.Node;
    readonly podCidr?: ast.PodCidr;
    readonly blocks: readonly ast.Block[];
    readonly routes?: ast.Routes;
}

/** Where a node's address line's parts are, found when asked. */
class AddressSpans {
    constructor(private readonly decl: ast.NodeAddress) { }
    get address(): Span | undefined { return propertySpan(this.decl, 'address'); }
    get network(): Span | undefined { return propertySpan(this.decl, 'network'); }
    get nic(): Span | undefined { return propertySpan(this.decl, 'dev'); }
}

/**
 * What a node's namespaces are made with in one version of the model: the CNI's generator
 * (which knows every node) and the version's namespaces. A node kept across versions is
 * handed the new version's.
 */
interface NodeEnv {
    readonly generator: CniGenerator;
    readonly cache: Map<string, Netns>;
}

/**
 * A node and its pods as its block declares them. What depends on the rest of the cluster
 * (the generated namespaces, Calico's allocated blocks) is set per version by `enter`, so
 * a node whose block an edit left alone is kept, pods and all (see `keptNodes`).
 */
class NodeImpl implements Node {
    readonly name!: string;
    readonly origin!: Origin;
    readonly addresses!: readonly NodeAddress[];
    readonly podCidr?: Cidr;
    /** Declared blocks, then (Calico) the one allocated in this version. */
    blocks: readonly Cidr[] = [];
    readonly declaredBlocks!: readonly Cidr[];
    readonly blocksDeclared!: boolean;
    readonly declaredLinks!: readonly Link[];
    readonly declaredRoutes?: readonly Route[];
    readonly sysctls!: Sysctls;
    readonly pods!: PodImpl[];
    env!: NodeEnv;

    constructor(fields: NodeFields, private readonly decls: NodeDecls) {
        Object.assign(this, fields);
    }

    /** Takes the node into a version of the model. */
    enter(env: NodeEnv): void {
        this.env = env;
        this.blocks = this.blocksDeclared ? this.declaredBlocks : [];
    }

    private get generator(): CniGenerator { return this.env.generator; }

    get nameSpan(): Span | undefined { return propertySpan(this.decls.node, 'name'); }
    get podCidrSpan(): Span | undefined { return propertySpan(this.decls.podCidr, 'cidr'); }
    get blockSpans(): readonly (Span | undefined)[] { return this.decls.blocks.map(b => propertySpan(b, 'cidr')); }
    get routesSpan(): Span | undefined { return spanOf(this.decls.routes); }

    netns(): Netns {
        const id = `node:${this.name}`;
        const cache = this.env.cache;
        let ns = cache.get(id);
        if (ns) return ns;
        const links = new Map<string, Link>();
        const kubelet = derivedOrigin('kubelet', this.origin);
        for (const a of this.addresses) {
            const existing = links.get(a.nic);
            const addr = cidr(a.address, a.length);
            links.set(a.nic, existing ? { ...existing, addresses: [...existing.addresses, addr] }
                : { name: a.nic, kind: 'nic', mtu: a.network.mtu, addresses: [addr], network: a.network.name, origin: kubelet });
        }
        for (const l of this.generator.nodeLinks(this)) links.set(l.name, l);
        for (const pod of this.pods) {
            if (pod.hostNetwork || pod.noNetwork) continue;
            const plumbing = this.generator.pod(pod);
            links.set(pod.hostIface, {
                name: pod.hostIface, kind: 'veth', mtu: pod.mtu ?? plumbing.mtu, addresses: [], master: plumbing.master,
                peer: { namespace: `pod:${pod.key}`, device: 'eth0' }, proxyArp: !plumbing.master,
                origin: derivedOrigin(this.generator.author, pod.origin),
            });
        }
        // Declared links replace generated ones of the same name (keeping what the file leaves unsaid).
        for (const l of this.declaredLinks) {
            const generated = links.get(l.name);
            links.set(l.name, generated ? {
                ...generated, ...Object.fromEntries(Object.entries(l).filter(([, v]) => v !== undefined)),
                addresses: l.addresses.length ? l.addresses : generated.addresses,
            } as Link : l);
        }
        // Entries every node holds alike toward the others are shared, not rebuilt per node.
        const shared = this.generator.sharedRemote?.(this);
        let routes: Route[];
        let sharedMain: { table: RouteTable; hidden: ReadonlySet<Route> } | undefined;
        if (this.declaredRoutes) {
            routes = [...this.declaredRoutes];
        } else {
            routes = [];
            const p = this.addresses[0];
            if (p?.network.gateway !== undefined) routes.push(defaultRoute(p.network.gateway, p.nic, kubelet));
            if (shared && this.generator.localRoutes) {
                routes.push(...this.generator.localRoutes(this));
                sharedMain = { table: shared.table, hidden: shared.ownRoutes(this) };
            } else {
                routes.push(...this.generator.nodeRoutes(this));
            }
        }
        let neigh: NeighborTable;
        if (shared) neigh = shared.neighborsOf(this);
        else {
            const { neighbors, fdb } = this.generator.nodeNeighbors(this);
            neigh = NeighborTable.of(neighbors, fdb);
        }
        ns = assembleNetns({
            id, kind: 'node', name: this.name, links: [...links.values()], routes, routesDeclared: !!this.declaredRoutes,
            sharedMain, neigh, sysctls: this.sysctls,
        });
        cache.set(id, ns);
        return ns;
    }
}

/**
 * A pod as a view over its line in the file: the few facts the hot paths read (address,
 * key, flags) are stored; spans, labels, containers and its origin are read off the AST
 * when asked. A 5,000-node file has 150,000 pods, and copying every token's span and every
 * label into the model cost more memory than the rest of the model together.
 */
class PodImpl implements Pod {
    private origin_?: Origin;
    private labels_?: ReadonlyMap<string, string>;
    private containers_?: readonly Container[];
    private generatedIface?: string;
    private key_?: string;
    private owner_?: AddressOwner;

    constructor(
        readonly decl: ast.Pod,
        readonly node: NodeImpl,
        readonly namespace: string,
        readonly address: Ip | undefined,
        readonly mtu: number | undefined,
        readonly hostNetwork: boolean,
        readonly noNetwork: boolean,
        private readonly iface: string | undefined,
        readonly declaredRoutes: readonly Route[] | undefined,
    ) { }

    private get generator(): CniGenerator { return this.node.env.generator; }

    get name(): string { return this.decl.name; }
    /** The pod as its address's owner: made once, and kept with the pod across versions. */
    get asOwner(): AddressOwner { return this.owner_ ??= { kind: 'pod', pod: this }; }
    /** "namespace/name", made when first asked for (most of 150,000 pods never are). */
    get key(): string { return this.key_ ??= `${this.namespace}/${this.decl.name}`; }
    get nameSpan(): Span | undefined { return propertySpan(this.decl, 'name'); }
    get addressSpan(): Span | undefined { return propertySpan(this.decl, 'address'); }
    get mtuSpan(): Span | undefined { return propertySpan(this.decl.options.find(exact.PodMtu), 'mtu'); }
    get hostIfaceDeclared(): boolean { return this.iface !== undefined; }
    get origin(): Origin { return this.origin_ ??= origin(this.decl); }

    /** The `k=v` pairs as written (the last one of a key wins, as in a Map). */
    get labelPairs(): readonly string[] {
        return this.decl.options.find(exact.PodLabels)?.labels ?? NO_LABELS;
    }

    get labels(): ReadonlyMap<string, string> {
        return this.labels_ ??= labelMap(this.labelPairs);
    }

    get hostPort(): { readonly host: number; readonly container: number } | undefined {
        const h = this.decl.options.find(exact.PodHostPort);
        return h ? { host: h.hostPort, container: h.containerPort } : undefined;
    }

    get containers(): readonly Container[] {
        return this.containers_ ??= this.decl.options.find(exact.PodContainers)?.containers.map(c => ({ name: c.name, port: c.port })) ?? NO_CONTAINERS;
    }

    /** The declared name, or the CNI's (a hash of the key, so kept once asked for). */
    get hostIface(): string {
        return this.iface ?? (this.generatedIface ??= this.generator.hostIface(this));
    }

    netns(): Netns {
        if (this.hostNetwork) return this.node.netns();
        const id = `pod:${this.key}`;
        const cache = this.node.env.cache;
        let ns = cache.get(id);
        if (ns) return ns;
        const o = derivedOrigin(this.generator.author, this.origin);
        const links: Link[] = [];
        let routes: Route[] = [];
        if (!this.noNetwork) {
            const plumbing = this.generator.pod(this);
            links.push({
                name: 'eth0', kind: 'veth', mtu: this.mtu ?? plumbing.mtu,
                addresses: this.address !== undefined ? [cidr(this.address, plumbing.addressLength)] : [],
                peer: { namespace: `node:${this.node.name}`, device: this.hostIface }, origin: o,
            });
            routes = this.declaredRoutes ? [...this.declaredRoutes] : plumbing.routes;
        }
        ns = assembleNetns({
            id, kind: 'pod', name: this.name, links, routes, routesDeclared: !!this.declaredRoutes, sysctls: { ipForward: false, bridgeNfCallIptables: false, rpFilter: 0 },
        });
        cache.set(id, ns);
        return ns;
    }
}

/** What a service block says, read once and kept while the block is the same AST object. */
interface ServiceParts {
    readonly decl: ast.Service;
    readonly key: string;
    readonly namespace: string;
    readonly type: ServiceType;
    readonly clusterIP: Ip | undefined;
    readonly ipDecl: ast.ServiceClusterIp | undefined;
    readonly headless: boolean;
    readonly ports: readonly ServicePort[];
    readonly selector: ReadonlyMap<string, string> | undefined;
    readonly selectorDecl: ast.ServiceSelector | undefined;
    readonly externalTrafficPolicy: 'Cluster' | 'Local';
    readonly sessionAffinity: 'None' | 'ClientIP';
    readonly endpointsDecl: ast.ServiceEndpoints | undefined;
    /** The selector's keys and values, in step, when the endpoints are selected. */
    readonly selectorKeys: readonly string[] | undefined;
    readonly selectorValues: readonly string[] | undefined;
    /** Made when first asked, then shared by every version's service. */
    origin?: Origin;
}

const keptServices = new WeakMap<ast.Service, ServiceParts>();

/**
 * One version's service: the block's parts and the endpoints chosen for this version. Its
 * spans are found when asked for (most of 10,000 services never are).
 */
class ServiceImpl implements Service {
    readonly key: string;
    readonly namespace: string;
    readonly type: ServiceType;
    readonly clusterIP: Ip | undefined;
    readonly headless: boolean;
    readonly ports: readonly ServicePort[];
    readonly selector: ReadonlyMap<string, string> | undefined;
    readonly externalTrafficPolicy: 'Cluster' | 'Local';
    readonly sessionAffinity: 'None' | 'ClientIP';

    constructor(private readonly parts: ServiceParts, public endpoints: readonly Pod[]) {
        this.key = parts.key;
        this.namespace = parts.namespace;
        this.type = parts.type;
        this.clusterIP = parts.clusterIP;
        this.headless = parts.headless;
        this.ports = parts.ports;
        this.selector = parts.selector;
        this.externalTrafficPolicy = parts.externalTrafficPolicy;
        this.sessionAffinity = parts.sessionAffinity;
    }

    get name(): string { return this.parts.decl.name; }
    get clusterIPSpan(): Span | undefined { return propertySpan(this.parts.ipDecl, 'address'); }
    get selectorSpan(): Span | undefined { return spanOf(this.parts.selectorDecl); }
    get nameSpan(): Span | undefined { return propertySpan(this.parts.decl, 'name'); }
    get origin(): Origin { return this.parts.origin ??= origin(this.parts.decl); }
}

class ServicePortImpl implements ServicePort {
    readonly port: number;
    readonly targetPort: number | string;
    readonly nodePort?: number;

    constructor(private readonly decl: ast.ServicePort, readonly protocol: Protocol) {
        this.port = decl.port;
        this.targetPort = decl.targetPort ?? decl.targetPortName ?? decl.port;
        this.nodePort = decl.nodePort;
    }

    get span(): Span | undefined { return spanOf(this.decl); }
    get nodePortSpan(): Span | undefined { return propertySpan(this.decl, 'nodePort'); }
}

class HostImpl implements Host {
    readonly name!: string;
    readonly address!: Ip;
    readonly addressSpan?: Span;
    readonly network?: Network;
    readonly origin!: Origin;

    constructor(fields: Omit<Host, 'netns'>, private readonly cache: Map<string, Netns>) {
        Object.assign(this, fields);
    }

    netns(): Netns {
        const id = `host:${this.name}`;
        let ns = this.cache.get(id);
        if (ns) return ns;
        const o = derivedOrigin('kubelet', this.origin);
        const links: Link[] = [];
        const routes: Route[] = [];
        if (this.network) {
            links.push({ name: 'eth0', kind: 'nic', mtu: this.network.mtu, addresses: [cidr(this.address, this.network.cidr.length)], network: this.network.name, origin: o });
            if (this.network.gateway !== undefined) routes.push(defaultRoute(this.network.gateway, 'eth0', o));
        } else {
            // Beyond the gateway: one uplink toward the cluster's networks.
            links.push({ name: 'eth0', kind: 'nic', mtu: 1500, addresses: [hostCidr(this.address)], origin: o });
            routes.push(route({ destination: cidr(0, 0), isDefault: true, dev: 'eth0', scope: 'link', origin: o }));
        }
        ns = assembleNetns({ id, kind: 'host', name: this.name, links, routes, routesDeclared: false, sysctls: { ipForward: false, bridgeNfCallIptables: false, rpFilter: 0 } });
        this.cache.set(id, ns);
        return ns;
    }
}

export function buildModel(root: ast.Document, text: string | SourceText): BuildResult {
    const builder = new ModelBuilder(root, text);
    const steps = builder.build();
    let step = steps.next();
    while (!step.done) step = steps.next();
    return { model: step.value, findings: builder.findings };
}

/**
 * The same model, built in steps that give way to the event loop (Langium's
 * `interruptAndCheck`): a build for a version the user has already typed over stops at the
 * next step with `OperationCancelled` instead of running to the end.
 */
export async function buildModelAsync(root: ast.Document, text: string | SourceText, cancelToken: CancellationToken): Promise<BuildResult> {
    const builder = new ModelBuilder(root, text);
    const steps = builder.build();
    let step = steps.next();
    while (!step.done) {
        await interruptAndCheck(cancelToken);
        step = steps.next();
    }
    return { model: step.value, findings: builder.findings };
}

