/**
 * kube-proxy's chain names, derived as kube-proxy derives them so that a name seen in a
 * trace is the name `iptables-save` prints on a real node for the same Service:
 * the first 16 characters of base32(sha256(servicePortName + protocol [+ endpoint])).
 */

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

const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const W = new Uint32Array(64);
const encoder = new TextEncoder();

/**
 * SHA-256 (FIPS 180-4) in plain JS: node:crypto's createHash costs ~25 µs a call on
 * Node 20, too much for tens of thousands of short chain names; this costs ~1 µs.
 */
export function sha256(text: string): Uint8Array {
    const data = encoder.encode(text);
    const blocks = ((data.length + 9 + 63) >> 6) << 6;
    const msg = new Uint8Array(blocks);
    msg.set(data);
    msg[data.length] = 0x80;
    const bits = data.length * 8;
    const view = new DataView(msg.buffer);
    view.setUint32(blocks - 8, Math.floor(bits / 0x100000000));
    view.setUint32(blocks - 4, bits >>> 0);
    let h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a;
    let h4 = 0x510e527f, h5 = 0x9b05688c, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
    for (let off = 0; off < blocks; off += 64) {
        for (let i = 0; i < 16; i++) W[i] = view.getUint32(off + i * 4);
        for (let i = 16; i < 64; i++) {
            const a = W[i - 15], b = W[i - 2];
            const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
            const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
            W[i] = (W[i - 16] + s0 + W[i - 7] + s1) >>> 0;
        }
        let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
        for (let i = 0; i < 64; i++) {
            const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
            const ch = (e & f) ^ (~e & g);
            const t1 = (h + S1 + ch + K[i] + W[i]) >>> 0;
            const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
            const maj = (a & b) ^ (a & c) ^ (b & c);
            const t2 = (S0 + maj) >>> 0;
            h = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
        }
        h0 = (h0 + a) >>> 0; h1 = (h1 + b) >>> 0; h2 = (h2 + c) >>> 0; h3 = (h3 + d) >>> 0;
        h4 = (h4 + e) >>> 0; h5 = (h5 + f) >>> 0; h6 = (h6 + g) >>> 0; h7 = (h7 + h) >>> 0;
    }
    const out = new Uint8Array(32);
    const ov = new DataView(out.buffer);
    [h0, h1, h2, h3, h4, h5, h6, h7].forEach((v, i) => ov.setUint32(i * 4, v));
    return out;
}

function hash(text: string, chars: number): string {
    return base32(sha256(text), chars);
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
