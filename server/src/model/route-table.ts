/**
 * A routing table as the kernel keeps it: longest-prefix match, then the lowest metric.
 * Routes are bucketed by prefix length (a Map per length, keyed by the uint32 network),
 * so a lookup costs at most one Map probe per length in use, whatever the table's size.
 */
import { type Ip, formatIp, formatPrefix, maskOf } from './address';
import type { Route } from './types';

export class RouteTable {
    private readonly own: readonly Route[];
    private readonly lengths: number[];
    private readonly buckets: Map<number, Route[]>[];
    private sorted?: readonly Route[];

    /**
     * `routes`, plus (when given) the routes of a shared table that every node of a
     * cluster holds alike (an overlay's route per remote node), less those in `hidden`:
     * a node's namespace then costs its own routes, not the cluster's size.
     */
    constructor(routes: Iterable<Route>, private readonly shared?: RouteTable, private readonly hidden?: ReadonlySet<Route>) {
        const all = [...routes];
        all.sort(compareRoutes);
        this.own = all;
        if (!shared) this.sorted = all;
        this.buckets = [];
        const lengths = new Set<number>(shared?.lengths ?? []);
        for (const r of all) {
            const len = r.destination.length;
            let bucket = this.buckets[len];
            if (!bucket) this.buckets[len] = bucket = new Map();
            const list = bucket.get(r.destination.network);
            if (list) list.push(r); else bucket.set(r.destination.network, [r]);
            lengths.add(len);
        }
        this.lengths = [...lengths].sort((a, b) => b - a);
    }

    /** The routes in the order `ip route` prints them (default first, then by destination). */
    get routes(): readonly Route[] {
        if (!this.sorted) {
            const all = [...this.own, ...this.shared!.routes.filter(r => !this.hidden?.has(r))];
            all.sort(compareRoutes);
            this.sorted = all;
        }
        return this.sorted;
    }

    /** Routes of one prefix, this table's first, then the shared table's that are not hidden. */
    private candidates(len: number, key: number): Route[] | undefined {
        const mine = this.buckets[len]?.get(key);
        if (!this.shared) return mine;
        const theirs = this.shared.candidates(len, key)?.filter(r => !this.hidden?.has(r));
        if (!theirs?.length) return mine;
        return mine ? [...mine, ...theirs] : theirs;
    }

    /**
     * Longest-prefix match for `ip`, as `ip route get` would answer from this table alone:
     * among routes of the longest matching prefix, the lowest metric wins; routes whose
     * only nexthop is dead are skipped.
     */
    lookup(ip: Ip): Route | undefined {
        for (const len of this.lengths) {
            const candidates = this.candidates(len, (ip & maskOf(len)) >>> 0);
            if (!candidates) continue;
            let best: Route | undefined;
            for (const r of candidates) {
                if (r.dead) continue;
                if (!best || (r.metric ?? 0) < (best.metric ?? 0)) best = r;
            }
            if (best) return best;
        }
        return undefined;
    }

    /** Every route that matches `ip`, longest prefix first (for explanations). */
    matches(ip: Ip): Route[] {
        const out: Route[] = [];
        for (const len of this.lengths) {
            const candidates = this.candidates(len, (ip & maskOf(len)) >>> 0);
            if (candidates) out.push(...candidates);
        }
        return out;
    }

    get size(): number {
        return this.routes.length;
    }
}

/** The kernel's dump order: by destination, longer prefix first for one key, then metric. */
export function compareRoutes(a: Route, b: Route): number {
    return a.destination.network - b.destination.network
        || b.destination.length - a.destination.length
        || (a.metric ?? 0) - (b.metric ?? 0);
}

/** One route as `ip route` prints it (`ip route show table local` for local ones). */
export function formatRoute(r: Route, options: { showTable?: boolean } = {}): string {
    const parts: string[] = [];
    if (r.type !== 'unicast') parts.push(r.type);
    parts.push(r.isDefault || (r.destination.length === 0 && r.type === 'unicast') ? 'default'
        : r.destination.length === 32 ? formatIp(r.destination.network) : formatPrefix(r.destination));
    if (r.gateway !== undefined) parts.push('via', formatIp(r.gateway));
    if (r.dev) parts.push('dev', r.dev);
    if (options.showTable && r.table !== 'main') parts.push('table', r.table);
    if (r.proto) parts.push('proto', r.proto);
    if (r.scope) parts.push('scope', r.scope);
    if (r.src !== undefined) parts.push('src', formatIp(r.src));
    if (r.metric !== undefined) parts.push('metric', String(r.metric));
    if (r.mtu !== undefined) parts.push('mtu', ...(r.mtuLocked ? ['lock'] : []), String(r.mtu));
    if (r.pref) parts.push('pref', r.pref);
    if (r.expires) parts.push('expires', r.expires);
    if (r.onlink) parts.push('onlink');
    if (r.dead) parts.push('dead');
    if (r.linkdown) parts.push('linkdown');
    let text = parts.join(' ');
    for (const nh of r.nexthops ?? []) {
        const p = ['nexthop'];
        if (nh.gateway !== undefined) p.push('via', formatIp(nh.gateway));
        if (nh.dev) p.push('dev', nh.dev);
        p.push('weight', String(nh.weight));
        if (nh.onlink) p.push('onlink');
        if (nh.dead) p.push('dead');
        if (nh.linkdown) p.push('linkdown');
        text += '\n\t' + p.join(' ');
    }
    return text;
}
