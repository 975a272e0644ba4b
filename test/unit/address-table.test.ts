/**
 * The model's table of address owners agrees with a Map on every lookup: across growth,
 * for addresses on both sides of 2^31, 0.0.0.0 and 255.255.255.255, and when a key is
 * filed twice, and through deletions.
 */
import { describe, expect, it } from 'vitest';
import { AddressTable } from '../../server/src/model/address-table';

function random(seed: number): () => number {
    let s = seed >>> 0;
    return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s; };
}

describe('AddressTable', () => {
    it('answers as a Map does, through growth', () => {
        const next = random(7);
        const table = new AddressTable<number>(); // starts small: grows many times
        const map = new Map<number, number>();
        const keys = [0, 0xffffffff, 0x80000000, 0x7fffffff, 0x0af40001, 0xc0a80001];
        for (let i = 0; i < 20000; i++) keys.push(i % 3 === 0 ? 0x0af40000 + (i >> 1) : next());
        keys.forEach((k, i) => { table.set(k, i); map.set(k, i); });
        expect(table.size).toBe(map.size);
        for (const [k, v] of map) {
            expect(table.has(k)).toBe(true);
            expect(table.get(k)).toBe(v);
        }
        for (let i = 0; i < 20000; i++) {
            const k = next();
            expect(table.has(k)).toBe(map.has(k));
            expect(table.get(k)).toBe(map.get(k));
        }
    });

    it('replaces the value of a key filed twice, counting it once', () => {
        const table = new AddressTable<string>(4);
        table.set(0x0a000001, 'first').set(0x0a000001, 'second');
        expect(table.size).toBe(1);
        expect(table.get(0x0a000001)).toBe('second');
        expect(table.get(0x0a000002)).toBeUndefined();
    });

    it('claims a key once: the first value stays, as the model\'s first owner wins', () => {
        const next = random(11);
        const table = new AddressTable<number>();
        const first = new Map<number, number>();
        for (let i = 0; i < 20000; i++) {
            const k = i % 2 === 0 ? 0x0af40000 + (i % 5000) : next();
            const claimed = table.claim(k, i);
            expect(claimed).toBe(!first.has(k));
            if (claimed) first.set(k, i);
        }
        expect(table.size).toBe(first.size);
        for (const [k, v] of first) expect(table.get(k)).toBe(v);
    });

    it('deletes as a Map does, keeping every other key findable (runs of neighbours, wrap-around, growth)', () => {
        const next = random(23);
        for (const expected of [4, 1000]) {
            const table = new AddressTable<number>(expected);
            const map = new Map<number, number>();
            // Neighbouring addresses (a node's pods) make long probe runs; a few keys recur often.
            const pool: number[] = [];
            for (let i = 0; i < 3000; i++) pool.push(i % 4 === 0 ? next() : 0x0af40000 + (i % 700));
            for (let i = 0; i < 30000; i++) {
                const k = pool[next() % pool.length];
                const op = next() % 3;
                if (op === 0) {
                    expect(table.delete(k)).toBe(map.delete(k));
                } else if (op === 1) {
                    expect(table.claim(k, i)).toBe(!map.has(k));
                    if (!map.has(k)) map.set(k, i);
                } else {
                    table.set(k, i);
                    map.set(k, i);
                }
                if (i % 997 === 0) {
                    expect(table.size).toBe(map.size);
                    for (const key of pool) expect(table.get(key)).toBe(map.get(key));
                }
            }
            // Only the owner named may take its entry out.
            const [key, value] = map.entries().next().value as [number, number];
            expect(table.delete(key, v => v === value + 1)).toBe(false);
            expect(table.get(key)).toBe(value);
            expect(table.delete(key, v => v === value)).toBe(true);
            expect(table.has(key)).toBe(false);
        }
    });
});
