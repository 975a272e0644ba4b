/**
 * A namespace's neighbour (`ip neigh`) and forwarding (`bridge fdb`) entries, looked up
 * as the kernel does: by device and address, by device and MAC, in constant time.
 *
 * On a flannel or Calico VXLAN node there is one entry per other node (5,000 in a large
 * cluster), and every node holds the same ones but its own. So the entries live once per
 * cluster, indexed once, and each node's table is a view that leaves out one range (its
 * own entries) instead of a copy: tracing through a thousand nodes costs no more memory
 * than through one.
 */
import type { FdbEntry, Neighbor } from './types';

/** A list indexed by a key, shared by every view of it. */
export class KeyedEntries<T> {
    private index?: Map<string, number[]>;

    constructor(readonly items: readonly T[], private readonly keyOf: (item: T) => string) { }

    /** The first entry with `key` whose position is outside [hidden[0], hidden[1]). */
    find(key: string, hidden: readonly [number, number]): T | undefined {
        if (!this.index) {
            this.index = new Map();
            this.items.forEach((item, i) => {
                const k = this.keyOf(item);
                const at = this.index!.get(k);
                if (at) at.push(i); else this.index!.set(k, [i]);
            });
        }
        const at = this.index.get(key);
        if (!at) return undefined;
        for (const i of at) if (i < hidden[0] || i >= hidden[1]) return this.items[i];
        return undefined;
    }

    without(hidden: readonly [number, number]): T[] {
        return hidden[0] === hidden[1] ? this.items.slice() : this.items.slice(0, hidden[0]).concat(this.items.slice(hidden[1]));
    }
}

export const neighborKey = (dev: string, address: number) => `${dev}\u0000${address}`;
export const fdbKey = (dev: string, mac: string) => `${dev}\u0000${mac}`;

export function neighborEntries(items: readonly Neighbor[]): KeyedEntries<Neighbor> {
    return new KeyedEntries(items, n => neighborKey(n.dev, n.address));
}

export function fdbEntries(items: readonly FdbEntry[]): KeyedEntries<FdbEntry> {
    return new KeyedEntries(items, f => fdbKey(f.dev, f.mac));
}

const NOTHING_HIDDEN: readonly [number, number] = [0, 0];

export class NeighborTable {
    static readonly EMPTY = new NeighborTable(neighborEntries([]), fdbEntries([]));

    constructor(
        private readonly neighborList: KeyedEntries<Neighbor>,
        private readonly fdbList: KeyedEntries<FdbEntry>,
        private readonly hiddenNeighbors: readonly [number, number] = NOTHING_HIDDEN,
        private readonly hiddenFdb: readonly [number, number] = NOTHING_HIDDEN,
    ) { }

    /** A table of its own (a node whose entries are not shared with others). */
    static of(neighbors: readonly Neighbor[], fdb: readonly FdbEntry[]): NeighborTable {
        return neighbors.length || fdb.length ? new NeighborTable(neighborEntries(neighbors), fdbEntries(fdb)) : NeighborTable.EMPTY;
    }

    /** The permanent entry for `address` on `dev` (what ARP would otherwise resolve). */
    neighbor(dev: string, address: number): Neighbor | undefined {
        return this.neighborList.find(neighborKey(dev, address), this.hiddenNeighbors);
    }

    /** The forwarding entry for `mac` on `dev`: which remote VTEP holds it. */
    forwarding(dev: string, mac: string): FdbEntry | undefined {
        return this.fdbList.find(fdbKey(dev, mac), this.hiddenFdb);
    }

    /** Every neighbour entry, in order (`ip neigh show`): a fresh list, not kept. */
    get neighbors(): Neighbor[] {
        return this.neighborList.without(this.hiddenNeighbors);
    }

    /** Every forwarding entry, in order (`bridge fdb show`): a fresh list, not kept. */
    get fdb(): FdbEntry[] {
        return this.fdbList.without(this.hiddenFdb);
    }
}
