/**
 * Traces for the panel's tests, from the real simulator (`traceFlow`) on the examples.
 */
import type { Trace } from '../../server/src/protocol/trace';
import { traceFlow } from '../../server/src/sim/index';
import { load, loadExample, readExample } from '../helpers';

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

/** `cross-node-clusterip` of flannel-vxlan.knet: busybox3 → nginx-deployment ClusterIP, DNAT on node01, VXLAN to node02. */
export async function crossNodeClusterIpTrace(): Promise<Trace> {
    return exampleTrace('flannel-vxlan.knet', 'cross-node-clusterip');
}

/**
 * A routing loop built from real routes: node01 sends 10.50.0.0/16 to node02 and node02
 * sends it back, so the packet bounces across `lan` until its TTL runs out (128 hops).
 */
export async function loopTrace(): Promise<Trace> {
    const text = readExample('flannel-vxlan.knet')
        .replace('      default via 100.100.137.1 dev ens192 proto static metric 100',
            '      default via 100.100.137.1 dev ens192 proto static metric 100\n      10.50.0.0/16 via 100.100.137.202 dev ens192')
        .replace('    podCIDR 10.244.2.0/24\n',
            '    podCIDR 10.244.2.0/24\n    routes {\n      100.100.137.0/24 dev ens192 proto kernel scope link src 100.100.137.202\n      10.50.0.0/16 via 100.100.137.201 dev ens192\n    }\n')
        .replace(/\}\s*$/, '  flow loop: busybox3-c997b9cc4-tlvrq -> 10.50.0.1:80\n}\n');
    const { result } = await load(text);
    const f = result.model.flows.find(x => x.name === 'loop');
    if (!f) throw new Error('the loop flow did not parse');
    return traceFlow(result.model, f);
}

/**
 * The seed ClusterIP flow with a second nginx endpoint on node01, so kube-proxy balances
 * (two KUBE-SEP rules, p=0.5 each): the trace for a given `choice`, as the server answers it.
 */
export async function balancedTraces(): Promise<(choice: number) => Trace> {
    const text = readExample('flannel-vxlan.knet').replace(
        '    pod busybox3-c997b9cc4-tlvrq 10.244.1.2 iface veth42779e36 labels app=busybox3\n',
        '    pod busybox3-c997b9cc4-tlvrq 10.244.1.2 iface veth42779e36 labels app=busybox3\n    pod nginx-deployment-6b9d659f5f-x2lmn 10.244.1.7 labels app=nginx\n');
    const { result } = await load(text);
    const f = result.model.flows.find(x => x.name === 'cross-node-clusterip');
    if (!f) throw new Error('cross-node-clusterip is missing');
    return choice => traceFlow(result.model, f, { choice });
}
