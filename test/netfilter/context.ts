import { formatIp, parseIp } from '../../server/src/model/address';
import type { ClusterModel, Node } from '../../server/src/model/types';
import { ipvsLocalAddresses, runHook } from '../../server/src/sim/netfilter';
import type { Hook, HookContext, HookResult, PacketView } from '../../server/src/sim/netfilter/types';

export function ip(s: string): number {
    const v = parseIp(s);
    if (v === undefined) throw new Error(`not an address: ${s}`);
    return v;
}

/** A hook context whose local addresses are what the kernel holds: table local, plus kube-ipvs0's in ipvs mode. */
export function ctxFor(model: ClusterModel, nodeName: string, extra: Partial<HookContext> = {}): HookContext {
    const node = model.nodeByName.get(nodeName);
    if (!node) throw new Error(`no node ${nodeName}`);
    const local = node.netns().local;
    const ipvs = ipvsLocalAddresses(model);
    return { model, node, isLocal: (a: number) => local.lookup(a)?.type === 'local' || ipvs.has(a), ...extra };
}

/** The first address of a device on a node, as MASQUERADE would take it. */
export function devAddress(node: Node, dev: string): number {
    const a = node.netns().links.get(dev)?.addresses[0]?.address;
    if (a === undefined) throw new Error(`${node.name} has no address on ${dev}`);
    return a;
}

export function tcp(src: string, dst: string, dstPort: number, srcPort = 40000): PacketView {
    return { src: ip(src), dst: ip(dst), protocol: 'tcp', srcPort, dstPort, mark: 0 };
}

export function hook(h: Hook, ctx: HookContext, p: PacketView): HookResult {
    return runHook(h, ctx, p);
}

/** Chains of the hits with the KUBE-… hashes shortened, e.g. `KUBE-SVC-*`. */
export function chainPath(r: HookResult): string[] {
    return r.hits.map(h => h.chain.replace(/^(KUBE-(?:SVC|SVL|SEP|EXT))-[A-Z2-7]{16}$/, '$1-*'));
}

export const show = (a: number) => formatIp(a);
