/**
 * The CNI portmap plugin's hostPort rules, as it writes them in a node's nat table:
 * PREROUTING and OUTPUT jump to CNI-HOSTPORT-DNAT for local destinations, which sends a
 * pod's host port to its CNI-DN-… chain: hairpin and localhost sources marked for
 * masquerade (CNI-HOSTPORT-SETMARK), then DNAT to the pod's address and container port.
 */
import { type Ip, formatIp, formatPrefix } from '../model/address';
import { fnv1a } from '../model/names';
import type { Node, Pod } from '../model/types';
import type { Hook, PacketView, RuleHit } from './netfilter/types';

const LOOPBACK = 0x7f000001;
/** CNI-HOSTPORT-SETMARK's mark: CNI-HOSTPORT-MASQ masquerades what carries it. */
const HOSTPORT_MARK = 0x2000;

export interface PortmapResult {
    readonly packet: PacketView;
    readonly hits: RuleHit[];
    readonly dnat: { to: Ip; port: number };
    readonly pod: Pod;
}

/** The chain name the plugin derives from the container (CNI-DN- + a hash). */
function dnChain(pod: Pod): string {
    return 'CNI-DN-' + fnv1a(pod.key).toString(16).padStart(8, '0') + fnv1a(pod.key, 0x1234567).toString(16).padStart(8, '0').slice(0, 4);
}

/** Evaluates the portmap rules at PREROUTING/OUTPUT; undefined when no host port matches. */
export function portmapHook(hook: Hook, node: Node, p: PacketView, isLocal: (ip: Ip) => boolean): PortmapResult | undefined {
    if ((hook !== 'PREROUTING' && hook !== 'OUTPUT') || p.protocol !== 'tcp' && p.protocol !== 'udp' || p.dstPort === undefined) return undefined;
    let pod: Pod | undefined;
    for (const candidate of node.pods) {
        if (candidate.hostPort?.host === p.dstPort && candidate.address !== undefined && !candidate.hostNetwork) { pod = candidate; break; }
    }
    if (!pod || !pod.hostPort || pod.address === undefined || !isLocal(p.dst)) return undefined;
    const chain = dnChain(pod);
    const port = pod.hostPort.host;
    const span = pod.origin.span;
    const hit = (c: string, rule: string): RuleHit => ({ table: 'nat', chain: c, rule, by: 'file', span });
    const hits: RuleHit[] = [
        hit(hook, `-A ${hook} -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT`),
        hit('CNI-HOSTPORT-DNAT', `-A CNI-HOSTPORT-DNAT -p ${p.protocol} -m comment --comment "dnat name: \\"cbr0\\" id: \\"${pod.key}\\"" -m multiport --dports ${port} -j ${chain}`),
    ];
    let mark = p.mark;
    const range = node.podCidr;
    if (range && p.src >= range.network && p.src <= range.last) {
        hits.push(hit(chain, `-A ${chain} -s ${formatPrefix(range)} -p ${p.protocol} -m ${p.protocol} --dport ${port} -j CNI-HOSTPORT-SETMARK`));
        mark |= HOSTPORT_MARK;
    } else if (p.src === LOOPBACK) {
        hits.push(hit(chain, `-A ${chain} -s 127.0.0.1/32 -p ${p.protocol} -m ${p.protocol} --dport ${port} -j CNI-HOSTPORT-SETMARK`));
        mark |= HOSTPORT_MARK;
    }
    const to = { to: pod.address, port: pod.hostPort.container };
    hits.push(hit(chain, `-A ${chain} -p ${p.protocol} -m ${p.protocol} --dport ${port} -j DNAT --to-destination ${formatIp(to.to)}:${to.port}`));
    return { packet: { ...p, dst: to.to, dstPort: to.port, mark }, hits, dnat: to, pod };
}
