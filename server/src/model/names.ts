/**
 * Stable names and MACs for generated devices. The real daemons draw these at random;
 * we derive them from the owner's name so they stay the same from one build to the next.
 */

/** FNV-1a, 32 bits. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
    let h = seed >>> 0;
    for (let i = 0; i < text.length; i++) {
        h ^= text.charCodeAt(i);
        h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h >>> 0;
}

function hex(n: number, digits: number): string {
    return n.toString(16).padStart(8, '0').slice(0, digits);
}

/** The host side of a pod's veth as the bridge plugin names it: `veth` + 8 hex digits. */
export function vethName(podKey: string): string {
    return 'veth' + hex(fnv1a(podKey), 8);
}

/** Calico's host-side interface: `cali` + 11 hex digits. */
export function caliName(podKey: string): string {
    return 'cali' + hex(fnv1a(podKey), 8) + hex(fnv1a(podKey, 0x01234567), 3);
}

/** A locally administered unicast MAC derived from `key`. */
export function macFor(key: string): string {
    const a = fnv1a(key), b = fnv1a(key, 0x9e3779b9);
    const bytes = [0x0a | ((b >>> 24) & 0xf0), (b >>> 16) & 255, (a >>> 24) & 255, (a >>> 16) & 255, (a >>> 8) & 255, a & 255];
    bytes[0] = (bytes[0] & 0xfe) | 0x02;
    return bytes.map(x => x.toString(16).padStart(2, '0')).join(':');
}
