/**
 * The packet as the walk carries it: the inner IPv4 packet (what the flow sent, after NAT)
 * and at most one overlay header stack around it while it crosses the underlay. Plain
 * values, copied on change, so a step can keep the packet "before" and "after".
 */
import { type Ip, formatIp } from '../model/address';
import { fnv1a } from '../model/names';
import type { FieldChange, Header, Packet } from '../protocol/trace';
import type { L4Protocol, PacketView } from './netfilter/types';

export interface InnerPacket {
    readonly src: Ip;
    readonly dst: Ip;
    readonly protocol: L4Protocol;
    readonly srcPort?: number;
    readonly dstPort?: number;
    readonly ttl: number;
    readonly df: boolean;
    /** The whole IP packet in bytes. */
    readonly length: number;
    /** ICMP: 8 echo request, 0 echo reply. */
    readonly icmpType?: number;
}

export type EncapKind = 'vxlan' | 'ipip' | 'flannel-udp' | 'gre';

/** An overlay's outer headers: outer IPv4 plus what sits between it and the inner packet. */
export interface Encapsulation {
    readonly kind: EncapKind;
    readonly src: Ip;
    readonly dst: Ip;
    readonly ttl: number;
    readonly df: boolean;
    /** Bytes the outer stack adds to the inner IP packet (VXLAN 50, flannel UDP 28, IPIP 20, GRE 24). */
    readonly overhead: number;
    readonly srcPort?: number;
    readonly dstPort?: number;
    readonly vni?: number;
    /** VXLAN: the inner Ethernet destination (the remote VTEP's MAC). */
    readonly innerMac?: string;
    /** The overlay device that pushed it (flannel.1, tunl0…). */
    readonly device: string;
}

export interface SimPacket {
    readonly inner: InnerPacket;
    readonly outer?: Encapsulation;
    /** skb mark in the current namespace (KUBE-MARK-MASQ 0x4000); cleared when crossing namespaces. */
    readonly mark: number;
    /** The outermost packet was fragmented (DF clear) into pieces of at most this many bytes. */
    readonly fragmentSize?: number;
}

export const PROTOCOL_NUMBER: Record<L4Protocol, number> = { icmp: 1, tcp: 6, udp: 17, sctp: 132 };

export const OVERHEAD: Record<EncapKind, number> = { vxlan: 50, 'flannel-udp': 28, ipip: 20, gre: 24 };

/** Length of the outermost IP packet: what the device it leaves by compares with its MTU. */
export function wireLength(p: SimPacket): number {
    return p.inner.length + (p.outer?.overhead ?? 0);
}

/** DF of the outermost IP header. */
export function wireDf(p: SimPacket): boolean {
    return p.outer ? p.outer.df : p.inner.df;
}

/** The outermost destination: what routing looks up. */
export function wireDst(p: SimPacket): Ip {
    return p.outer ? p.outer.dst : p.inner.dst;
}

export function wireSrc(p: SimPacket): Ip {
    return p.outer ? p.outer.src : p.inner.src;
}

/** The five-tuple netfilter matches on (the outermost header). */
export function viewOf(p: SimPacket): PacketView {
    if (p.outer) {
        const udp = p.outer.kind === 'vxlan' || p.outer.kind === 'flannel-udp';
        return {
            src: p.outer.src, dst: p.outer.dst, protocol: udp ? 'udp' : 'icmp' as L4Protocol,
            srcPort: udp ? p.outer.srcPort : undefined, dstPort: udp ? p.outer.dstPort : undefined, mark: p.mark,
        };
    }
    const i = p.inner;
    return { src: i.src, dst: i.dst, protocol: i.protocol, srcPort: i.srcPort, dstPort: i.dstPort, mark: p.mark };
}

/**
 * The source port the kernel gives a tunnel's UDP header (`udp_flow_src_port`): a hash of
 * the inner flow spread over the local port range, so one flow keeps one outer port.
 */
export function flowHashPort(i: InnerPacket): number {
    const h = fnv1a(`${i.src}|${i.dst}|${i.protocol}|${i.srcPort ?? 0}|${i.dstPort ?? 0}`);
    return 32768 + (h % (61000 - 32768));
}

/** The header stack, outermost first, with the fields a capture shows. */
export function headersOf(p: SimPacket): Header[] {
    const out: Header[] = [];
    const o = p.outer;
    if (o) {
        const proto = o.kind === 'ipip' ? 4 : o.kind === 'gre' ? 47 : 17;
        out.push({ kind: 'ipv4', src: formatIp(o.src), dst: formatIp(o.dst), ttl: o.ttl, df: o.df, protocol: proto, length: wireLength(p) });
        if (o.kind === 'vxlan') {
            out.push({ kind: 'udp', srcPort: o.srcPort ?? 0, dstPort: o.dstPort ?? 0, length: wireLength(p) - 20 });
            out.push({ kind: 'vxlan', vni: o.vni ?? 0, flags: '0x08' });
            out.push({ kind: 'ethernet', dst: o.innerMac });
        } else if (o.kind === 'flannel-udp') {
            out.push({ kind: 'udp', srcPort: o.srcPort ?? 0, dstPort: o.dstPort ?? 0, length: wireLength(p) - 20 });
            out.push({ kind: 'flannel-udp', port: o.dstPort ?? 0 });
        } else if (o.kind === 'gre') {
            out.push({ kind: 'gre' });
        }
    }
    const i = p.inner;
    out.push({ kind: 'ipv4', src: formatIp(i.src), dst: formatIp(i.dst), ttl: i.ttl, df: i.df, protocol: PROTOCOL_NUMBER[i.protocol], length: i.length });
    switch (i.protocol) {
        case 'tcp': out.push({ kind: 'tcp', srcPort: i.srcPort ?? 0, dstPort: i.dstPort ?? 0, mss: i.length - 40 }); break;
        case 'udp': out.push({ kind: 'udp', srcPort: i.srcPort ?? 0, dstPort: i.dstPort ?? 0, length: i.length - 20 }); break;
        case 'sctp': out.push({ kind: 'sctp', srcPort: i.srcPort ?? 0, dstPort: i.dstPort ?? 0 }); break;
        case 'icmp': {
            const type = i.icmpType ?? 8;
            out.push({ kind: 'icmp', type, code: 0, description: type === 0 ? 'echo reply' : 'echo request' });
            break;
        }
    }
    return out;
}

export function toPacket(p: SimPacket): Packet {
    return { headers: headersOf(p), length: wireLength(p) };
}

/** What a step changed, field by field, for the highlighted diff. */
export function changesBetween(a: SimPacket, b: SimPacket): FieldChange[] {
    const out: FieldChange[] = [];
    const ip = (x: Ip) => formatIp(x);
    const add = (field: string, from: string, to: string) => { if (from !== to) out.push({ field, from, to }); };
    add('ipv4.src', ip(a.inner.src), ip(b.inner.src));
    add('ipv4.dst', ip(a.inner.dst), ip(b.inner.dst));
    add('ipv4.ttl', String(a.inner.ttl), String(b.inner.ttl));
    const l4 = a.inner.protocol === 'icmp' ? undefined : a.inner.protocol;
    if (l4) {
        add(`${l4}.srcPort`, String(a.inner.srcPort ?? ''), String(b.inner.srcPort ?? ''));
        add(`${l4}.dstPort`, String(a.inner.dstPort ?? ''), String(b.inner.dstPort ?? ''));
    }
    if (!a.outer && b.outer) out.push({ field: 'encap', from: 'none', to: `${b.outer.kind} ${ip(b.outer.src)}→${ip(b.outer.dst)}` });
    if (a.outer && !b.outer) out.push({ field: 'encap', from: `${a.outer.kind} ${ip(a.outer.src)}→${ip(a.outer.dst)}`, to: 'none' });
    if (a.outer && b.outer) {
        add('outer.ipv4.src', ip(a.outer.src), ip(b.outer.src));
        add('outer.ipv4.dst', ip(a.outer.dst), ip(b.outer.dst));
        add('outer.ipv4.ttl', String(a.outer.ttl), String(b.outer.ttl));
    }
    return out;
}

/** `10.244.1.2:40123 → 10.244.2.5:80 tcp`, as conntrack would print the tuple. */
export function tupleText(i: { src: Ip; dst: Ip; protocol: L4Protocol; srcPort?: number; dstPort?: number }): string {
    const port = (n?: number) => n === undefined || i.protocol === 'icmp' ? '' : `:${n}`;
    return `${formatIp(i.src)}${port(i.srcPort)} → ${formatIp(i.dst)}${port(i.dstPort)} ${i.protocol}`;
}
