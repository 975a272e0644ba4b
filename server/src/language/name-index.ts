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

/** The key the index files a pod under: "namespace/name". */
function podKey(pod: Pod): string {
    return `${podNamespace(pod)}/${pod.name}`;
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
                    const key = podKey(n);
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

/**
 * After a block was re-parsed and spliced in (`block-reparse.ts`), the previous root's index
 * carried to the new root and patched for the one replaced item: rebuilding it means 150,000
 * pod keys on a 5,000-node file, for an edit that touched thirty. Only the plain case is
 * patched (the item keeps its type and name, no name involved is declared twice); anything
 * else is left to a rebuild on first use.
 */
export function spliceNameIndex(previous: Document, root: Document, removed: AstNode, added: AstNode): void {
    const index = indexes.get(previous);
    indexes.delete(previous);
    if (!index || index.cluster !== root.clusters[0]) return;
    if (added.$container !== index.cluster || patch(index, removed, added)) indexes.set(root, index);
}

/** Patches `index` for `added` replacing `removed`; false (and untouched) when the case is not plain. */
function patch(index: NameIndex, removed: AstNode, added: AstNode): boolean {
    if (removed.$type !== added.$type) return false;
    if (isNode(removed) && isNode(added)) {
        if (removed.name !== added.name || index.duplicatePods.length > 0) return false;
        const gone = podsOf(removed);
        const come = podsOf(added);
        const goneKeys = new Set<string>();
        for (const [key, pod] of gone) {
            if (index.pods.get(key) !== pod) return false;
            goneKeys.add(key);
        }
        const comeKeys = new Set<string>();
        for (const [key] of come) {
            if (comeKeys.has(key) || (index.pods.has(key) && !goneKeys.has(key))) return false;
            comeKeys.add(key);
        }
        if (index.nodes.get(removed.name) === removed) index.nodes.set(added.name, added);
        // A key that stays keeps its place (Maps iterate in insertion order: completion lists pods in document order).
        for (const [key, pod] of gone) {
            if (!comeKeys.has(key)) index.pods.delete(key);
            const same = index.podsByName.get(pod.name)!;
            if (same.length === 1) index.podsByName.delete(pod.name); else same.splice(same.indexOf(pod), 1);
        }
        for (const [key, pod] of come) {
            index.pods.set(key, pod);
            push(index.podsByName, pod.name, pod);
            const same = index.podsByName.get(pod.name)!;
            if (same.length > 1) same.sort((a, b) => (a.$cstNode?.offset ?? 0) - (b.$cstNode?.offset ?? 0));
        }
        return true;
    }
    if (isService(removed) && isService(added)) {
        if (removed.name !== added.name) return false;
        if (!removed.name) return true;
        const same = index.servicesByName.get(removed.name);
        const goneKey = `${serviceNamespace(removed)}/${removed.name}`;
        const comeKey = `${serviceNamespace(added)}/${added.name}`;
        if (same?.length !== 1 || same[0] !== removed || index.services.get(goneKey) !== removed) return false;
        if (comeKey !== goneKey && index.services.has(comeKey)) return false;
        if (comeKey !== goneKey) index.services.delete(goneKey);
        index.services.set(comeKey, added);
        index.servicesByName.set(added.name, [added]);
        return true;
    }
    if (isNetwork(removed) && isNetwork(added)) {
        if (removed.name !== added.name) return false;
        if (index.networks.get(removed.name) === removed) index.networks.set(added.name, added);
        return true;
    }
    // Hosts and the cluster domain are one-line items, never spliced; other blocks declare no names.
    return !isHost(removed) && !isClusterDomain(removed);
}

function podsOf(node: Node): [string, Pod][] {
    const pods: [string, Pod][] = [];
    for (const n of node.items) if (isPod(n) && n.name) pods.push([podKey(n), n]);
    return pods;
}
