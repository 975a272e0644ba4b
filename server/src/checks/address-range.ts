/**
 * address-outside-range: a pod outside its node's podCIDR/blocks, a node or host outside
 * its network, a gateway outside its network, a clusterIP outside the service network, a
 * podCIDR or block outside the pod network. Each fix takes the next free address (or
 * range) of the range it belongs to.
 */
import { type Cidr, type Ip, cidr, contains, formatIp, formatPrefix, overlaps, within } from '../model/address';
import type { ClusterModel, Pod, Span } from '../model/types';
import { type Finding, type Fix, Codes } from './finding';
import type { CheckContext } from './context';
import { type NodeRange, nodeRanges, podRanges } from './ranges';
import { CleanNodes } from './clean-nodes';

/** Nodes found clean by each per-node part, kept across versions (see `CleanNodes`). */
const cleanRanges = new CleanNodes();
const cleanAddresses = new CleanNodes();
const cleanPods = new CleanNodes();

export function checkAddressRanges(ctx: CheckContext): Finding[] {
    const { model } = ctx;
    const out: Finding[] = [];
    const report = (span: Span | undefined, message: string, related: { span?: Span; message: string } | undefined, fix?: Fix) => {
        if (!span) return;
        out.push({
            code: Codes.addressOutsideRange, severity: 'error', span, message,
            related: related?.span ? [{ span: related.span, message: related.message }] : undefined,
            fixes: fix ? [fix] : undefined,
        });
    };
    const take = (span: Span | undefined, range: Cidr, what: string, reserved?: (ip: Ip) => boolean): Fix | undefined => {
        const ip = ctx.free.next(range, reserved);
        return ip === undefined || !span ? undefined
            : { title: `Take ${formatIp(ip)}, the next free address of ${what}`, edits: [{ span, newText: formatIp(ip) }] };
    };

    // Node ranges against the pod network.
    const podNetwork = model.podNetwork;
    if (podNetwork) {
        // The free ranges are worked out for the first range that needs one (most runs: none).
        let freeRanges: FreeRanges | undefined;
        for (const node of model.nodes) cleanRanges.check(ctx, node, out, () => {
            for (const r of nodeRanges(model, node)) {
                if (within(r.cidr, podNetwork) || !r.span) continue;
                ctx.fault(r.cidr);
                freeRanges ??= new FreeRanges(podNetwork, model.nodes.flatMap(n => nodeRanges(model, n).map(r => r.cidr)));
                const next = freeRanges.next(r.cidr.length);
                report(r.span, `${r.label} of ${node.name} ${overlaps(r.cidr, podNetwork) ? 'reaches outside' : 'lies outside'} the pod network ${formatPrefix(podNetwork)}: the CNI routes only the pod network between nodes`,
                    { span: model.podNetworkSpan, message: `pod network ${formatPrefix(podNetwork)}` },
                    next ? { title: `Take ${formatPrefix(next)}, the next free /${next.length} of the pod network`, edits: [{ span: r.span, newText: formatPrefix(next) }] } : undefined);
            }
        });
    }

    // Node and host addresses against their network; gateways too.
    for (const net of model.networks) {
        if (net.gateway !== undefined && !contains(net.cidr, net.gateway)) {
            report(net.spans.gateway, `gateway ${formatIp(net.gateway)} of network ${net.name} lies outside ${formatPrefix(net.cidr)}: no machine on it can reach that next hop`,
                { span: net.spans.cidr, message: `network ${net.name}` });
        }
    }
    const gatewayOf = (ip: Ip, net: { gateway?: Ip }) => ip === net.gateway;
    for (const node of model.nodes) cleanAddresses.check(ctx, node, out, () => {
        for (const a of node.addresses) {
            if (contains(a.network.cidr, a.address) || ctx.isFaulted(a)) continue;
            ctx.fault(a);
            ctx.fault(node);
            report(a.spans.address, `address ${formatIp(a.address)} of ${node.name} lies outside network ${a.network.name} ${formatPrefix(a.network.cidr)}: nothing on ${a.network.name} can reach it`,
                { span: a.network.spans.cidr, message: `network ${a.network.name}` },
                take(a.spans.address, a.network.cidr, `${a.network.name}`, ip => gatewayOf(ip, a.network)));
        }
    });
    for (const host of model.hosts) {
        const net = host.network;
        if (!net || contains(net.cidr, host.address)) continue;
        ctx.fault(host);
        report(host.addressSpan, `address ${formatIp(host.address)} of host ${host.name} lies outside network ${net.name} ${formatPrefix(net.cidr)}`,
            { span: net.spans.cidr, message: `network ${net.name}` }, take(host.addressSpan, net.cidr, net.name, ip => gatewayOf(ip, net)));
    }

    // Pods against their node's ranges, worked out once per node, not once per pod.
    const calico = model.cni.plugin === 'calico';
    const leftOut = podsLeftOut(model);
    for (const node of model.nodes) cleanPods.check(ctx, node, out, () => {
        const ranges = podRanges(model, node);
        if (ranges.some(r => ctx.isFaulted(r.cidr))) return; // the node's range is the fault
        for (const pod of node.pods) {
            if (pod.address === undefined || ctx.isFaulted(pod)) continue;
            // A pod declared twice is reported as such; the model holds only its first.
            if (leftOut?.has(pod)) { ctx.readsOtherNodes(); continue; }
            if (ranges.length > 0) {
                let home: NodeRange | undefined;
                for (const r of ranges) if (contains(r.cidr, pod.address)) { home = r; break; }
                // The bridge plugin's IPAM never hands out a subnet's network or broadcast address.
                const edge = home && !calico && home.cidr.length < 31
                    && (pod.address === home.cidr.network ? 'network' : pod.address === home.cidr.last ? 'broadcast' : undefined);
                if (home && edge) {
                    ctx.fault(pod);
                    report(pod.addressSpan, `pod ${pod.name} address ${formatIp(pod.address)} is the ${edge} address of ${node.name}'s ${home.label}, not one a pod can hold`,
                        { span: home.span, message: `${home.label} of ${node.name}` },
                        take(pod.addressSpan, home.cidr, `${node.name}'s ${home.label}`, ip => ip === home.cidr.network + 1));
                    continue;
                }
                if (home) continue;
                ctx.fault(pod);
                const r = ranges[0];
                // The bridge's gateway (.1) and Calico's tunnel address (the block's first) are taken.
                const reserved = (ip: Ip) => calico ? ranges.some(b => b.cidr.network === ip) : ip === r.cidr.network + 1;
                report(pod.addressSpan, `pod ${pod.name} address ${formatIp(pod.address)} lies outside ${node.name}'s ${ranges.map(x => x.label).join(', ')}: the CNI routes it to another node or nowhere`,
                    { span: r.span, message: `${r.label} of ${node.name}` }, take(pod.addressSpan, r.cidr, `${node.name}'s ${r.label}`, reserved));
            } else if (podNetwork && !contains(podNetwork, pod.address)) {
                ctx.fault(pod);
                report(pod.addressSpan, `pod ${pod.name} address ${formatIp(pod.address)} lies outside the pod network ${formatPrefix(podNetwork)}`,
                    { span: model.podNetworkSpan, message: `pod network ${formatPrefix(podNetwork)}` });
            }
        }
    });

    // ClusterIPs against the service network.
    const services = model.serviceNetwork;
    if (services) {
        // 10.96.0.1 is the apiserver's `kubernetes` service.
        const reserved = (ip: Ip) => ip === services.network + 1;
        for (const s of model.services) {
            if (s.clusterIP === undefined || contains(services, s.clusterIP)) continue;
            ctx.fault(s);
            report(s.clusterIPSpan, `clusterIP ${formatIp(s.clusterIP)} of service ${s.name} lies outside the service network ${formatPrefix(services)}: the apiserver refuses it ("provided IP is not in the valid range")`,
                { span: model.serviceNetworkSpan, message: `service network ${formatPrefix(services)}` },
                take(s.clusterIPSpan, services, 'the service network', reserved));
        }
    }
    return out;
}

/** The pods on nodes that the model left out (declared twice), when there are any. */
function podsLeftOut(model: ClusterModel): Set<Pod> | undefined {
    let onNodes = 0;
    for (const n of model.nodes) onNodes += n.pods.length;
    if (onNodes === model.pods.length) return undefined;
    const inModel = new Set(model.pods);
    return new Set(model.nodes.flatMap(n => n.pods.filter(p => !inModel.has(p))));
}

/** Free aligned ranges of one length inside `outer`, skipping any that overlap a taken one (sorted sweep). */
class FreeRanges {
    private readonly taken: Cidr[];
    private readonly cursor = new Map<number, number>();

    constructor(private readonly outer: Cidr, taken: Cidr[]) {
        this.taken = taken.filter(c => overlaps(c, outer)).sort((a, b) => a.network - b.network);
    }

    next(length: number): Cidr | undefined {
        if (length < this.outer.length || length > 32) return undefined;
        const step = 2 ** (32 - length);
        let at = this.cursor.get(length) ?? this.outer.network;
        let i = 0;
        while (at + step - 1 <= this.outer.last) {
            const candidate = cidr(at, length);
            while (i < this.taken.length && this.taken[i].last < candidate.network) i++;
            // Taken ranges are sorted by start; any overlapping one starts before the candidate's end.
            let clash: Cidr | undefined;
            for (let j = i; j < this.taken.length && this.taken[j].network <= candidate.last; j++) {
                if (overlaps(this.taken[j], candidate)) { clash = this.taken[j]; break; }
            }
            if (!clash) {
                this.cursor.set(length, at + step);
                this.taken.splice(i, 0, candidate);
                return candidate;
            }
            at = Math.max(at + step, Math.ceil((clash.last + 1) / step) * step);
        }
        return undefined;
    }
}
