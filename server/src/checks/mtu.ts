/**
 * mtu-mismatch.
 * Errors: an overlay device whose MTU exceeds its underlay's minus the encapsulation
 * (VXLAN 50, flannel UDP 28, GRE 24, IPIP 20); the two ends of a veth differing; nodes on
 * one network with different NIC MTUs.
 * Warning: a pod MTU above the MTU of the device its packets to other nodes cross (the
 * overlay device, or the NIC without one).
 * Each fix sets the MTU to the computed value.
 */
import { cidr, formatPrefix } from '../model/address';
import type { Link, Node, Pod, Span } from '../model/types';
import { type Finding, Codes } from './finding';
import type { CheckContext } from './context';
import { CleanNodes } from './clean-nodes';

const cleanNodes = new CleanNodes();

const OVERHEAD: Partial<Record<Link['kind'], { bytes: number; name: string; effect: string }>> = {
    vxlan: { bytes: 50, name: 'VXLAN', effect: 'VXLAN\'s outer packets leave with DF clear, so full-size ones get fragmented on the underlay (and lost where fragments are filtered)' },
    ipip: { bytes: 20, name: 'IPIP', effect: 'IPIP copies DF to the outer header, so the node answers "frag needed" for full-size packets and senders must lower their path MTU' },
    gre: { bytes: 24, name: 'GRE', effect: 'GRE copies DF to the outer header, so the node answers "frag needed" for full-size packets' },
    tun: { bytes: 28, name: 'flanneld\'s UDP', effect: 'flanneld\'s UDP packets exceed the underlay and get fragmented' },
};

/** A device whose MTU a check compares with, and the declaration that decides it. */
interface Device {
    readonly name: string;
    readonly mtu: number;
    readonly span?: Span;
    readonly what: string;
}

function related(d: Device) {
    return d.span ? [{ span: d.span, message: d.what }] : undefined;
}

function setMtu(span: Span, mtu: number) {
    return [{ title: `Set the MTU to ${mtu}`, edits: [{ span, newText: String(mtu) }] }];
}

export function checkMtu(ctx: CheckContext): Finding[] {
    const out: Finding[] = [];
    const { model } = ctx;
    const multiNode = model.nodes.length > 1;
    for (const node of model.nodes) cleanNodes.check(ctx, node, out, () => {
        const declared = new Map(node.declaredLinks.map(l => [l.name, l]));
        const underlay = (name: string | undefined): Device => {
            const nic = name ?? node.addresses[0]?.nic ?? 'eth0';
            const d = declared.get(nic);
            if (d?.spans?.mtu) return { name: nic, mtu: d.mtu, span: d.spans.mtu, what: `MTU of ${nic}` };
            const a = node.addresses.find(x => x.nic === nic) ?? node.addresses[0];
            const net = a?.network;
            return { name: nic, mtu: net?.mtu ?? 1500, span: net?.spans.mtu ?? net?.spans.name, what: net ? `network ${net.name}, MTU ${net.mtu}` : '' };
        };
        // Overlay devices too large for their underlay.
        const limits = new Map<string, number>();
        for (const l of node.declaredLinks) {
            const o = OVERHEAD[l.kind];
            if (!o || (l.kind === 'tun' && l.name !== 'flannel0')) continue;
            const u = underlay(l.parent);
            const limit = u.mtu - o.bytes;
            limits.set(l.name, limit);
            if (l.mtu <= limit || !l.spans?.mtu) continue;
            out.push({
                code: Codes.mtuMismatch, severity: 'error', span: l.spans.mtu,
                message: `${l.name} on ${node.name} has MTU ${l.mtu}, above ${u.name}'s ${u.mtu} − ${o.bytes} (${o.name}) = ${limit}: ${o.effect}`
                    // Measured by `knet lab`: a VXLAN device bound to its lower device is capped there.
                    + (l.kind === 'vxlan' && l.parent ? `; the kernel itself refuses a VXLAN device on ${l.parent} above ${limit} ("RTNETLINK answers: Invalid argument")` : ''),
                related: related(u),
                fixes: setMtu(l.spans.mtu, limit),
            });
        }
        out.push(...veths(ctx, node, declared));
        // Pods above the device their traffic to other nodes crosses. That device is found
        // for the first pod that declares an MTU: most nodes have none (5,000 nodes an edit).
        let crossing: ReturnType<typeof crossingDevice> | null = null;
        for (const pod of node.pods) {
            if (pod.mtu === undefined || pod.hostNetwork || pod.noNetwork) continue;
            if (crossing === null) crossing = crossingDevice(ctx, node, declared, limits, underlay);
            if (!crossing || (crossing.overlay && !multiNode)) break;
            if (pod.mtu <= crossing.mtu || !pod.mtuSpan || ctx.isFaulted(pod)) continue;
            out.push({
                code: Codes.mtuMismatch, severity: 'warning', span: pod.mtuSpan,
                message: `pod ${pod.name} has MTU ${pod.mtu}, above ${crossing.name}'s ${crossing.mtu} on ${node.name}, which its packets to other nodes cross: ${node.name} answers "frag needed" (mtu ${crossing.mtu}) and senders must lower their path MTU; where ICMP is filtered, large transfers stall`,
                related: related(crossing),
                fixes: setMtu(pod.mtuSpan, crossing.mtu),
            });
        }
    });
    out.push(...networkMtus(ctx));
    return out;
}

function crossingDevice(ctx: CheckContext, node: Node, declared: Map<string, Link>, limits: Map<string, number>,
    underlay: (name: string | undefined) => Device): (Device & { overlay: boolean }) | undefined {
    const cni = ctx.model.cni;
    let device = ctx.generator.overlayDevice(node);
    if (device && cni.plugin === 'calico' && cni.ipipMode === 'CrossSubnet' && cni.backend === 'ipip') {
        // CrossSubnet tunnels only toward nodes in another subnet: there is one unless all share the node's.
        const self = node.addresses[0];
        ctx.readsOtherNodes();
        if (!self || subnetsOf(ctx).size <= 1) device = undefined;
    }
    if (!device) {
        const u = underlay(undefined);
        return { ...u, overlay: false };
    }
    const d = declared.get(device);
    const limit = limits.get(device);
    if (d?.spans?.mtu) return { name: device, mtu: limit !== undefined ? Math.min(d.mtu, limit) : d.mtu, overlay: true, span: d.spans.mtu, what: `MTU of ${device}` };
    const generated = ctx.generator.nodeLinks(node).find(l => l.name === device);
    const cniSpan = ctx.model.cni.origin.span;
    return generated ? { name: device, mtu: generated.mtu, overlay: true, span: cniSpan, what: `${device} (MTU ${generated.mtu}) comes from this cni` } : undefined;
}

const subnetCache = new WeakMap<CheckContext, Set<string>>();

/** The distinct underlay subnets of the nodes' primary addresses, once per run. */
function subnetsOf(ctx: CheckContext): Set<string> {
    let set = subnetCache.get(ctx);
    if (!set) {
        set = new Set(ctx.model.nodes.filter(n => n.addresses[0]).map(n => {
            const a = n.addresses[0];
            return formatPrefix(cidr(a.address, a.network.cidr.length));
        }));
        subnetCache.set(ctx, set);
    }
    return set;
}

/** Both ends of a veth carry one MTU: a pod's eth0 and its host side, or two declared ends. */
function veths(ctx: CheckContext, node: Node, declared: Map<string, Link>): Finding[] {
    const out: Finding[] = [];
    // Only a declared MTU can disagree; naming every pod's veth (a hash each) is for nodes that declare one.
    if (!node.declaredLinks.some(l => l.spans?.mtu)) return out;
    const byIface = new Map<string, Pod>();
    for (const p of node.pods) if (!p.hostNetwork && !p.noNetwork) byIface.set(p.hostIface, p);
    for (const l of node.declaredLinks) {
        if (!l.spans?.mtu) continue;
        const pod = byIface.get(l.name);
        if (pod) {
            const eth0 = pod.mtu ?? ctx.generator.pod(pod).mtu;
            if (eth0 === l.mtu) continue;
            out.push({
                code: Codes.mtuMismatch, severity: 'error', span: l.spans.mtu,
                message: `${l.name} on ${node.name} has MTU ${l.mtu} but its other end, eth0 of pod ${pod.name}, has ${eth0}: frames larger than ${Math.min(eth0, l.mtu)} are dropped at the veth without any ICMP`,
                related: pod.mtuSpan ? [{ span: pod.mtuSpan, message: `MTU of pod ${pod.name}` }] : pod.nameSpan ? [{ span: pod.nameSpan, message: `pod ${pod.name}` }] : undefined,
                fixes: setMtu(l.spans.mtu, eth0),
            });
            continue;
        }
        const peer = l.kind === 'veth' && l.peer ? declared.get(l.peer.device) : undefined;
        // Report a declared pair once, on the later end.
        if (!peer || !peer.spans?.mtu || peer.mtu === l.mtu || (peer.spans.mtu.start > l.spans.mtu.start)) continue;
        out.push({
            code: Codes.mtuMismatch, severity: 'error', span: l.spans.mtu,
            message: `${l.name} on ${node.name} has MTU ${l.mtu} but its peer ${peer.name} has ${peer.mtu}: frames larger than ${Math.min(peer.mtu, l.mtu)} are dropped at the veth without any ICMP`,
            related: [{ span: peer.spans.mtu, message: `MTU of ${peer.name}` }],
            fixes: setMtu(l.spans.mtu, peer.mtu),
        });
    }
    return out;
}

/**
 * NICs on one network agree on its MTU: the network's if written, else what most of its nodes
 * use. Only a NIC whose link declares an MTU can differ; the others are counted, not listed.
 */
function networkMtus(ctx: CheckContext): Finding[] {
    const out: Finding[] = [];
    interface Nic { readonly order: number; readonly node: Node; readonly mtu: number; readonly link: Link }
    const perNetwork = new Map<string, { nics: number; firstPlain?: { order: number; node: Node }; declared: Nic[] }>();
    const nodes = ctx.model.nodes;
    for (let order = 0; order < nodes.length; order++) {
        const node = nodes[order];
        for (const a of node.addresses) {
            let entry = perNetwork.get(a.network.name);
            if (!entry) perNetwork.set(a.network.name, entry = { nics: 0, declared: [] });
            entry.nics++;
            const link = node.declaredLinks.length > 0 ? node.declaredLinks.find(l => l.name === a.nic && l.spans?.mtu) : undefined;
            if (link) entry.declared.push({ order, node, mtu: link.mtu, link });
            else entry.firstPlain ??= { order, node };
        }
    }
    for (const [name, { nics, firstPlain, declared }] of perNetwork) {
        const net = ctx.model.networkByName.get(name)!;
        let reference = net.mtu;
        let referenceNode: Node | undefined;
        if (!net.mtuDeclared) {
            const counts = new Map<number, number>();
            if (nics > declared.length) counts.set(net.mtu, nics - declared.length);
            for (const e of declared) counts.set(e.mtu, (counts.get(e.mtu) ?? 0) + 1);
            // Most nodes win; on a tie, the network's default (what undeclared NICs carry).
            reference = [...counts].sort((a, b) => b[1] - a[1] || Number(b[0] === net.mtu) - Number(a[0] === net.mtu))[0][0];
            const firstDeclared = declared.find(e => e.mtu === reference);
            const plain = reference === net.mtu ? firstPlain : undefined;
            referenceNode = plain && (!firstDeclared || plain.order < firstDeclared.order) ? plain.node : firstDeclared?.node;
        }
        for (const e of declared) {
            if (e.mtu === reference || !e.link.spans?.mtu) continue;
            const by = net.mtuDeclared ? `network ${name} has MTU ${reference}` : `the other nodes on ${name} (${referenceNode?.name}) use ${reference}`;
            out.push({
                code: Codes.mtuMismatch, severity: 'error', span: e.link.spans.mtu,
                message: `${e.link.name} on ${e.node.name} has MTU ${e.mtu} but ${by}: frames larger than ${Math.min(e.mtu, reference)} are dropped by the receiving NIC without any ICMP`,
                related: net.mtuDeclared && net.spans.mtu ? [{ span: net.spans.mtu, message: `MTU of network ${name}` }] : undefined,
                fixes: setMtu(e.link.spans.mtu, reference),
            });
        }
    }
    return out;
}
