/**
 * Synthetic clusters at Kubernetes' scalability limits (5,000 nodes, 150,000 pods, 10,000
 * services) for the benchmark: what a network engineer would write or paste for a real
 * cluster of that size, deterministic from a seed so every run measures the same text.
 *
 * Shape per node: control-plane nodes first, then workers; each node runs two hostNetwork
 * DaemonSet pods (kube-proxy and the CNI agent, as kubeadm clusters do) and application
 * pods of Deployments spread over the nodes; two Services per node select them, one in
 * five is a NodePort. Two nodes paste their whole `ip route` (a table covering every other
 * node's range, as the CNI programs it). Flows cover the paths a user asks about: same-node
 * and cross-node ClusterIP, DNS names, pod to pod, ICMP with a size, NodePort from outside.
 * The output checks cleanly: every address is inside its range and unique.
 */
import { type Ip, formatIp, parseIp } from '../model/address';
import { caliName, vethName } from '../model/names';

export type Variant = 'flannel-vxlan' | 'calico-ipip';
export const VARIANTS: readonly Variant[] = ['flannel-vxlan', 'calico-ipip'];

export interface ClusterShape {
    readonly nodes: number;
    readonly variant: Variant;
    /** Pods per node, the two hostNetwork DaemonSet pods included. */
    readonly podsPerNode?: number;
    readonly servicesPerNode?: number;
    /** Nodes whose whole main routing table is pasted into the file. */
    readonly pastedTables?: number;
    readonly seed?: number;
}

export interface EditTarget {
    /** 0-based line of a pod whose address the benchmark edits. */
    readonly line: number;
    /** 0-based column range of the address on that line. */
    readonly start: number;
    readonly end: number;
    readonly address: string;
    /** A free address in the same node range: editing to it keeps the file clean. */
    readonly freeAddress: string;
    /** Another pod's address: editing to it makes a duplicate-address error. */
    readonly takenAddress: string;
}

export interface GeneratedCluster {
    readonly text: string;
    readonly nodes: number;
    readonly pods: number;
    readonly services: number;
    readonly flows: number;
    readonly hosts: number;
    readonly routeLines: number;
    /** A pod line near the middle of the file, for the edit benchmark. */
    readonly edit: EditTarget;
    /** 0-based line and column of a flow's name and of a pod's name, for hover requests. */
    readonly hoverFlow: { line: number; character: number; name: string };
    readonly hoverPod: { line: number; character: number; name: string };
    /** Another flow, for a trace request of a flow not asked about before. */
    readonly coldFlow: { line: number; character: number; name: string };
}

const UNDERLAY = ip('172.16.0.0');
const GATEWAY = ip('172.16.0.1');
const FIRST_NODE = ip('172.16.0.10');
const POD_NETWORK = ip('10.128.0.0');
const SERVICE_NETWORK = ip('10.96.0.0');
const NODE_PORT_FIRST = 30000;
const NODE_PORT_LAST = 32767;
const NAMESPACES = ['default', 'payments', 'checkout', 'search', 'catalog', 'identity', 'messaging', 'data', 'monitoring', 'ingress-nginx'];
const TEAMS = ['cart', 'order', 'billing', 'ledger', 'search', 'catalog', 'auth', 'profile', 'notify', 'email', 'feed', 'ranker',
    'pricing', 'stock', 'ship', 'review', 'media', 'thumb', 'audit', 'report'];
const ROLES = ['api', 'web', 'rpc', 'job', 'db', 'cache', 'ui', 'mq', 'auth', 'sync'];
const LOWER = 'bcdfghjklmnpqrstvwxz2456789';

function ip(text: string): Ip {
    return parseIp(text)!;
}

/** mulberry32: a small, fast, seeded PRNG; the same seed gives the same cluster. */
function random(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

export function generateCluster(shape: ClusterShape): GeneratedCluster {
    const n = shape.nodes;
    const podsPerNode = shape.podsPerNode ?? 30;
    const appPodsPerNode = Math.max(0, podsPerNode - 2);
    const serviceCount = n * (shape.servicesPerNode ?? 2);
    const pasted = Math.min(n, shape.pastedTables ?? 2);
    const rnd = random(shape.seed ?? 20251122);
    const calico = shape.variant === 'calico-ipip';
    const word = (len: number, alphabet: string) => {
        let s = '';
        for (let i = 0; i < len; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
        return s;
    };

    // Deployments: one per service, spread over namespaces; names as teams give them.
    const deployments = Array.from({ length: serviceCount }, (_, d) => ({
        name: `${TEAMS[d % TEAMS.length]}-${ROLES[Math.floor(d / TEAMS.length) % ROLES.length]}-${Math.floor(d / (TEAMS.length * ROLES.length))}`,
        // Half the workloads live in `default`, as in most clusters; the rest in team namespaces.
        namespace: d % 2 === 0 ? 'default' : NAMESPACES[1 + Math.floor(d / 2) % (NAMESPACES.length - 1)],
        hash: word(10, LOWER),
        port: d % 3 === 0 ? 8080 : d % 3 === 1 ? 9000 : 80,
        pods: [] as { name: string; address: Ip; node: number }[],
    }));

    const nodeName = (i: number) => i < 3 ? `k8s-cp-${String(i + 1).padStart(2, '0')}` : `k8s-worker-${String(i - 2).padStart(4, '0')}`;
    const nodeAddress = (i: number) => (FIRST_NODE + i) >>> 0;
    // flannel: a /24 per node, cni0 .1, pods from .2; Calico: a /26 block, tunl0 on its first address, pods after it.
    const rangeOf = (i: number) => calico ? (POD_NETWORK + i * 64) >>> 0 : (POD_NETWORK + i * 256) >>> 0;
    const rangeText = (i: number) => `${formatIp(rangeOf(i))}/${calico ? 26 : 24}`;
    const podAddress = (i: number, k: number) => (rangeOf(i) + (calico ? 1 : 2) + k) >>> 0;

    const out: string[] = [];
    let line = 0;
    const emit = (s: string) => { out.push(s); line++; };

    emit(`// Generated by the knet benchmark: ${n} nodes, ${n * podsPerNode} pods, ${serviceCount} services (${shape.variant}).`);
    emit(`cluster bench-${shape.variant}-${n} {`);
    emit('  podNetwork     10.128.0.0/9');
    emit('  serviceNetwork 10.96.0.0/12');
    emit(calico ? '  cni calico ipip { blockSize 26 ipipMode Always }' : '  cni flannel vxlan { vni 1 port 8472 }');
    emit('  proxy iptables');
    emit('');
    emit('  network lan 172.16.0.0/16 { mtu 1500 gateway 172.16.0.1 }');
    emit('');

    let edit: EditTarget | undefined;
    let hoverPod: GeneratedCluster['hoverPod'] | undefined;
    let routeLines = 0;
    let pods = 0;
    let appPod = 0;
    const nic = 'ens192';
    for (let i = 0; i < n; i++) {
        emit(`  node ${nodeName(i)} {`);
        emit(`    address ${formatIp(nodeAddress(i))} on lan dev ${nic}`);
        emit(calico ? `    block ${rangeText(i)}` : `    podCIDR ${rangeText(i)}`);
        if (i % 7 === 3) emit('    link docker0 bridge address 172.17.0.1/16');
        // A couple of nodes paste `ip route`: the whole table the CNI programs, other nodes' ranges included.
        if (i < pasted) {
            emit('    routes {');
            emit(`      default via ${formatIp(GATEWAY)} dev ${nic} proto static metric 100`);
            routeLines++;
            for (let j = 0; j < n; j++) {
                if (j === i) {
                    emit(calico ? `      blackhole ${rangeText(j)} proto bird` : `      ${rangeText(j)} dev cni0 proto kernel scope link src ${formatIp(rangeOf(j) + 1)}`);
                } else {
                    emit(calico ? `      ${rangeText(j)} via ${formatIp(nodeAddress(j))} dev tunl0 proto bird onlink`
                        : `      ${rangeText(j)} via ${formatIp(rangeOf(j))} dev flannel.1 onlink`);
                }
                routeLines++;
            }
            emit(`      172.16.0.0/16 dev ${nic} proto kernel scope link src ${formatIp(nodeAddress(i))} metric 100`);
            routeLines++;
            if (calico) {
                for (let k = 0; k < appPodsPerNode; k++) {
                    const key = podKeyAt(deployments, appPod + k);
                    emit(`      ${formatIp(podAddress(i, k))} dev ${caliName(key)} scope link`);
                    routeLines++;
                }
            }
            if (i % 7 === 3) {
                emit('      172.17.0.0/16 dev docker0 proto kernel scope link src 172.17.0.1 linkdown');
                routeLines++;
            }
            emit('    }');
        }
        // DaemonSets on the host network: no address of their own.
        emit(`    pod kube-proxy-${suffix(i, 99)} namespace kube-system hostNetwork labels k8s-app=kube-proxy`);
        emit(calico
            ? `    pod calico-node-${suffix(i, 4242)} namespace kube-system hostNetwork labels k8s-app=calico-node`
            : `    pod kube-flannel-ds-${suffix(i, 4242)} namespace kube-flannel hostNetwork labels app=flannel,tier=node`);
        pods += 2;
        for (let k = 0; k < appPodsPerNode; k++, appPod++) {
            const d = deployments[appPod % deployments.length];
            const name = podNameAt(deployments, appPod);
            const address = podAddress(i, k);
            const ns = d.namespace === 'default' ? '' : ` namespace ${d.namespace}`;
            const iface = k % 16 === 0 ? ` iface ${calico ? caliName(`${d.namespace}/${name}`) : vethName(`${d.namespace}/${name}`)}` : '';
            const containers = appPod % 20 === 0 ? ` containers app:${d.port}, istio-proxy:15090` : '';
            const addressText = formatIp(address);
            const podLine = `    pod ${name} ${addressText}${iface} labels app=${d.name}${k % 8 === 1 ? `,pod-template-hash=${d.hash}` : ''}${ns}${containers}`;
            if (!edit && i === Math.floor(n / 2) && k === 5) {
                const start = podLine.indexOf(addressText);
                edit = {
                    line, start, end: start + addressText.length, address: addressText,
                    freeAddress: formatIp(podAddress(i, appPodsPerNode + 1)), takenAddress: formatIp(podAddress(i, 4)),
                };
            }
            if (!hoverPod && i === Math.floor(n / 2) && k === 7) hoverPod = { line, character: 8, name };
            emit(podLine);
            d.pods.push({ name, address, node: i });
            pods++;
        }
        emit('  }');
    }
    emit('');

    // Services: ClusterIPs in order through the service network, every fifth a NodePort.
    let nodePort = NODE_PORT_FIRST;
    const nodePorts: { port: number; deployment: number }[] = [];
    for (let d = 0; d < deployments.length; d++) {
        const dep = deployments[d];
        const nodePortHere = d % 5 === 0 && nodePort <= NODE_PORT_LAST;
        emit(`  service ${dep.name} {`);
        if (dep.namespace !== 'default') emit(`    namespace ${dep.namespace}`);
        if (nodePortHere) emit('    type NodePort');
        emit(`    clusterIP ${formatIp((SERVICE_NETWORK + 0x10000 + d * 3) >>> 0)}`);
        const svcPort = dep.port === 80 ? 80 : d % 2 === 0 ? 80 : dep.port;
        emit(`    port ${svcPort}/TCP targetPort ${dep.port}${nodePortHere ? ` nodePort ${nodePort}` : ''}`);
        if (d % 11 === 0) emit(`    port 9090/TCP targetPort 9090`);
        emit(`    selector app=${dep.name}`);
        if (d % 13 === 0) emit('    sessionAffinity ClientIP');
        emit('  }');
        if (nodePortHere) nodePorts.push({ port: nodePort++, deployment: d });
    }
    emit('');

    const hosts = ['bastion', 'monitoring-probe', 'ci-runner'];
    emit(`  host ${hosts[0]} 172.16.255.10 on lan`);
    emit(`  host ${hosts[1]} 172.16.255.11 on lan`);
    emit(`  host ${hosts[2]} 203.0.113.25`);
    emit('');

    // Flows: one per ten nodes, at least twelve, cycling through the kinds of path.
    const flowCount = Math.max(12, Math.floor(n / 10));
    let hoverFlow: GeneratedCluster['hoverFlow'] | undefined;
    let coldFlow: GeneratedCluster['coldFlow'] | undefined;
    for (let f = 0; f < flowCount; f++) {
        const d = deployments[(f * 7919) % deployments.length];
        const src = deployments[(f * 104729 + 1) % deployments.length];
        const srcPod = src.pods[f % src.pods.length] ?? src.pods[0];
        const dstPod = d.pods[(f + 1) % d.pods.length] ?? d.pods[0];
        if (!srcPod || !dstPod) continue;
        const svcPort = d.port === 80 ? 80 : deployments.indexOf(d) % 2 === 0 ? 80 : d.port;
        const qualified = (p: { name: string }, dep: { namespace: string }) => dep.namespace === 'default' ? p.name : `${dep.namespace}/${p.name}`;
        const name = `flow-${String(f).padStart(4, '0')}`;
        let body: string;
        switch (f % 6) {
            case 0: body = `${qualified(srcPod, src)} -> ${d.namespace === 'default' ? d.name : `${d.namespace}/${d.name}`}:${svcPort}`; break;
            case 1: body = `${qualified(srcPod, src)} -> ${d.name}.${d.namespace}.svc.cluster.local:${svcPort}`; break;
            case 2: body = `${qualified(srcPod, src)} -> ${qualified(dstPod, d)}:${d.port}`; break;
            case 3: body = `${qualified(srcPod, src)} -> ${qualified(dstPod, d)} icmp size 1400 df`; break;
            case 4: {
                const np = nodePorts[f % Math.max(1, nodePorts.length)];
                body = np ? `${hosts[f % 2]} -> ${nodeName((f * 31) % n)}:${np.port}` : `${hosts[0]} -> ${nodeName(f % n)} icmp`;
                break;
            }
            default: body = `${nodeName((f * 17) % n)} -> ${qualified(dstPod, d)}:${d.port}`;
        }
        if (!hoverFlow && f === Math.floor(flowCount / 2)) hoverFlow = { line, character: 8, name };
        if (!coldFlow && f === Math.floor(flowCount / 2) + 1) coldFlow = { line, character: 8, name };
        emit(`  flow ${name}: ${body}`);
    }
    emit('}');
    emit('');
    if (!edit || !hoverPod || !hoverFlow || !coldFlow) throw new Error(`cluster of ${n} nodes too small for the benchmark's edit and hover targets`);
    return {
        text: out.join('\n'), nodes: n, pods, services: serviceCount, flows: flowCount, hosts: hosts.length, routeLines,
        edit, hoverFlow, hoverPod, coldFlow,
    };
}

/**
 * Five letters as Kubernetes appends to a ReplicaSet's or DaemonSet's pods, distinct for
 * distinct ordinals (a bijection of 0 … 27^5−1), so generated names never collide.
 */
function suffix(ordinal: number, salt: number): string {
    const space = 27 ** 5;
    let h = (ordinal * 7368787 + salt) % space;
    let s = '';
    for (let i = 0; i < 5; i++) { s += LOWER[h % 27]; h = Math.floor(h / 27); }
    return s;
}

/** Pod names are stable per global index, so a pasted table can name a pod's cali* device before the pod line. */
function podNameAt(deployments: readonly { name: string; hash: string }[], index: number): string {
    const d = deployments[index % deployments.length];
    return `${d.name}-${d.hash}-${suffix(Math.floor(index / deployments.length), 1234567)}`;
}

function podKeyAt(deployments: readonly { name: string; hash: string; namespace: string }[], index: number): string {
    return `${deployments[index % deployments.length].namespace}/${podNameAt(deployments, index)}`;
}

export { UNDERLAY };
