/**
 * duplicate-address: one routed address owned twice (pods, nodes, hosts, clusterIPs,
 * gateways, the addresses the CNI gives node devices: cni0, flannel.1, tunl0). One Map
 * pass. The CNI's own addresses claim first, so a pod that took its node's gateway is the
 * one reported; two generated addresses colliding follow from overlapping ranges, which
 * overlapping-cidr reports. Node-local addresses (docker0 on every node) are not routed
 * and may repeat.
 */
import { type Cidr, type Ip, formatIp } from '../model/address';
import type { Span } from '../model/types';
import { type Finding, Codes } from './finding';
import type { CheckContext } from './context';
import { podRanges } from './ranges';

interface Claim {
    readonly ip: Ip;
    /** "node node01 (ens192)", "pod web", "cni0 of node01 (its pods' gateway)" */
    readonly who: string;
    readonly span?: Span;
    readonly generated: boolean;
    /** Where a fix takes the next free address from, and what it must not take. */
    readonly range?: Cidr;
    readonly rangeName?: string;
    readonly reserved?: (ip: Ip) => boolean;
    readonly owner?: object;
}

export function checkDuplicateAddresses(ctx: CheckContext): Finding[] {
    const { model, generator } = ctx;
    const out: Finding[] = [];
    const generated: Claim[] = [];
    const declared: Claim[] = [];
    for (const node of model.nodes) {
        if (ctx.isFaulted(node.podCidr)) continue;
        for (const d of generator.nodeDeviceAddresses(node)) {
            const role = d.device === 'cni0' || d.device === 'cbr0' ? ` (the gateway of its pods)` : '';
            generated.push({ ip: d.address, who: `${d.device} of ${node.name}${role}`, span: node.podCidrSpan ?? node.blockSpans[0] ?? node.nameSpan, generated: true });
        }
    }
    for (const net of model.networks) {
        if (net.gateway !== undefined) declared.push({ ip: net.gateway, who: `the gateway of ${net.name}`, span: net.spans.gateway, generated: false });
    }
    for (const node of model.nodes) {
        for (const a of node.addresses) {
            if (ctx.isFaulted(a)) continue;
            declared.push({
                ip: a.address, who: `node ${node.name} (${a.nic})`, span: a.spans.address, generated: false, owner: a,
                range: a.network.cidr, rangeName: `network ${a.network.name}`, reserved: ip => ip === a.network.gateway,
            });
        }
    }
    for (const pod of model.pods) {
        if (pod.address === undefined || ctx.isFaulted(pod)) continue;
        const ranges = podRanges(model, pod.node);
        const r = ranges.find(x => x.cidr.network <= pod.address! && pod.address! <= x.cidr.last);
        // Two nodes handed one range give their pods one address: overlapping-cidr is the root.
        if (r && ctx.isFaulted(r.cidr)) continue;
        const calico = model.cni.plugin === 'calico';
        declared.push({
            ip: pod.address, who: `pod ${pod.name}`, span: pod.addressSpan, generated: false, owner: pod,
            range: r?.cidr, rangeName: r ? `${pod.node.name}'s ${r.label}` : undefined,
            reserved: ip => calico ? ranges.some(b => b.cidr.network === ip) : !!r && ip === r.cidr.network + 1,
        });
    }
    for (const host of model.hosts) {
        if (ctx.isFaulted(host)) continue;
        const net = host.network;
        declared.push({
            ip: host.address, who: `host ${host.name}`, span: host.addressSpan, generated: false, owner: host,
            range: net?.cidr, rangeName: net ? `network ${net.name}` : undefined, reserved: ip => ip === net?.gateway,
        });
    }
    for (const s of model.services) {
        if (s.clusterIP === undefined || ctx.isFaulted(s)) continue;
        const sn = model.serviceNetwork;
        declared.push({
            ip: s.clusterIP, who: `service ${s.name}`, span: s.clusterIPSpan, generated: false, owner: s,
            range: sn, rangeName: 'the service network', reserved: ip => !!sn && ip === sn.network + 1,
        });
    }
    // Declarations in file order: the later one is reported.
    declared.sort((a, b) => (a.span?.start ?? 0) - (b.span?.start ?? 0));

    const first = new Map<Ip, Claim>();
    for (const c of generated) if (!first.has(c.ip)) first.set(c.ip, c);
    for (const c of declared) {
        const prior = first.get(c.ip);
        if (!prior) { first.set(c.ip, c); continue; }
        if (!c.span) continue;
        ctx.fault(c.owner);
        const next = c.range ? ctx.free.next(c.range, c.reserved) : undefined;
        out.push({
            code: Codes.duplicateAddress, severity: 'error', span: c.span,
            message: `${formatIp(c.ip)} of ${c.who} is already the address of ${prior.who}: ${prior.generated ? 'the node answers for it itself' : 'ARP and routes can lead to one of them only'}`,
            related: prior.span ? [{ span: prior.span, message: prior.generated ? `${prior.who}` : `${formatIp(c.ip)}: ${prior.who}` }] : undefined,
            fixes: next !== undefined ? [{ title: `Take ${formatIp(next)}, the next free address of ${c.rangeName}`, edits: [{ span: c.span, newText: formatIp(next) }] }] : undefined,
        });
    }
    return out;
}
