/**
 * One netfilter rule as data: how iptables-save prints it, how the nftables backend writes
 * the same decision, what it matches and what it does. Chains are arrays of these, walked
 * in order by `chain-walk.ts`, exactly as the kernel walks them. A jump's `rules` gets the
 * packet so that an indexed chain (KUBE-SERVICES, KUBE-NODEPORTS) can hand back only the
 * rules that could match it, each still carrying its position in the full chain; and the
 * walk's env, so that a chain every node holds alike is built once and still answers
 * for the node it is walked on.
 */
import type { Span } from '../../model/types';
import type { Ip } from '../../model/address';
import type { HookContext, PacketView, RuleHit } from './types';

export type Target =
    | { readonly kind: 'jump'; readonly chain: string; readonly rules: (p: PacketView, env: WalkEnv) => readonly Rule[] }
    | { readonly kind: 'return' }
    | { readonly kind: 'accept' }
    | { readonly kind: 'drop' }
    | { readonly kind: 'reject' }
    | { readonly kind: 'dnat'; readonly ip: Ip; readonly port?: number }
    | { readonly kind: 'mark-or'; readonly mark: number }
    | { readonly kind: 'mark-xor'; readonly mark: number }
    | { readonly kind: 'masquerade' }
    | { readonly kind: 'redirect'; readonly port: number };

/** What a walk knows besides the packet: the hook context and the endpoint kube-proxy picks. */
export interface WalkEnv {
    readonly ctx: HookContext;
    /** The endpoint index a load-balancing chain picks (decided when the chain is entered). */
    pick(chain: string, count: number, describe: (i: number) => { description: string; probability?: number; rule?: string }, affinity: boolean): number;
}

export interface Rule {
    readonly table: 'nat' | 'filter';
    readonly chain: string;
    /** `-A CHAIN … -j TARGET` as iptables-save prints it. */
    readonly text: string;
    /** The nftables backend's chain holding the equivalent rule. */
    readonly nftChain: string;
    /** The nftables rule (undefined when the nft backend has no separate rule for it). */
    readonly nft?: string;
    readonly by: RuleHit['by'];
    readonly span?: Span;
    /** 1-based position in its chain, as `iptables -L --line-numbers` counts. */
    readonly position?: number;
    match(p: PacketView, env: WalkEnv): boolean;
    readonly target: Target;
    /** For DROP/REJECT: the disposition the trace reports. */
    readonly disposition?: 'NO_ENDPOINTS' | 'NO_LOCAL_ENDPOINT' | 'FILTERED';
}

export const ALWAYS = (): boolean => true;

/** `--comment "…"` quoted as iptables-save prints it (quotes only when needed). */
export function comment(text: string): string {
    return /^[A-Za-z0-9_./:-]+$/.test(text) ? `-m comment --comment ${text}` : `-m comment --comment "${text}"`;
}

/** The statistic match's probability as iptables-save prints it (stored as a 31-bit fraction). */
export function statisticProbability(p: number): string {
    const stored = Math.round(p * 0x80000000);
    return (stored / 0x80000000).toFixed(11);
}

export const MASQ_MARK = 0x4000;
