/**
 * Conntrack as the reply needs it. The nat table sees only a connection's first packet;
 * every later packet, and every reply, is translated by the conntrack entry that first
 * packet created. An entry holds the original tuple and the tuple the reply will carry
 * (the translated tuple, reversed); `reverseNat` maps a reply back to what the client
 * expects: from the ClusterIP (or node:nodePort) it talked to, to its own address.
 */
import type { ConntrackEntry, PacketView } from './types';

/** The entry a connection leaves on `node`: `original` as it arrived, `translated` after every NAT there. */
export function conntrackEntry(node: string, original: PacketView, translated: PacketView): ConntrackEntry {
    return {
        node,
        original,
        reply: {
            src: translated.dst, dst: translated.src, protocol: translated.protocol,
            srcPort: translated.dstPort, dstPort: translated.srcPort, mark: 0,
        },
    };
}

/** True when `p` is the reply direction of `entry` (same five-tuple as `entry.reply`). */
export function isReply(entry: ConntrackEntry, p: PacketView): boolean {
    const r = entry.reply;
    return p.protocol === r.protocol && p.src === r.src && p.dst === r.dst
        && (r.srcPort === undefined || p.srcPort === r.srcPort)
        && (r.dstPort === undefined || p.dstPort === r.dstPort);
}

/**
 * Un-NATs a reply: source becomes the original destination (the ClusterIP:port the client
 * used), destination the original source (undoing MASQUERADE). Undefined when `p` is
 * not this connection's reply.
 */
export function reverseNat(entry: ConntrackEntry, p: PacketView): PacketView | undefined {
    if (!isReply(entry, p)) return undefined;
    const o = entry.original;
    return { ...p, src: o.dst, srcPort: o.dstPort, dst: o.src, dstPort: o.srcPort };
}

/** True when the entry translated anything (a DNAT, SNAT or both). */
export function isNatted(entry: ConntrackEntry): boolean {
    const o = entry.original, r = entry.reply;
    return o.dst !== r.src || o.src !== r.dst || o.dstPort !== r.srcPort || o.srcPort !== r.dstPort;
}
