import { cluster, load } from '../helpers';
import { traceFlow } from '../../server/src/sim';
import type { Header, Step, Trace } from '../../server/src/protocol/trace';
import type { ClusterModel } from '../../server/src/model/types';

export async function modelOf(text: string): Promise<ClusterModel> {
    const { result } = await load(text, false);
    return result.model;
}

/** The trace of flow `name` in a cluster made of `body` (and an optional header). */
export async function traceIn(body: string, name: string, options: { header?: string; choice?: number } = {}): Promise<Trace> {
    const model = await modelOf(options.header !== undefined ? cluster(body, options.header) : cluster(body));
    const flow = model.flowByName.get(name);
    if (!flow) throw new Error(`no flow ${name}`);
    return traceFlow(model, flow, { choice: options.choice });
}

export interface FlatStep extends Step {
    hop: string;
}

export function flat(t: Trace): FlatStep[] {
    return t.hops.flatMap(h => h.steps.map(s => ({ ...s, hop: h.namespace })));
}

export function kinds(t: Trace): string[] {
    return flat(t).map(s => `${s.hop}:${s.kind}`);
}

export function ipv4(s: Step, index = 0): Extract<Header, { kind: 'ipv4' }> {
    const all = s.packet.headers.filter((h): h is Extract<Header, { kind: 'ipv4' }> => h.kind === 'ipv4');
    const h = all[index];
    if (!h) throw new Error(`no ipv4 header #${index} in ${s.summary}`);
    return h;
}

/** The innermost IPv4 header (what the flow sent, after NAT). */
export function innerIp(s: Step): Extract<Header, { kind: 'ipv4' }> {
    const all = s.packet.headers.filter((h): h is Extract<Header, { kind: 'ipv4' }> => h.kind === 'ipv4');
    return all[all.length - 1];
}

export function only<T>(items: T[], what: string): T {
    if (items.length !== 1) throw new Error(`expected one ${what}, found ${items.length}`);
    return items[0];
}

export function stepsOf(t: Trace, kind: Step['kind']): FlatStep[] {
    return flat(t).filter(s => s.kind === kind);
}

export const CALICO_HEADER = (mode: string, extra = '') => `
  podNetwork 10.244.0.0/16
  serviceNetwork 10.96.0.0/12
  cni calico ${mode}${extra}
  network lan 100.100.137.0/24 { mtu 1500 gateway 100.100.137.1 }`;

export const FLANNEL_HEADER = (backend: string, extra = '') => `
  podNetwork 10.244.0.0/16
  serviceNetwork 10.96.0.0/12
  cni flannel ${backend}${extra}
  network lan 100.100.137.0/24 { mtu 1500 gateway 100.100.137.1 }`;
