/**
 * Walks netfilter chains as the kernel does: rules in order, a jump enters the target
 * chain and comes back on RETURN or at its end, DNAT/MASQUERADE/REDIRECT end the nat
 * table's walk (the first packet of a connection is the only one the nat table sees),
 * ACCEPT ends the table, DROP/REJECT end the packet.
 */
import type { Ip } from '../../model/address';
import { fnv1a } from '../../model/names';
import { formatIp } from '../../model/address';
import type { Alternative } from '../../protocol/trace';
import type { HookContext, PacketView, RuleHit } from './types';
import type { Rule, WalkEnv } from './rule';

export type Outcome = 'continue' | 'accept' | 'drop' | 'reject';

export interface WalkState {
    packet: PacketView;
    readonly hits: Rule[];
    dnat?: { to: Ip; port?: number };
    snat?: { to: Ip; port?: number; masquerade: boolean };
    redirect?: { port: number };
    alternatives?: Alternative[];
    outcome: Outcome;
}

/** The env a walk runs in: the choice among endpoints is made once per balancing chain. */
export function walkEnv(ctx: HookContext, state: WalkState, src: () => Ip): WalkEnv {
    const picked = new Map<string, number>();
    return {
        ctx,
        pick(chain, count, describe, affinity) {
            let i = picked.get(chain);
            if (i !== undefined) return i;
            // ClientIP affinity: a client always lands on one endpoint; stand in for the
            // first random pick with a hash of the client address, unless a choice is asked for.
            i = ctx.choice !== undefined ? Math.abs(Math.trunc(ctx.choice)) % count
                : affinity ? fnv1a(formatIp(src())) % count : 0;
            picked.set(chain, i);
            const chosen = i;
            state.alternatives = Array.from({ length: count }, (_, k) => ({ ...describe(k), choice: k, chosen: k === chosen }));
            return i;
        },
    };
}

export function newState(packet: PacketView): WalkState {
    return { packet, hits: [], outcome: 'continue' };
}

/**
 * Walks the tables of one hook in the kernel's order (e.g. nat then filter): each starts
 * afresh, and a DROP or REJECT in one ends the hook. Returns the last table's outcome.
 */
export function walkTables(tables: readonly (readonly Rule[])[], state: WalkState, env: WalkEnv): Outcome {
    let outcome: Outcome = 'continue';
    for (const t of tables) {
        state.outcome = 'continue';
        walkChain(t, state, env);
        outcome = state.outcome as Outcome;
        if (outcome === 'drop' || outcome === 'reject') break;
    }
    return outcome;
}

/** Walks `rules`; returns 'return' when the chain RETURNed or ended, else the table's outcome. */
export function walkChain(rules: readonly Rule[], state: WalkState, env: WalkEnv, depth = 0): 'return' | 'terminal' {
    if (depth > 32) return 'return'; // iptables refuses loops; never recurse without bound
    for (const rule of rules) {
        const p = state.packet;
        if (!rule.match(p, env)) continue;
        const t = rule.target;
        switch (t.kind) {
            case 'jump': {
                const mark = state.hits.length;
                state.hits.push(rule);
                const r = walkChain(t.rules(p, env), state, env, depth + 1);
                if (r === 'terminal') return r;
                // A jump into a chain where nothing matched decided nothing: leave it out.
                if (state.hits.length === mark + 1) state.hits.pop();
                continue;
            }
            case 'return':
                state.hits.push(rule);
                return 'return';
            case 'mark-or':
                state.hits.push(rule);
                state.packet = { ...p, mark: (p.mark | t.mark) >>> 0 };
                continue;
            case 'mark-xor':
                state.hits.push(rule);
                state.packet = { ...p, mark: (p.mark ^ t.mark) >>> 0 };
                continue;
            case 'dnat':
                state.hits.push(rule);
                state.packet = { ...p, dst: t.ip, dstPort: t.port ?? p.dstPort };
                state.dnat = { to: t.ip, port: t.port };
                state.outcome = 'accept';
                return 'terminal';
            case 'redirect': {
                state.hits.push(rule);
                state.redirect = { port: t.port };
                state.outcome = 'accept';
                return 'terminal';
            }
            case 'masquerade': {
                state.hits.push(rule);
                const to = env.ctx.outDevAddress ?? outDevAddress(env.ctx) ?? p.src;
                state.packet = { ...p, src: to };
                state.snat = { to, port: p.srcPort, masquerade: true };
                state.outcome = 'accept';
                return 'terminal';
            }
            case 'accept':
                state.hits.push(rule);
                state.outcome = 'accept';
                return 'terminal';
            case 'drop':
                state.hits.push(rule);
                state.outcome = 'drop';
                return 'terminal';
            case 'reject':
                state.hits.push(rule);
                state.outcome = 'reject';
                return 'terminal';
        }
    }
    return 'return';
}

/** MASQUERADE takes the primary address of the device the packet leaves by. */
function outDevAddress(ctx: HookContext): Ip | undefined {
    if (!ctx.outDev) return ctx.node.addresses[0]?.address;
    return ctx.node.netns().links.get(ctx.outDev)?.addresses[0]?.address ?? ctx.node.addresses[0]?.address;
}

/** Rules hit, as the trace reports them: iptables text, or the nftables backend's rules. */
export function toHits(rules: readonly Rule[], nft: boolean): RuleHit[] {
    const out: RuleHit[] = [];
    let last = '';
    for (const r of rules) {
        // kubelet's KUBE-FIREWALL stays an iptables rule in every mode.
        if (!nft || r.by !== 'kube-proxy' || r.chain === 'KUBE-FIREWALL' || (r.target.kind === 'jump' && r.target.chain === 'KUBE-FIREWALL')) {
            out.push({ table: r.table, chain: r.chain, rule: r.text, by: r.by, span: r.span, position: r.position });
            continue;
        }
        if (r.nft === undefined) continue;
        const key = r.nftChain + '\n' + r.nft;
        if (key === last) continue; // one numgen vmap stands for all the statistic rules
        last = key;
        out.push({ table: r.table, chain: r.nftChain, rule: r.nft, by: r.by, span: r.span });
    }
    return out;
}
