/**
 * Traces for the panel's tests, from the real simulator on the shared examples. The seed
 * ClusterIP flow needs kube-proxy's DNAT; until the simulator's netfilter answers with it
 * (the trace then ends DELIVERED), the hand-written fixture of TRACE.md's seed flow stands
 * in for that one flow, and the test says so.
 */
import type { Trace } from '../../server/src/protocol/trace';
import { traceFlow } from '../../server/src/sim/index';
import { load, loadExample, readExample } from '../helpers';
import { crossNodeClusterIp } from './fixtures';

export async function exampleTrace(file: string, flow: string, choice?: number): Promise<Trace> {
    const { result } = await loadExample(file);
    const f = result.model.flows.find(x => x.name === flow);
    if (!f) throw new Error(`no flow ${flow} in ${file}`);
    return traceFlow(result.model, f, choice === undefined ? {} : { choice });
}

/** A flow added to an example (e.g. a pod-to-pod flow that crosses the overlay). */
export async function exampleTraceWith(file: string, flowLine: string, flow: string): Promise<Trace> {
    const text = readExample(file).replace(/\}\s*$/, `  ${flowLine}\n}\n`);
    const { result } = await load(text);
    const f = result.model.flows.find(x => x.name === flow);
    if (!f) throw new Error(`no flow ${flow}`);
    return traceFlow(result.model, f);
}

export interface SeedTrace {
    trace: Trace;
    from: 'simulator' | 'fixture';
}

/** `cross-node-clusterip` of flannel-vxlan.knet: busybox3 → nginx-deployment ClusterIP, DNAT, VXLAN. */
export async function crossNodeClusterIpTrace(): Promise<SeedTrace> {
    const real = await exampleTrace('flannel-vxlan.knet', 'cross-node-clusterip');
    const hasDnat = real.hops.some(h => h.steps.some(s => s.kind === 'nat'));
    if (real.disposition === 'DELIVERED' && hasDnat) return { trace: real, from: 'simulator' };
    return { trace: crossNodeClusterIp(), from: 'fixture' };
}
