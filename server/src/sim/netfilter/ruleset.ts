/**
 * One node's generated rules as the tools on the node would print them: `iptables-save`
 * (iptables and userspace modes, and the CNI's rules in every mode), `nft list table ip
 * kube-proxy` (nftables mode), `ip addr show kube-ipvs0` + `ipvsadm -Ln` + the ipsets
 * (ipvs mode). For `knet rules` and hovers. Linear in services × endpoints.
 */
import { formatIp, formatPrefix } from '../../model/address';
import type { ClusterModel, Node } from '../../model/types';
import { type Endpoint, type ServicePortInfo, servicePorts, vipKey } from '../../model/generate/kube-proxy/service-ports';
import { cniChains } from './cni-chains';
import { baseChains } from './iptables';
import { ipvsChains, IPVS_DEVICE, realServerLine, realServers, virtualServerText } from './ipvs';
import { kubeProxyChains } from './kube-proxy-chains';
import type { Rule } from './rule';
import { userspaceRules } from './userspace';

export type TableName = 'nat' | 'filter';

export interface RulesetOptions {
    /** Only this iptables table (nftables and ipvs sections are printed whole). */
    readonly table?: TableName;
}

const BUILTIN: Record<TableName, string[]> = {
    filter: ['INPUT', 'FORWARD', 'OUTPUT'],
    nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};

/** Collects rules per table and chain, in insertion order per chain. */
class Tables {
    readonly chains: Record<TableName, Map<string, Rule[]>> = { filter: new Map(), nat: new Map() };

    constructor() {
        for (const t of ['filter', 'nat'] as const) for (const c of BUILTIN[t]) this.chains[t].set(c, []);
    }

    chain(table: TableName, name: string): void {
        if (!this.chains[table].has(name)) this.chains[table].set(name, []);
    }

    add(rules: readonly Rule[]): void {
        for (const r of rules) {
            let list = this.chains[r.table].get(r.chain);
            if (!list) this.chains[r.table].set(r.chain, list = []);
            list.push(r);
            if (r.target.kind === 'jump') this.chain(r.table, r.target.chain);
        }
    }

    /** iptables-save: built-in chains with their policy, user chains sorted, then the rules chain by chain. */
    save(only?: TableName): string {
        const out: string[] = [];
        for (const t of ['filter', 'nat'] as const) {
            if (only && only !== t) continue;
            const chains = this.chains[t];
            const builtin = BUILTIN[t];
            const user = [...chains.keys()].filter(c => !builtin.includes(c)).sort();
            out.push(`*${t}`);
            for (const c of builtin) out.push(`:${c} ACCEPT [0:0]`);
            for (const c of user) out.push(`:${c} - [0:0]`);
            for (const c of [...builtin, ...user]) for (const r of chains.get(c) ?? []) out.push(r.text);
            out.push('COMMIT');
        }
        return out.join('\n');
    }
}

function header(model: ClusterModel, node: Node, tool: string): string {
    return `# ${tool} on ${node.name}: generated for kube-proxy ${model.proxy.mode} mode and cni ${model.cni.plugin}${model.cni.backend !== 'none' ? ' ' + model.cni.backend : ''} (knet)`;
}

/** The CNI's chains and its POSTROUTING jump (inserted first); its FORWARD jump only when asked (kube-proxy's come first). */
function addCni(t: Tables, model: ClusterModel, node: Node, forward: boolean): void {
    const cni = cniChains(model, node);
    t.add(cni.postrouting);
    if (forward) t.add(cni.forward);
    for (const [name, c] of cni.chains) {
        t.chain(c.table, name);
        t.add(c.rules);
    }
}

/** Every kube-proxy iptables rule on `node` (iptables mode). */
function addKubeProxyIptables(t: Tables, model: ClusterModel, node: Node): void {
    const base = baseChains(model, node);
    const kp = kubeProxyChains(model);
    const sps = servicePorts(model);
    t.add(base.filter.INPUT);
    t.add(base.filter.FORWARD);
    t.add(base.filter.OUTPUT);
    for (const [, rules] of base.fixed) t.add(rules);
    t.chain('filter', 'KUBE-PROXY-FIREWALL');
    t.chain('filter', 'KUBE-NODEPORTS');
    t.add(base.nat.PREROUTING);
    t.add(base.nat.OUTPUT);
    t.add(base.nat.POSTROUTING.filter(r => r.by === 'kube-proxy'));
    t.add(kp.markMasq);
    t.add(kp.postrouting);
    const seps = new Map<string, { sp: ServicePortInfo; ep: Endpoint }>();
    for (const sp of sps.ports) {
        if (sp.vip !== undefined && sps.byVip.get(vipKey(sp.vip, sp.port.port, sp.protocol)) === sp) {
            t.add([sp.hasEndpoints ? kp.capture(sp) : kp.rejectClusterIp(sp)]);
        }
        if (sp.hasEndpoints) {
            t.add(kp.svc(sp));
            for (const ep of sp.endpoints()) seps.set(ep.chain, { sp, ep });
        }
        if (sp.nodePort !== undefined) {
            if (sp.hasEndpoints) {
                t.add([kp.nodePort(sp, node)]);
                t.add(kp.ext(sp, node));
                if (sp.service.externalTrafficPolicy === 'Local' && kp.localEndpoints(sp, node).length > 0) t.add(kp.svl(sp, node));
            }
            const f = kp.externalFilter(sp, node);
            if (f) t.add([f]);
        }
    }
    t.add([kp.nodePortsJump(node)]);
    for (const { sp, ep } of seps.values()) t.add(kp.sep(sp, ep));
}

/** `nft list table ip kube-proxy` for nftables mode. */
function nftTable(model: ClusterModel, node: Node): string {
    const sps = servicePorts(model);
    const kp = kubeProxyChains(model);
    const clusterIps: string[] = [];
    const serviceIps: string[] = [];
    const nodePorts: string[] = [];
    const noEpServices: string[] = [];
    const noEpNodePorts: string[] = [];
    const chains: [string, string[]][] = [];
    const seps = new Map<string, { sp: ServicePortInfo; ep: Endpoint }>();
    const strip = (s: string) => s.replace(/ {2}# element .*$/, '');
    const chainOf = (rules: readonly Rule[]): [string, string[]] | undefined => {
        if (!rules.length) return undefined;
        const lines: string[] = [];
        for (const r of rules) if (r.nft !== undefined && lines[lines.length - 1] !== strip(r.nft)) lines.push(strip(r.nft));
        return [rules[0].nftChain, lines];
    };
    for (const sp of sps.ports) {
        if (sp.vip !== undefined) {
            const vip = formatIp(sp.vip);
            clusterIps.push(vip);
            if (sp.hasEndpoints) serviceIps.push(`${vip} . ${sp.protocol} . ${sp.port.port} : goto service-${sp.nftBase}`);
            else noEpServices.push(`${vip} . ${sp.protocol} . ${sp.port.port} comment "${sp.name}" : goto reject-chain`);
        }
        if (sp.hasEndpoints) {
            const c = chainOf(kp.svc(sp));
            if (c) chains.push(c);
            for (const ep of sp.endpoints()) seps.set(ep.chain, { sp, ep });
        }
        if (sp.nodePort !== undefined) {
            if (sp.hasEndpoints) {
                nodePorts.push(`${sp.protocol} . ${sp.nodePort} : goto external-${sp.nftBase}`);
                const c = chainOf(kp.ext(sp, node));
                if (c) chains.push(c);
                if (sp.service.externalTrafficPolicy === 'Local') {
                    const l = chainOf(kp.svl(sp, node));
                    if (l) chains.push(l);
                }
            }
            const f = kp.externalFilter(sp, node);
            if (f) noEpNodePorts.push(`${sp.protocol} . ${sp.nodePort} comment "${sp.name}" : ${f.target.kind === 'drop' ? 'drop' : 'goto reject-chain'}`);
        }
    }
    for (const { sp, ep } of seps.values()) {
        const c = chainOf(kp.sep(sp, ep));
        if (c) chains.push(c);
    }
    const elements = (items: string[]) => items.length ? [`\t\telements = { ${items.join(',\n\t\t\t     ')} }`] : [];
    const set = (kind: 'set' | 'map', name: string, type: string, comment: string, items: string[]) =>
        [`\t${kind} ${name} {`, `\t\ttype ${type}`, `\t\tcomment "${comment}"`, ...elements(items), '\t}'];
    const chain = (name: string, lines: string[]) => [`\tchain ${name} {`, ...lines.map(l => `\t\t${l}`), '\t}'];
    const out = [
        'table ip kube-proxy {',
        '\tcomment "rules for kube-proxy"',
        ...set('set', 'cluster-ips', 'ipv4_addr', 'Active ClusterIPs', clusterIps),
        ...set('set', 'nodeport-ips', 'ipv4_addr', 'IPs that accept NodePort traffic', node.addresses.map(a => formatIp(a.address))),
        ...set('map', 'service-ips', 'ipv4_addr . inet_proto . inet_service : verdict', 'ClusterIP, ExternalIP and LoadBalancer IP traffic', serviceIps),
        ...set('map', 'service-nodeports', 'inet_proto . inet_service : verdict', 'NodePort traffic', nodePorts),
        ...set('map', 'no-endpoint-services', 'ipv4_addr . inet_proto . inet_service : verdict', 'vmap to drop or reject packets to services with no endpoints', noEpServices),
        ...set('map', 'no-endpoint-nodeports', 'inet_proto . inet_service : verdict', 'vmap to drop or reject packets to service nodeports with no endpoints', noEpNodePorts),
        ...chain('cluster-ips-check', ['ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"',
            ...(model.serviceNetwork ? [`ip daddr ${formatPrefix(model.serviceNetwork)} drop comment "Drop traffic to unallocated ClusterIPs"`] : [])]),
        ...chain('filter-forward', ['type filter hook forward priority filter; policy accept;', 'ct state new jump service-endpoints-check', 'ct state new jump cluster-ips-check']),
        ...chain('filter-input', ['type filter hook input priority filter; policy accept;', 'ct state new jump nodeport-endpoints-check', 'ct state new jump service-endpoints-check']),
        ...chain('filter-output', ['type filter hook output priority filter; policy accept;', 'ct state new jump service-endpoints-check', 'ct state new jump cluster-ips-check']),
        ...chain('nat-output', ['type nat hook output priority dstnat; policy accept;', 'jump services']),
        ...chain('nat-postrouting', ['type nat hook postrouting priority srcnat; policy accept;', 'jump masquerading']),
        ...chain('nat-prerouting', ['type nat hook prerouting priority dstnat; policy accept;', 'jump services']),
        ...chain('mark-for-masquerade', ['meta mark set meta mark | 0x00004000']),
        ...chain('masquerading', ['meta mark & 0x00004000 == 0x00000000 return', 'meta mark set meta mark ^ 0x00004000', 'masquerade fully-random']),
        ...chain('services', ['ip daddr . meta l4proto . th dport vmap @service-ips', 'ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports']),
        ...chain('service-endpoints-check', ['ip daddr . meta l4proto . th dport vmap @no-endpoint-services']),
        ...chain('nodeport-endpoints-check', ['ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports']),
        ...chain('reject-chain', ['comment "helper for @no-endpoint-services / @no-endpoint-nodeports"', 'reject']),
        ...chains.flatMap(([name, lines]) => chain(name, lines)),
        '}',
    ];
    return out.join('\n');
}

/** ipvs mode: kube-ipvs0's addresses, the virtual servers, the ipsets. */
function ipvsText(model: ClusterModel, node: Node): string {
    const sps = servicePorts(model);
    const scheduler = model.proxy.scheduler;
    const addrs = new Set<number>();
    const vs: string[] = [];
    const clusterIpSet: string[] = [];
    const nodePortSets = new Map<string, string[]>();
    const loopBack = new Set<string>();
    const line = (sp: ServicePortInfo, address: number, port: number, nodePort: boolean) => {
        vs.push(virtualServerText(sp, address, port, scheduler));
        for (const ep of realServers(model, sp, node, nodePort)) {
            vs.push(realServerLine(ep));
            if (ep.node === node) loopBack.add(`${formatIp(ep.ip)},${sp.protocol}:${ep.port},${formatIp(ep.ip)}`);
        }
    };
    for (const sp of sps.ports) {
        if (sp.vip !== undefined) {
            addrs.add(sp.vip);
            clusterIpSet.push(`${formatIp(sp.vip)},${sp.protocol}:${sp.port.port}`);
            line(sp, sp.vip, sp.port.port, false);
        }
        if (sp.nodePort !== undefined) {
            for (const a of node.addresses) line(sp, a.address, sp.nodePort, true);
            const set = `KUBE-NODE-PORT${sp.service.externalTrafficPolicy === 'Local' ? '-LOCAL' : ''}-${sp.protocol.toUpperCase()}`;
            let m = nodePortSets.get(set);
            if (!m) nodePortSets.set(set, m = []);
            m.push(String(sp.nodePort));
        }
    }
    const out = [
        `# ip addr show ${IPVS_DEVICE}`,
        `${IPVS_DEVICE}: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN group default`,
        '    link/ether (dummy)',
        ...[...addrs].map(a => `    inet ${formatIp(a)}/32 scope global ${IPVS_DEVICE}\n       valid_lft forever preferred_lft forever`),
        '',
        '# ipvsadm -Ln',
        'IP Virtual Server version 1.2.1 (size=4096)',
        'Prot LocalAddress:Port Scheduler Flags',
        '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
        ...vs,
        '',
        '# ipset list',
        ...ipset('KUBE-CLUSTER-IP', 'hash:ip,port', 'Kubernetes service cluster ip + port for masquerade purpose', clusterIpSet),
        ...ipset('KUBE-LOOP-BACK', 'hash:ip,port,ip', 'Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose', [...loopBack]),
        ...[...nodePortSets].flatMap(([name, m]) => ipset(name, 'bitmap:port', `Kubernetes nodeport ${name.endsWith('TCP') ? 'TCP' : name.endsWith('UDP') ? 'UDP' : 'SCTP'} port${name.includes('LOCAL') ? ' with externalTrafficPolicy=local' : ' for masquerade purpose'}`, m)),
    ];
    return out.join('\n');
}

function ipset(name: string, type: string, comment: string, members: string[]): string[] {
    return [`Name: ${name}`, `Type: ${type}`, `Header: family inet hashsize 1024 maxelem 65536 comment "${comment}"`, 'Members:', ...members, ''];
}

/** The node's generated netfilter state as text. */
export function nodeRuleset(model: ClusterModel, node: Node, options: RulesetOptions = {}): string {
    const t = new Tables();
    // FORWARD: kube-proxy's jumps come first (it prepends them), then the CNI's.
    addCni(t, model, node, model.proxy.mode === 'nftables');
    switch (model.proxy.mode) {
        case 'nftables':
            return `${header(model, node, 'nft list table ip kube-proxy')}\n${nftTable(model, node)}\n\n${header(model, node, 'iptables-save (CNI rules)')}\n${t.save(options.table)}\n`;
        case 'ipvs': {
            const c = ipvsChains(model);
            const kp = kubeProxyChains(model);
            const span = model.proxy.origin.span;
            const jump = (chain: 'PREROUTING' | 'OUTPUT'): Rule => ({
                table: 'nat', chain, by: 'kube-proxy', span, nftChain: chain,
                text: `-A ${chain} -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
                match: () => true, target: { kind: 'jump', chain: 'KUBE-SERVICES', rules: () => c.services },
            });
            t.add([jump('PREROUTING'), jump('OUTPUT')]);
            t.add(c.services);
            t.add(c.nodePort);
            t.add(kp.markMasq);
            t.add(baseChains(model, node).nat.POSTROUTING.filter(r => r.by === 'kube-proxy'));
            t.add(c.postrouting);
            const base = baseChains(model, node);
            t.add(base.filter.FORWARD.filter(r => r.text.includes('KUBE-FORWARD')));
            t.add(base.fixed.get('KUBE-FORWARD') ?? []);
            t.add(base.filter.INPUT.filter(r => r.text.includes('KUBE-FIREWALL')));
            t.add(base.filter.OUTPUT.filter(r => r.text.includes('KUBE-FIREWALL')));
            t.add(base.fixed.get('KUBE-FIREWALL') ?? []);
            t.add(cniChains(model, node).forward);
            return `${header(model, node, 'ipvs state')}\n${ipvsText(model, node)}\n${header(model, node, 'iptables-save')}\n${t.save(options.table)}\n`;
        }
        case 'userspace':
            t.add(userspaceRules(model, node));
            t.add(baseChains(model, node).filter.INPUT.filter(r => r.text.includes('KUBE-FIREWALL')));
            t.add(baseChains(model, node).fixed.get('KUBE-FIREWALL') ?? []);
            t.add(cniChains(model, node).forward);
            return `${header(model, node, 'iptables-save')}\n${t.save(options.table)}\n`;
        default:
            addKubeProxyIptables(t, model, node);
            return `${header(model, node, 'iptables-save')}\n${t.save(options.table)}\n`;
    }
}

/**
 * The rules one Service gets on `node` (for a hover on the service): its KUBE-SERVICES
 * capture or REJECT, KUBE-NODEPORTS, KUBE-EXT/SVC/SVL and KUBE-SEP chains in iptables-save
 * form — or the nft rules, or the IPVS virtual servers, as the proxy mode has them.
 */
export function serviceRules(model: ClusterModel, service: { readonly key: string }, node: Node): string {
    const kp = kubeProxyChains(model);
    const ports = servicePorts(model).ports.filter(sp => sp.service.key === service.key);
    const lines: string[] = [];
    const mode = model.proxy.mode;
    if (mode === 'ipvs') {
        for (const sp of ports) {
            const add = (address: number, port: number, nodePort: boolean) => {
                lines.push(virtualServerText(sp, address, port, model.proxy.scheduler));
                for (const ep of realServers(model, sp, node, nodePort)) lines.push(realServerLine(ep));
            };
            if (sp.vip !== undefined) add(sp.vip, sp.port.port, false);
            if (sp.nodePort !== undefined) for (const a of node.addresses) add(a.address, sp.nodePort, true);
        }
        return lines.join('\n');
    }
    if (mode === 'userspace') {
        return userspaceRules(model, node, sp => sp.service.key === service.key).map(r => r.text).join('\n');
    }
    const rules: Rule[] = [];
    for (const sp of ports) {
        if (sp.vip !== undefined) rules.push(sp.hasEndpoints ? kp.capture(sp) : kp.rejectClusterIp(sp));
        if (sp.nodePort !== undefined && sp.hasEndpoints) rules.push(kp.nodePort(sp, node), ...kp.ext(sp, node));
        const f = kp.externalFilter(sp, node);
        if (f) rules.push(f);
        if (!sp.hasEndpoints) continue;
        rules.push(...kp.svc(sp));
        if (sp.service.externalTrafficPolicy === 'Local' && sp.nodePort !== undefined) rules.push(...kp.svl(sp, node));
        for (const ep of sp.endpoints()) rules.push(...kp.sep(sp, ep));
    }
    if (mode !== 'nftables') return rules.map(r => (r.table === 'filter' ? '# filter: ' : '') + r.text).join('\n');
    let chain = '';
    for (const r of rules) {
        if (r.nft === undefined) continue;
        if (r.nftChain !== chain) lines.push(`chain ${chain = r.nftChain}`);
        const text = `\t${r.nft.replace(/ {2}# element .*$/, '')}`;
        if (lines[lines.length - 1] !== text) lines.push(text);
    }
    return lines.join('\n');
}
