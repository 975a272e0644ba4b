/**
 * Names of one document, in Maps, built once per parse. Langium's default local scope is
 * a linear search per reference (minutes for 150,000 pods); this is one walk and O(1)
 * lookups. Flow endpoints also resolve the forms a user writes: `NAMESPACE/NAME`, a
 * service's DNS name (`NAME.NS.svc.DOMAIN`, `NAME.NS`, trailing dot) and plain names.
 */
import type { AstNode } from 'langium';
import {
    type Cluster, type Document, type Host, type Network, type Node, type Pod, type Service,
    isClusterDomain, isHost, isNetwork, isNode, isPod, isPodNamespace, isService, isServiceNamespace,
} from './generated/ast';

export interface NameIndex {
    readonly cluster?: Cluster;
    readonly domain: string;
    readonly networks: Map<string, Network>;
    readonly nodes: Map<string, Node>;
    readonly hosts: Map<string, Host>;
    /** "namespace/name" → pod */
    readonly pods: Map<string, Pod>;
    /** name → pods of that name in any namespace */
    readonly podsByName: Map<string, Pod[]>;
    /** Pods whose "namespace/name" an earlier pod already has, in document order (usually none). */
    readonly duplicatePods: Pod[];
    readonly services: Map<string, Service>;
    readonly servicesByName: Map<string, Service[]>;
}

const indexes = new WeakMap<AstNode, NameIndex>();

export function podNamespace(pod: Pod): string {
    for (const o of pod.options) if (isPodNamespace(o)) return o.namespace;
    return 'default';
}

export function serviceNamespace(service: Service): string {
    for (const i of service.items) if (isServiceNamespace(i)) return i.namespace;
    return 'default';
}

/** The index of the document `root` belongs to; built on first use, kept with the AST. */
export function nameIndex(root: Document): NameIndex {
    let index = indexes.get(root);
    if (!index) {
        index = buildIndex(root);
        indexes.set(root, index);
    }
    return index;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
    const list = map.get(key);
    if (list) list.push(value); else map.set(key, [value]);
}

function buildIndex(root: Document): NameIndex {
    const cluster = root.clusters[0];
    const index: NameIndex = {
        cluster, domain: 'cluster.local',
        networks: new Map(), nodes: new Map(), hosts: new Map(),
        pods: new Map(), podsByName: new Map(), duplicatePods: [], services: new Map(), servicesByName: new Map(),
    };
    let domain = 'cluster.local';
    for (const item of cluster?.items ?? []) {
        if (isNetwork(item)) {
            if (item.name && !index.networks.has(item.name)) index.networks.set(item.name, item);
        } else if (isNode(item)) {
            if (item.name && !index.nodes.has(item.name)) index.nodes.set(item.name, item);
            for (const n of item.items) {
                if (isPod(n) && n.name) {
                    const key = `${podNamespace(n)}/${n.name}`;
                    if (!index.pods.has(key)) index.pods.set(key, n); else index.duplicatePods.push(n);
                    push(index.podsByName, n.name, n);
                }
            }
        } else if (isService(item)) {
            if (item.name) {
                const key = `${serviceNamespace(item)}/${item.name}`;
                if (!index.services.has(key)) index.services.set(key, item);
                push(index.servicesByName, item.name, item);
            }
        } else if (isHost(item)) {
            if (item.name && !index.hosts.has(item.name)) index.hosts.set(item.name, item);
        } else if (isClusterDomain(item)) {
            domain = item.domain.replace(/\.$/, '');
        }
    }
    return { ...index, domain };
}

/** A pod by `NS/NAME`, or by bare name: `preferNs` first, then `default`, then the only one. */
export function findPod(index: NameIndex, text: string, preferNs?: string): Pod | undefined {
    const slash = text.indexOf('/');
    if (slash >= 0) return index.pods.get(text);
    if (preferNs) {
        const p = index.pods.get(`${preferNs}/${text}`);
        if (p) return p;
    }
    const p = index.pods.get(`default/${text}`);
    if (p) return p;
    const all = index.podsByName.get(text);
    return all && all.length === 1 ? all[0] : undefined;
}

export interface ServiceMatch {
    service: Service;
    /** Set when the text was a DNS name (resolved through cluster DNS), not the declared name. */
    dnsName?: string;
}

/**
 * A service by declared name (`NAME`, `NS/NAME`), or by DNS name as a pod in `sourceNs`
 * would resolve it (search path `NS.svc.DOMAIN svc.DOMAIN DOMAIN`).
 */
export function findService(index: NameIndex, text: string, sourceNs = 'default'): ServiceMatch | undefined {
    const slash = text.indexOf('/');
    if (slash >= 0) {
        const s = index.services.get(text);
        return s ? { service: s } : undefined;
    }
    const declared = index.services.get(`${sourceNs}/${text}`) ?? index.services.get(`default/${text}`)
        ?? single(index.servicesByName.get(text));
    if (declared) return { service: declared };
    // DNS forms: strip a trailing dot and the cluster domain, then NAME.NS[.svc]
    let name = text.replace(/\.$/, '');
    const suffix = '.' + index.domain;
    if (name.endsWith(suffix)) name = name.slice(0, -suffix.length);
    if (name.endsWith('.svc')) name = name.slice(0, -4);
    const parts = name.split('.');
    if (parts.length === 2) {
        const s = index.services.get(`${parts[1]}/${parts[0]}`);
        if (s) return { service: s, dnsName: text };
    } else if (parts.length === 1 && name !== text) {
        const s = index.services.get(`${sourceNs}/${parts[0]}`);
        if (s) return { service: s, dnsName: text };
    }
    return undefined;
}

function single<T>(list: T[] | undefined): T | undefined {
    return list && list.length === 1 ? list[0] : undefined;
}
