import type { Sysctls } from './types';

/** What kubeadm requires: forwarding on, bridge netfilter on, rp_filter off. */
export const KUBEADM_SYSCTLS: Sysctls = { ipForward: true, bridgeNfCallIptables: true, rpFilter: 0 };

export const KNOWN_SYSCTLS = ['net.ipv4.ip_forward', 'net.bridge.bridge-nf-call-iptables', 'net.ipv4.conf.*.rp_filter'];

/**
 * Applies `key=value` settings over kubeadm's defaults. Returns an error message for a key
 * that does not change a packet's path here, or a value that is not valid for it.
 */
export function applySysctl(base: Sysctls, key: string, value: string): { sysctls: Sysctls; error?: string } {
    const n = Number(value);
    if (key === 'net.ipv4.ip_forward') {
        if (value !== '0' && value !== '1') return { sysctls: base, error: `${key} takes 0 or 1, not '${value}'` };
        return { sysctls: { ...base, ipForward: n === 1 } };
    }
    if (key === 'net.bridge.bridge-nf-call-iptables') {
        if (value !== '0' && value !== '1') return { sysctls: base, error: `${key} takes 0 or 1, not '${value}'` };
        return { sysctls: { ...base, bridgeNfCallIptables: n === 1 } };
    }
    if (/^net\.ipv4\.conf\.[A-Za-z0-9_.*@-]+\.rp_filter$/.test(key)) {
        if (value !== '0' && value !== '1' && value !== '2') return { sysctls: base, error: `${key} takes 0, 1 or 2, not '${value}'` };
        // The kernel uses the larger of conf.all and conf.<dev>; keeping the largest is that, for the devices we model.
        return { sysctls: { ...base, rpFilter: Math.max(base.rpFilter, n) as 0 | 1 | 2 } };
    }
    return { sysctls: base, error: `unknown sysctl '${key}': knet models ${KNOWN_SYSCTLS.join(', ')}` };
}
