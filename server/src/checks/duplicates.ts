/**
 * duplicate-address: one routed address owned twice (pods, nodes, hosts, clusterIPs,
 * gateways, the addresses the CNI gives node devices: cni0, flannel.1, tunl0). One Map
 * pass, no sort: a claim is a small record, and its words, range and fix are worked out
 * only when it collides. The CNI's own addresses claim first, so a pod that took its
 * node's gateway is the one reported; between declarations the later in the file is.
 * Two generated addresses colliding follow from overlapping ranges (overlapping-cidr's).
 * Node-local addresses (docker0 on every node) are not routed and may repeat.
 *
 * The model already knows which addresses are claimed twice (`contested`, found while
 * building its owner map): only claims on those can collide, so only those are looked at.
 */
import { type Cidr, type Ip, formatIp } from '../model/address';
import type { Host, Network, Node, NodeAddress, Pod, Service, Span } from '../model/types';
import { type Finding, Codes } from './finding';
import type { CheckContext } from './context';
import { podRanges } from './ranges';

type Claim =
    | { readonly kind: 'device'; readonly node: Node; readonly device: string }
    | { readonly kind: 'gateway'; readonly network: Network }
    | { readonly kind: 'node'; readonly node: Node; readonly address: NodeAddress }
    | { readonly kind: 'pod'; readonly pod: Pod }
    | { readonly kind: 'host'; readonly host: Host }
    | { readonly kind: 'service'; readonly service: Service };

function spanOf(c: Claim): Span | undefined {
    switch (c.kind) {
        case 'device': return c.node.podCidrSpan ?? c.node.blockSpans[0] ?? c.node.nameSpan;
        case 'gateway': return c.network.spans.gateway;
        case 'node': return c.address.spans.address;
        case 'pod': return c.pod.addressSpan;
        case 'host': return c.host.addressSpan;
        case 'service': return c.service.clusterIPSpan;
    }
}

function who(c: Claim): string {
    switch (c.kind) {
        case 'device': return `${c.device} of ${c.node.name}${c.device === 'cni0' || c.device === 'cbr0' ? ' (the gateway of its pods)' : ''}`;
        case 'gateway': return `the gateway of ${c.network.name}`;
        case 'node': return `node ${c.node.name} (${c.address.nic})`;
        case 'pod': return `pod ${c.pod.name}`;
        case 'host': return `host ${c.host.name}`;
        case 'service': return `service ${c.service.name}`;
    }
}

/** Where a fix takes the next free address from, and what it must not take. */
function rangeOf(ctx: CheckContext, c: Claim): { range: Cidr; name: string; reserved: (ip: Ip) => boolean } | undefined {
    const { model } = ctx;
    switch (c.kind) {
        case 'node': {
            const net = c.address.network;
            return { range: net.cidr, name: `network ${net.name}`, reserved: ip => ip === net.gateway };
        }
        case 'host': {
            const net = c.host.network;
            return net ? { range: net.cidr, name: `network ${net.name}`, reserved: ip => ip === net.gateway } : undefined;
        }
        case 'service': {
            const sn = model.serviceNetwork;
            return sn ? { range: sn, name: 'the service network', reserved: ip => ip === sn.network + 1 } : undefined;
        }
        case 'pod': {
            const ranges = podRanges(model, c.pod.node);
            const ip = c.pod.address!;
            const r = ranges.find(x => x.cidr.network <= ip && ip <= x.cidr.last);
            if (!r) return undefined;
            const calico = model.cni.plugin === 'calico';
            return {
                range: r.cidr, name: `${c.pod.node.name}'s ${r.label}`,
                reserved: a => calico ? ranges.some(b => b.cidr.network === a) : a === r.cidr.network + 1,
            };
        }
        default: return undefined;
    }
}

export function checkDuplicateAddresses(ctx: CheckContext): Finding[] {
    const { model, generator } = ctx;
    const out: Finding[] = [];
    const contested = model.contested;
    if (contested.size === 0) return out;
    const first = new Map<Ip, Claim>();
    for (const node of model.nodes) {
        if (ctx.isFaulted(node.podCidr)) continue;
        for (const d of generator.nodeDeviceAddresses(node)) {
            if (contested.has(d.address) && !first.has(d.address)) first.set(d.address, { kind: 'device', node, device: d.device });
        }
    }
    const claim = (ip: Ip, c: Claim) => {
        if (!contested.has(ip)) return;
        const prior = first.get(ip);
        if (!prior) { first.set(ip, c); return; }
        // The later declaration is the duplicate; the Map keeps the earliest.
        let [earlier, later] = [prior, c];
        if (prior.kind !== 'device' && (spanOf(c)?.start ?? Infinity) < (spanOf(prior)?.start ?? Infinity)) {
            [earlier, later] = [c, prior];
            first.set(ip, c);
        }
        report(ip, earlier, later);
    };
    const report = (ip: Ip, earlier: Claim, later: Claim) => {
        const span = spanOf(later);
        if (!span) return;
        const owner = later.kind === 'pod' ? later.pod : later.kind === 'node' ? later.address : later.kind === 'host' ? later.host : later.kind === 'service' ? later.service : undefined;
        ctx.fault(owner);
        const r = rangeOf(ctx, later);
        const next = r ? ctx.free.next(r.range, r.reserved) : undefined;
        const earlierSpan = spanOf(earlier);
        const generated = earlier.kind === 'device';
        out.push({
            code: Codes.duplicateAddress, severity: 'error', span,
            message: `${formatIp(ip)} of ${who(later)} is already the address of ${who(earlier)}: ${generated ? 'the node answers for it itself' : 'ARP and routes can lead to one of them only'}`,
            related: earlierSpan ? [{ span: earlierSpan, message: generated ? who(earlier) : `${formatIp(ip)}: ${who(earlier)}` }] : undefined,
            fixes: next !== undefined && r ? [{ title: `Take ${formatIp(next)}, the next free address of ${r.name}`, edits: [{ span, newText: formatIp(next) }] }] : undefined,
        });
    };
    for (const network of model.networks) if (network.gateway !== undefined) claim(network.gateway, { kind: 'gateway', network });
    for (const node of model.nodes) {
        for (const address of node.addresses) if (!ctx.isFaulted(address)) claim(address.address, { kind: 'node', node, address });
    }
    const calico = model.cni.plugin === 'calico';
    for (const pod of model.pods) {
        const ip = pod.address;
        if (ip === undefined || ctx.isFaulted(pod)) continue;
        // Two nodes handed one range give their pods one address: overlapping-cidr is the root.
        const range = calico ? pod.node.blocks.find(b => b.network <= ip && ip <= b.last) : pod.node.podCidr;
        if (range && ctx.isFaulted(range)) continue;
        claim(ip, { kind: 'pod', pod });
    }
    for (const host of model.hosts) if (!ctx.isFaulted(host)) claim(host.address, { kind: 'host', host });
    for (const service of model.services) {
        if (service.clusterIP !== undefined && !ctx.isFaulted(service)) claim(service.clusterIP, { kind: 'service', service });
    }
    return out;
}
