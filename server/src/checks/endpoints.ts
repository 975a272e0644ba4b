/**
 * no-endpoints (warning): a service whose selector matches no pod. kube-proxy programs a
 * REJECT for it (ICMP port unreachable), so every connection to it fails at once. Flows to
 * it are then not reported again by unreachable-flow.
 */
import { type Finding, Codes } from './finding';
import type { CheckContext } from './context';
import type { Pod } from '../model/types';

export function checkEndpoints(ctx: CheckContext): Finding[] {
    const { model } = ctx;
    const out: Finding[] = [];
    // Pods by one label pair, built only when some service lacks endpoints: a scan of every pod per service is quadratic.
    let byLabel: Map<string, Pod[]> | undefined;
    const index = () => {
        if (byLabel) return byLabel;
        byLabel = new Map();
        for (const p of model.pods) {
            for (const [k, v] of p.labels) {
                const key = `${k}=${v}`;
                (byLabel.get(key) ?? byLabel.set(key, []).get(key)!).push(p);
            }
        }
        return byLabel;
    };
    for (const s of model.services) {
        if (!s.selector || s.selector.size === 0 || s.endpoints.length > 0 || !s.selectorSpan) continue;
        ctx.fault(s);
        const selector = [...s.selector].map(([k, v]) => `${k}=${v}`).join(',');
        // Pods that match in another namespace are the usual slip.
        const [k0, v0] = [...s.selector][0];
        const elsewhere = (index().get(`${k0}=${v0}`) ?? []).filter(p => p.namespace !== s.namespace && [...s.selector!].every(([k, v]) => p.labels.get(k) === v));
        const hint = elsewhere.length ? ` (${elsewhere[0].key} matches, but a selector only sees its own namespace)` : '';
        out.push({
            code: Codes.noEndpoints, severity: 'warning', span: s.selectorSpan,
            message: `service ${s.name} selects ${selector} but no pod in namespace ${s.namespace} has those labels${hint}: kube-proxy rejects its connections (ICMP port unreachable)`,
            related: elsewhere[0]?.nameSpan ? [{ span: elsewhere[0].nameSpan, message: `pod ${elsewhere[0].key}` }] : undefined,
        });
    }
    return out;
}
