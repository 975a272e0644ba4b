/**
 * IPv4 addresses and prefixes as uint32 numbers. Every hot path (route lookup, overlap
 * sweeps, ownership maps) works on these; ip-num is used only at the boundary to
 * validate literals (see `literal.ts`).
 */

/** An IPv4 address as an unsigned 32-bit integer (0 … 2^32−1) in a JS number. */
export type Ip = number;

/** A prefix as written: the address given (which may have host bits, e.g. 10.244.1.1/24) and its length. */
export interface Cidr {
    /** The address as written (host bits kept: a link's own address). */
    readonly address: Ip;
    readonly length: number;
    /** address with the host bits cleared. */
    readonly network: Ip;
    /** Last address of the range. */
    readonly last: Ip;
}

export function maskOf(length: number): number {
    return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

export function cidr(address: Ip, length: number): Cidr {
    const mask = maskOf(length);
    const network = (address & mask) >>> 0;
    return { address, length, network, last: (network | (~mask >>> 0)) >>> 0 };
}

/** Parses a dotted quad; undefined unless four octets of at most 255. */
export function parseIp(text: string): Ip | undefined {
    let value = 0, octet = 0, digits = 0, dots = 0;
    for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 46) { // '.'
            if (digits === 0 || octet > 255) return undefined;
            value = value * 256 + octet; octet = 0; digits = 0; dots++;
            if (dots > 3) return undefined;
        } else if (c >= 48 && c <= 57) {
            octet = octet * 10 + (c - 48); digits++;
            if (digits > 3) return undefined;
        } else {
            return undefined;
        }
    }
    if (dots !== 3 || digits === 0 || octet > 255) return undefined;
    return value * 256 + octet;
}

/** Parses `A.B.C.D/N` (or a bare address as /32). */
export function parseCidr(text: string): Cidr | undefined {
    const slash = text.indexOf('/');
    if (slash < 0) {
        const ip = parseIp(text);
        return ip === undefined ? undefined : cidr(ip, 32);
    }
    const ip = parseIp(text.slice(0, slash));
    const lenText = text.slice(slash + 1);
    if (ip === undefined || !/^[0-9]{1,2}$/.test(lenText)) return undefined;
    const length = Number(lenText);
    if (length > 32) return undefined;
    return cidr(ip, length);
}

export function formatIp(ip: Ip): string {
    return `${(ip >>> 24) & 255}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/** `10.244.1.0/24`: the network, as `ip route` prints destinations. */
export function formatPrefix(c: Cidr): string {
    return `${formatIp(c.network)}/${c.length}`;
}

/** `10.244.1.1/24`: the address as written, as `ip addr` prints it. */
export function formatCidr(c: Cidr): string {
    return `${formatIp(c.address)}/${c.length}`;
}

export function contains(c: Cidr, ip: Ip): boolean {
    return ip >= c.network && ip <= c.last;
}

/** True when `inner` lies wholly within `outer`. */
export function within(inner: Cidr, outer: Cidr): boolean {
    return inner.network >= outer.network && inner.last <= outer.last;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
    return a.network <= b.last && b.network <= a.last;
}

export function size(c: Cidr): number {
    return c.last - c.network + 1;
}

/** The n-th address of a range (0 = network address). */
export function nth(c: Cidr, n: number): Ip {
    return (c.network + n) >>> 0;
}

export const DEFAULT_ROUTE: Cidr = cidr(0, 0);
