/**
 * A table keyed by IPv4 address (uint32), open addressing with linear probing over typed
 * arrays. The model files every routed address in one (300,000 at 5,000 nodes); a Map of
 * that many numbers took ~0.1 s to fill on each build, because addresses above
 * 127.255.255.255 are heap numbers to a Map and every entry is a separate allocation.
 */
import type { Ip } from './address';

export interface AddressLookup<V> {
    get(ip: Ip): V | undefined;
    has(ip: Ip): boolean;
    readonly size: number;
}

export class AddressTable<V> implements AddressLookup<V> {
    private keys: Uint32Array;
    private used: Uint8Array;
    private values: (V | undefined)[];
    private shift: number;
    size = 0;

    constructor(expected = 16) {
        let bits = 4;
        while ((1 << bits) < expected * 2 && bits < 30) bits++;
        this.shift = 32 - bits;
        this.keys = new Uint32Array(1 << bits);
        this.used = new Uint8Array(1 << bits);
        this.values = new Array<V | undefined>(1 << bits).fill(undefined);
    }

    /** Fibonacci hashing: the top bits of ip × 2^32/φ spread neighbouring addresses apart. */
    private slot(ip: Ip): number {
        return Math.imul(ip, 0x9e3779b1) >>> this.shift;
    }

    private find(ip: Ip): number {
        const mask = this.keys.length - 1;
        let i = this.slot(ip);
        while (this.used[i] === 1) {
            if (this.keys[i] === ip) return i;
            i = (i + 1) & mask;
        }
        return ~i;
    }

    get(ip: Ip): V | undefined {
        const i = this.find(ip);
        return i >= 0 ? this.values[i] : undefined;
    }

    has(ip: Ip): boolean {
        return this.find(ip) >= 0;
    }

    /** Files `value` under `ip`, replacing what was there. */
    set(ip: Ip, value: V): this {
        this.put(ip, value, true);
        return this;
    }

    /** Files `value` under `ip` unless something is filed there already (one probe); false then. */
    claim(ip: Ip, value: V): boolean {
        return this.put(ip, value, false);
    }

    /** True when `ip` was new. */
    private put(ip: Ip, value: V, replace: boolean): boolean {
        let i = this.find(ip);
        if (i >= 0) {
            if (replace) this.values[i] = value;
            return false;
        }
        if ((this.size + 1) * 2 > this.keys.length) {
            this.grow();
            i = this.find(ip);
        }
        i = ~i;
        this.keys[i] = ip;
        this.used[i] = 1;
        this.values[i] = value;
        this.size++;
        return true;
    }

    /**
     * Takes `ip` out, when `owner` says whose entry may go (the one filed there must be it).
     * The entries probed past it move back into the gap (backward-shift deletion), so
     * lookups stay one run of probes and no tombstones pile up over a document's edits.
     */
    delete(ip: Ip, owner?: (value: V) => boolean): boolean {
        let hole = this.find(ip);
        if (hole < 0 || (owner && !owner(this.values[hole] as V))) return false;
        const mask = this.keys.length - 1;
        for (let j = (hole + 1) & mask; this.used[j] === 1; j = (j + 1) & mask) {
            const home = this.slot(this.keys[j]);
            // The entry at j may fill the hole unless its home lies cyclically in (hole, j].
            const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
            if (between) continue;
            this.keys[hole] = this.keys[j];
            this.values[hole] = this.values[j];
            hole = j;
        }
        this.used[hole] = 0;
        this.values[hole] = undefined;
        this.size--;
        return true;
    }

    private grow(): void {
        const { keys, used, values } = this;
        const capacity = keys.length * 2;
        this.shift--;
        this.keys = new Uint32Array(capacity);
        this.used = new Uint8Array(capacity);
        this.values = new Array<V | undefined>(capacity).fill(undefined);
        this.size = 0;
        for (let i = 0; i < keys.length; i++) if (used[i] === 1) this.set(keys[i], values[i] as V);
    }
}
