/**
 * The one place the walk reaches netfilter (`./netfilter`'s runHook, per the contract in
 * `./netfilter/types.ts`). Until that module lands, hooks accept every packet unchanged:
 * traces then show routing, bridging, overlays and MTU but no kube-proxy NAT.
 */
import type { Hook, HookContext, HookResult, PacketView } from './netfilter/types';

export function runHook(_hook: Hook, _ctx: HookContext, packet: PacketView): HookResult {
    return { verdict: 'ACCEPT', packet, hits: [] };
}
