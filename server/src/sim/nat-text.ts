/**
 * How netfilter's answer reads in a trace: the chains walked, the rule that decided,
 * each hit as iptables-save prints it.
 */
import { formatIp } from '../model/address';
import type { Hook, HookResult, RuleHit } from './netfilter/types';

export function hitText(h: RuleHit): string {
    return h.table === 'nat' || h.table === 'filter' || h.table === 'mangle' ? `-t ${h.table} ${h.rule}` : `${h.table}: ${h.rule}`;
}

/** The rule that decided: the last DNAT/MASQUERADE/verdict hit, else the last one. */
export function lastDeciding(hits: readonly RuleHit[]): RuleHit | undefined {
    for (let i = hits.length - 1; i >= 0; i--) if (/-j (DNAT|MASQUERADE|SNAT|REJECT|DROP|REDIRECT)|dnat|masquerade|reject|drop/.test(hits[i].rule)) return hits[i];
    return hits[hits.length - 1];
}

export function natSummary(hook: Hook, r: HookResult, bridged: boolean): string {
    // Each chain once, in the order the walk entered it (a RETURN revisits its caller).
    const chains: string[] = [];
    for (const h of r.hits) if (h.chain !== hook && !chains.includes(h.chain)) chains.push(h.chain);
    const path = chains.join(' → ');
    const where = `${hook}${bridged ? ' (br_netfilter, bridged)' : ''}`;
    let what = '';
    if (r.ipvs) what = `IPVS ${r.ipvs.virtualServer.replace(/\s+/g, ' ')} → ${r.ipvs.realServer.replace(/\s+/g, ' ')}`;
    else if (r.redirectedToProxy) what = `REDIRECT to kube-proxy port ${r.redirectedToProxy.port}`;
    else if (r.dnat) what = `DNAT to ${formatIp(r.dnat.to)}${r.dnat.port !== undefined ? `:${r.dnat.port}` : ''}`;
    if (r.snat) what += `${what ? ', ' : ''}${r.snat.masquerade ? 'MASQUERADE' : 'SNAT'} to ${formatIp(r.snat.to)}`;
    if (r.verdict !== 'ACCEPT') what += `${what ? ', ' : ''}${r.verdict}`;
    if (!what && r.packet.mark) what = `mark 0x${r.packet.mark.toString(16)}`;
    return `${where}: ${path || hook}${what ? ` — ${what}` : ''}`;
}
