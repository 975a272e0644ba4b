/**
 * kube-proxy's chain names, derived as kube-proxy derives them so that a name seen in a
 * trace is the name `iptables-save` prints on a real node for the same Service:
 * the first 16 characters of base32(sha256(servicePortName + protocol [+ endpoint])).
 */
import { createHash } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (Go's base32.StdEncoding) of the first bytes needed for `chars` characters. */
function base32(bytes: Uint8Array, chars: number): string {
    let out = '', buffer = 0, bits = 0;
    for (let i = 0; i < bytes.length && out.length < chars; i++) {
        buffer = ((buffer << 8) | bytes[i]) & 0xffff;
        bits += 8;
        while (bits >= 5 && out.length < chars) {
            out += BASE32[(buffer >>> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    return out;
}

function hash(text: string, chars: number): string {
    return base32(createHash('sha256').update(text, 'utf8').digest(), chars);
}

/**
 * The ServicePortName as kube-proxy prints it: `namespace/name` plus `:portName` when the
 * port is named. A .knet port has no name: a single-port Service is unnamed (as kubectl
 * allows); with several ports we name each by its number, as Kubernetes requires names then.
 */
export function servicePortName(namespace: string, name: string, portName: string): string {
    return portName ? `${namespace}/${name}:${portName}` : `${namespace}/${name}`;
}

/** portProtoHash: the 16 characters after `KUBE-SVC-`, `KUBE-SVL-`, `KUBE-EXT-`, `KUBE-FW-`. */
export function portProtoHash(svcPortName: string, protocol: string): string {
    return hash(svcPortName + protocol, 16);
}

/** `KUBE-SEP-…` for one endpoint (`10.244.2.5:80`) of a service port. */
export function endpointChainName(svcPortName: string, protocol: string, endpoint: string): string {
    return 'KUBE-SEP-' + hash(svcPortName + protocol + endpoint, 16);
}

/** nftables mode: `HASH8-namespace/name/protocol/portName` (kube-proxy's servicePortChainNameBase). */
export function nftServiceBase(namespace: string, name: string, protocol: string, portName: string): string {
    const base = `${namespace}/${name}/${protocol}/${portName}`;
    return hash(base, 8) + '-' + base;
}

/** nftables mode: `HASH8-namespace/name/protocol/portName__IP/PORT`. */
export function nftEndpointBase(namespace: string, name: string, protocol: string, portName: string, ip: string, port: number): string {
    const base = `${namespace}/${name}/${protocol}/${portName}__${ip}/${port}`;
    return hash(base, 8) + '-' + base;
}
