/**
 * Reading tcpdump's capture files (`-w`): the classic pcap format with Ethernet, Linux
 * cooked (v1 and v2, what `-i any` writes) and raw-IP link types, decoded down through
 * IPv4, UDP, VXLAN (any port: the caller says which), IPIP and the inner packet. Decoding
 * the bytes ourselves avoids depending on tcpdump's text, which changes between versions.
 */

export interface Ipv4Header {
    readonly src: string;
    readonly dst: string;
    readonly ttl: number;
    readonly df: boolean;
    readonly protocol: number;
    readonly length: number;
}

export interface L4Header {
    readonly kind: 'tcp' | 'udp' | 'icmp' | 'other';
    readonly srcPort?: number;
    readonly dstPort?: number;
    /** TCP flags as letters tcpdump uses (S, A, F, R, P). */
    readonly flags?: string;
    readonly icmpType?: number;
    readonly icmpCode?: number;
    /** ICMP frag needed: the next-hop MTU. */
    readonly mtu?: number;
}

/** One IPv4 packet, with what encapsulated it when it arrived inside another. */
export interface DecodedPacket {
    readonly ip: Ipv4Header;
    readonly l4: L4Header;
    /** The outer layers, outermost first, when this packet was tunnelled. */
    readonly outer?: {
        readonly ip: Ipv4Header;
        readonly kind: 'vxlan' | 'ipip';
        readonly udpDstPort?: number;
        readonly vni?: number;
    };
}

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_LINUX_SLL2 = 276;

/** Every IPv4 packet in a capture file, tunnels opened where `vxlanPorts` says UDP carries VXLAN. */
export function readPcap(data: Buffer, vxlanPorts: ReadonlySet<number>): DecodedPacket[] {
    if (data.length < 24) return [];
    const magic = data.readUInt32LE(0);
    let le: boolean;
    if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = true;
    else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = false;
    else return [];
    const u32 = (o: number) => (le ? data.readUInt32LE(o) : data.readUInt32BE(o));
    const linkType = u32(20) & 0xffff;
    const out: DecodedPacket[] = [];
    let offset = 24;
    while (offset + 16 <= data.length) {
        const captured = u32(offset + 8);
        const start = offset + 16;
        const end = Math.min(start + captured, data.length);
        offset = start + captured;
        const frame = data.subarray(start, end);
        const ipStart = linkPayload(frame, linkType);
        if (ipStart === undefined) continue;
        const p = decodeIpv4(frame, ipStart, vxlanPorts, 0);
        if (p) out.push(p);
    }
    return out;
}

/** Offset of the IPv4 header in a frame of `linkType`, or undefined when it carries no IPv4. */
function linkPayload(frame: Buffer, linkType: number): number | undefined {
    switch (linkType) {
        case LINKTYPE_ETHERNET: return ethernetPayload(frame, 0);
        case LINKTYPE_RAW: return frame.length > 0 && frame[0] >> 4 === 4 ? 0 : undefined;
        case LINKTYPE_LINUX_SLL: return frame.length >= 16 && frame.readUInt16BE(14) === 0x0800 ? 16 : undefined;
        case LINKTYPE_LINUX_SLL2: return frame.length >= 20 && frame.readUInt16BE(0) === 0x0800 ? 20 : undefined;
        default: return undefined;
    }
}

function ethernetPayload(frame: Buffer, at: number): number | undefined {
    if (frame.length < at + 14) return undefined;
    let type = frame.readUInt16BE(at + 12);
    let o = at + 14;
    if (type === 0x8100 && frame.length >= o + 4) { type = frame.readUInt16BE(o + 2); o += 4; }
    return type === 0x0800 ? o : undefined;
}

function decodeIpv4(b: Buffer, o: number, vxlanPorts: ReadonlySet<number>, depth: number): DecodedPacket | undefined {
    if (b.length < o + 20 || b[o] >> 4 !== 4) return undefined;
    const ihl = (b[o] & 15) * 4;
    const ip: Ipv4Header = {
        length: b.readUInt16BE(o + 2),
        df: (b.readUInt16BE(o + 6) & 0x4000) !== 0,
        ttl: b[o + 8],
        protocol: b[o + 9],
        src: `${b[o + 12]}.${b[o + 13]}.${b[o + 14]}.${b[o + 15]}`,
        dst: `${b[o + 16]}.${b[o + 17]}.${b[o + 18]}.${b[o + 19]}`,
    };
    const fragmentOffset = b.readUInt16BE(o + 6) & 0x1fff;
    const l = o + ihl;
    if (fragmentOffset !== 0) return { ip, l4: { kind: 'other' } };
    if (ip.protocol === 4 && depth === 0) {
        const inner = decodeIpv4(b, l, vxlanPorts, depth + 1);
        if (inner) return { ...inner, outer: { ip, kind: 'ipip' } };
    }
    if (ip.protocol === 17 && b.length >= l + 8) {
        const srcPort = b.readUInt16BE(l), dstPort = b.readUInt16BE(l + 2);
        if (depth === 0 && vxlanPorts.has(dstPort) && b.length >= l + 16 && (b[l + 8] & 0x08)) {
            const vni = (b[l + 12] << 16) | (b[l + 13] << 8) | b[l + 14];
            const innerIp = ethernetPayload(b, l + 16);
            const inner = innerIp === undefined ? undefined : decodeIpv4(b, innerIp, vxlanPorts, depth + 1);
            if (inner) return { ...inner, outer: { ip, kind: 'vxlan', udpDstPort: dstPort, vni } };
        }
        return { ip, l4: { kind: 'udp', srcPort, dstPort } };
    }
    if (ip.protocol === 6 && b.length >= l + 14) {
        const f = b[l + 13];
        const flags = (f & 2 ? 'S' : '') + (f & 16 ? 'A' : '') + (f & 1 ? 'F' : '') + (f & 4 ? 'R' : '') + (f & 8 ? 'P' : '');
        return { ip, l4: { kind: 'tcp', srcPort: b.readUInt16BE(l), dstPort: b.readUInt16BE(l + 2), flags } };
    }
    if (ip.protocol === 1 && b.length >= l + 8) {
        const type = b[l], code = b[l + 1];
        return { ip, l4: { kind: 'icmp', icmpType: type, icmpCode: code, mtu: type === 3 && code === 4 ? b.readUInt16BE(l + 6) : undefined } };
    }
    return { ip, l4: { kind: 'other' } };
}
