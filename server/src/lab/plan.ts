/**
 * The lab's build plan: from the model, the exact `ip`, `bridge` and sysctl commands that
 * make each node, pod, host and underlay network a real network namespace holding the
 * devices, addresses, routes, neighbour and FDB entries the model says. Pure: nothing here
 * touches the machine (see `up.ts`), so the plan is testable without root.
 *
 * The layout:
 * - one namespace per underlay network: a bridge `br0` (the L2 segment) with the network's
 *   gateway address on it, so `default via GATEWAY` resolves. The gateway forwards only
 *   what it knows: its own network and the hosts behind it. Everything else goes to a
 *   `blackhole default`, which stands for the uplink to the outside world, where private
 *   cluster ranges are lost without a reply (TRACE.md's UNDERLAY_DROP). A `routed` network
 *   also holds the cloud route table (a route per node range);
 * - one namespace per node, its NIC a veth whose other end is a port of its network's br0;
 * - one namespace per pod, its eth0 a veth whose host side lives in the node (a port of
 *   cni0/cbr0, or routed by /32 with proxy ARP under Calico);
 * - one namespace per host, on its network's bridge, or (hosts beyond the gateway) on a
 *   veth to the gateway's namespace.
 * Every command names its namespace (`ip -n`, `ip netns exec`): nothing is created in, or
 * attached to, the machine's own namespace.
 */
import { formatCidr, formatIp, formatPrefix } from '../model/address';
import { cniGenerator } from '../model/generate';
import type { ClusterModel, Link, Netns, Network, Route } from '../model/types';
import { type LabNsKind, ifname, netnsName } from './names';

export interface LabNamespace {
    /** The kernel's name: kn-1a2b-n-node01 */
    readonly name: string;
    readonly kind: LabNsKind;
    /** The model's namespace id ("node:node01", "pod:default/web", "host:client"); "network:lan" for a segment. */
    readonly id: string;
}

export interface LabCommand {
    readonly argv: readonly string[];
    /** The lab namespace the command acts in. */
    readonly ns: string;
    /** The model namespace id, for reports. */
    readonly id: string;
    /** What it makes, in words ("vxlan flannel.1", "route 10.244.2.0/24 …"). */
    readonly what: string;
    /** When set, the command creates this device: if it fails, the device is missing and flows crossing it are skipped. */
    readonly creates?: string;
    /** Devices that must exist for the command to make sense; skipped (not run) when one is missing. */
    readonly needs?: readonly string[];
}

/** A device the lab cannot make a working copy of, whatever the command's outcome. */
export interface Unsupported {
    readonly id: string;
    readonly device: string;
    readonly reason: string;
}

export interface LabPlan {
    readonly prefix: string;
    readonly namespaces: readonly LabNamespace[];
    /** Model namespace id (and "network:NAME") → lab namespace name. */
    readonly nsById: ReadonlyMap<string, string>;
    readonly commands: readonly LabCommand[];
    readonly unsupported: readonly Unsupported[];
    /** Where each underlay network can be watched: its namespace and bridge. */
    readonly segments: readonly { readonly network: string; readonly ns: string; readonly device: string }[];
}

export interface PlanOptions {
    /** The kernel has br_netfilter (/proc/sys/net/bridge exists): set bridge-nf-call-iptables as the model says. */
    readonly brNetfilter: boolean;
}

/** The bridge that is an underlay segment, in its network's namespace. */
export const SEGMENT_BRIDGE = 'br0';

export function planLab(model: ClusterModel, prefix: string, options: PlanOptions): LabPlan {
    return new Planner(model, prefix, options).plan();
}

interface Member {
    readonly id: string;
    readonly ns: string;
    readonly netns: Netns;
}

class Planner {
    private readonly namespaces: LabNamespace[] = [];
    private readonly nsById = new Map<string, string>();
    private readonly unsupported: Unsupported[] = [];
    /** Phases, run in this order across all namespaces (a veth needs both namespaces; a route needs its device up). */
    private readonly create: LabCommand[] = [];
    private readonly configure: LabCommand[] = [];
    private readonly up: LabCommand[] = [];
    private readonly routes: LabCommand[] = [];
    private readonly late: LabCommand[] = [];
    /** Veth pairs already planned, by "nsA/devA|nsB/devB" sorted. */
    private readonly pairs = new Set<string>();
    private readonly members: Member[] = [];

    constructor(private readonly model: ClusterModel, private readonly prefix: string, private readonly options: PlanOptions) { }

    plan(): LabPlan {
        const m = this.model;
        for (const n of m.networks) this.addNs('network', `network:${n.name}`, n.name);
        for (const node of m.nodes) {
            this.addNs('node', `node:${node.name}`, node.name);
            this.members.push({ id: `node:${node.name}`, ns: this.nsById.get(`node:${node.name}`)!, netns: node.netns() });
        }
        for (const pod of m.pods) {
            if (pod.hostNetwork) continue; // shares its node's namespace
            this.addNs('pod', `pod:${pod.key}`, pod.key);
            this.members.push({ id: `pod:${pod.key}`, ns: this.nsById.get(`pod:${pod.key}`)!, netns: pod.netns() });
        }
        for (const host of m.hosts) {
            this.addNs('host', `host:${host.name}`, host.name);
            this.members.push({ id: `host:${host.name}`, ns: this.nsById.get(`host:${host.name}`)!, netns: host.netns() });
        }
        const segments = m.networks.map(n => this.segment(n));
        const macs = this.vtepMacs();
        for (const member of this.members) this.member(member, macs);
        this.hostsBeyondGateway();
        return {
            prefix: this.prefix, namespaces: this.namespaces, nsById: this.nsById, unsupported: this.unsupported, segments,
            commands: [...this.create, ...this.configure, ...this.up, ...this.routes, ...this.late],
        };
    }

    private addNs(kind: LabNsKind, id: string, name: string): void {
        const ns = netnsName(this.prefix, kind, name);
        this.namespaces.push({ name: ns, kind, id });
        this.nsById.set(id, ns);
        this.create.push({ argv: ['ip', 'netns', 'add', ns], ns, id, what: `namespace for ${id}` });
        this.up.push({ argv: ['ip', '-n', ns, 'link', 'set', 'dev', 'lo', 'up'], ns, id, what: 'lo up' });
    }

    /** An underlay network: br0 with the gateway's address; forwarding for the hosts behind it. */
    private segment(n: Network): { network: string; ns: string; device: string } {
        const id = `network:${n.name}`;
        const ns = this.nsById.get(id)!;
        const ip = (...a: string[]) => ['ip', '-n', ns, ...a];
        this.create.push({ argv: ip('link', 'add', 'name', SEGMENT_BRIDGE, 'mtu', String(n.mtu), 'type', 'bridge'), ns, id, what: `bridge ${SEGMENT_BRIDGE} (network ${n.name})`, creates: SEGMENT_BRIDGE });
        if (n.gateway !== undefined) {
            this.configure.push({ argv: ip('addr', 'add', `${formatIp(n.gateway)}/${n.cidr.length}`, ...brd(n.cidr.length), 'dev', SEGMENT_BRIDGE), ns, id, what: `gateway ${formatIp(n.gateway)}`, needs: [SEGMENT_BRIDGE] });
        }
        this.up.push({ argv: ip('link', 'set', 'dev', SEGMENT_BRIDGE, 'up'), ns, id, what: `${SEGMENT_BRIDGE} up`, needs: [SEGMENT_BRIDGE] });
        // The gateway forwards (hosts behind it, a cloud's routes) but knows no cluster range.
        const sysctls: [string, string][] = [['net/ipv4/ip_forward', '1'], ['net/ipv4/conf/all/send_redirects', '0'], ['net/ipv4/conf/default/send_redirects', '0']];
        if (this.options.brNetfilter) sysctls.push(['net/bridge/bridge-nf-call-iptables', '0']);
        this.late.push(sysctlCommand(ns, id, sysctls));
        this.routes.push({ argv: ip('route', 'add', 'blackhole', 'default'), ns, id, what: 'blackhole default (the uplink: nothing comes back for cluster ranges)' });
        for (const r of cniGenerator(this.model).networkRoutes(n)) {
            this.routes.push({ argv: ip('route', 'add', ...routeArgs(r)), ns, id, what: `cloud route ${formatPrefix(r.destination)}`, needs: [SEGMENT_BRIDGE] });
        }
        return { network: n.name, ns, device: SEGMENT_BRIDGE };
    }

    /**
     * Each VXLAN device's own MAC: the one other nodes' permanent neighbour entries give for
     * its address (flanneld publishes the VTEP MAC; here the model derives it), so the frames
     * other nodes send are addressed to this device.
     */
    private vtepMacs(): Map<string, string> {
        const byAddress = new Map<number, string>();
        for (const member of this.members) {
            for (const n of member.netns.neigh.neighbors) byAddress.set(n.address, n.mac);
        }
        const macs = new Map<string, string>();
        for (const member of this.members) {
            for (const link of member.netns.links.values()) {
                if (link.kind !== 'vxlan') continue;
                for (const a of link.addresses) {
                    const mac = byAddress.get(a.address);
                    if (mac) macs.set(`${member.id}/${link.name}`, mac);
                }
            }
        }
        return macs;
    }

    private member(member: Member, macs: Map<string, string>): void {
        const { id, ns, netns } = member;
        const ip = (...a: string[]) => ['ip', '-n', ns, ...a];
        const links = [...netns.links.values()].filter(l => l.kind !== 'loopback');
        // Parents before the devices stacked on them (vxlan/vlan on a NIC).
        links.sort((a, b) => rank(a) - rank(b));
        for (const link of links) this.device(member, link, macs);
        for (const link of links) {
            const name = link.name;
            if (link.master) {
                this.configure.push({ argv: ip('link', 'set', 'dev', name, 'master', link.master), ns, id, what: `${name} master ${link.master}`, needs: [name, link.master] });
                // The bridge plugin's hairpinMode (on in flannel's and kubenet's CNI config): a pod may
                // reach itself through its Service, the frame going back out the port it came in by.
                if (link.kind === 'veth' && link.peer) {
                    this.configure.push({ argv: ['bridge', '-n', ns, 'link', 'set', 'dev', name, 'hairpin', 'on'], ns, id, what: `${name} hairpin on`, needs: [name, link.master] });
                }
            }
            this.configure.push({ argv: ip('link', 'set', 'dev', name, 'mtu', String(link.mtu)), ns, id, what: `${name} mtu ${link.mtu}`, needs: [name] });
            for (const a of link.addresses) {
                this.configure.push({ argv: ip('addr', 'add', formatCidr(a), ...brd(a.length), 'dev', name), ns, id, what: `${name} ${formatCidr(a)}`, needs: [name] });
            }
            this.up.push({ argv: ip('link', 'set', 'dev', name, 'up'), ns, id, what: `${name} up`, needs: [name] });
        }
        // The table as the model holds it, connected routes included: flush what the kernel derived, then add.
        this.routes.push({ argv: ip('route', 'flush', 'table', 'main'), ns, id, what: 'flush table main' });
        const ordered = (routes: readonly Route[]) => [...routes].sort((a, b) => Number(hasGateway(a)) - Number(hasGateway(b)));
        for (const r of ordered(netns.main.routes)) this.route(member, r);
        for (const r of netns.local.routes) if (r.origin.by !== 'kernel') this.route(member, r);
        for (const table of netns.tables.values()) for (const r of ordered(table.routes)) this.route(member, r);
        for (const n of netns.neigh.neighbors) {
            this.routes.push({ argv: ip('neigh', 'replace', formatIp(n.address), 'lladdr', n.mac, 'dev', n.dev, 'nud', 'permanent'), ns, id, what: `neighbour ${formatIp(n.address)} lladdr ${n.mac} dev ${n.dev}`, needs: [n.dev] });
        }
        for (const f of netns.neigh.fdb) {
            this.routes.push({ argv: ['bridge', '-n', ns, 'fdb', 'append', f.mac, 'dev', f.dev, 'dst', formatIp(f.dst)], ns, id, what: `fdb ${f.mac} dev ${f.dev} dst ${formatIp(f.dst)}`, needs: [f.dev] });
        }
        const s = netns.sysctls;
        const sysctls: [string, string][] = [
            ['net/ipv4/ip_forward', s.ipForward ? '1' : '0'],
            ['net/ipv4/conf/all/rp_filter', String(s.rpFilter)],
            ['net/ipv4/conf/default/rp_filter', String(s.rpFilter)],
        ];
        for (const link of links) {
            sysctls.push([`net/ipv4/conf/${link.name}/rp_filter`, String(s.rpFilter)]);
            // Calico's host side answers ARP for 169.254.1.1 (and everything else) by proxy.
            if (link.proxyArp) sysctls.push([`net/ipv4/conf/${link.name}/proxy_arp`, '1']);
        }
        if (this.options.brNetfilter && netns.kind === 'node') sysctls.push(['net/bridge/bridge-nf-call-iptables', s.bridgeNfCallIptables ? '1' : '0']);
        this.late.push(sysctlCommand(ns, id, sysctls));
    }

    private device(member: Member, link: Link, macs: Map<string, string>): void {
        const { id, ns } = member;
        const name = link.name;
        const ip = (...a: string[]) => ['ip', '-n', ns, ...a];
        const add = (argv: string[], what: string) => this.create.push({ argv, ns, id, what, creates: name, needs: link.parent && link.kind !== 'vxlan' ? [link.parent] : undefined });
        const tooLong = name.length > 15;
        if (tooLong) {
            this.unsupported.push({ id, device: name, reason: `'${name}' is longer than the kernel's 15 characters for an interface name` });
            return;
        }
        switch (link.kind) {
            case 'nic': {
                // A host beyond the gateway gets its uplink in hostsBeyondGateway().
                if (netnsKind(id) === 'host' && !link.network) return;
                const network = link.network ? this.model.networkByName.get(link.network) : undefined;
                const wire = network ? this.nsById.get(`network:${network.name}`) : undefined;
                if (!wire) { add(ip('link', 'add', 'name', name, 'type', 'dummy'), `nic ${name} (on no modelled network: a dummy)`); return; }
                const port = ifname(member.id.replace(/^[a-z]+:/, '').replace(/\//g, '.'));
                this.create.push({ argv: ip('link', 'add', 'name', name, 'type', 'veth', 'peer', 'name', port, 'netns', wire), ns, id, what: `nic ${name} on ${network!.name} (port ${port})`, creates: name });
                this.configure.push({ argv: ['ip', '-n', wire, 'link', 'set', 'dev', port, 'master', SEGMENT_BRIDGE, 'mtu', String(link.mtu)], ns: wire, id: `network:${network!.name}`, what: `port ${port} of ${SEGMENT_BRIDGE}`, needs: [] });
                this.up.push({ argv: ['ip', '-n', wire, 'link', 'set', 'dev', port, 'up'], ns: wire, id: `network:${network!.name}`, what: `${port} up` });
                return;
            }
            case 'bridge': add(ip('link', 'add', 'name', name, 'type', 'bridge'), `bridge ${name}`); return;
            case 'dummy': add(ip('link', 'add', 'name', name, 'type', 'dummy'), `dummy ${name}`); return;
            case 'vxlan': {
                const mac = macs.get(`${id}/${name}`);
                const args = ['link', 'add', 'name', name, ...(mac ? ['address', mac] : []), 'type', 'vxlan', 'id', String(link.vni ?? 1)];
                if (link.parent) args.push('dev', link.parent);
                if (link.local !== undefined) args.push('local', formatIp(link.local));
                // flanneld and Felix create their VTEPs without learning; the FDB is programmed.
                args.push('dstport', String(link.port ?? 4789), 'nolearning');
                this.create.push({ argv: ip(...args), ns, id, what: `vxlan ${name} vni ${link.vni ?? 1} port ${link.port ?? 4789}`, creates: name, needs: link.parent ? [link.parent] : undefined });
                return;
            }
            case 'vlan':
                add(ip('link', 'add', 'link', link.parent ?? 'eth0', 'name', name, 'type', 'vlan', 'id', String(link.vlanId ?? 1)), `vlan ${name}`);
                return;
            case 'ipip': {
                // Calico's tunl0 is the ipip module's fallback device: it exists once the module loads.
                const args = name === 'tunl0' ? ['link', 'add', 'name', name, 'type', 'ipip'] : ['link', 'add', 'name', name, 'type', 'ipip',
                    ...(link.local !== undefined ? ['local', formatIp(link.local)] : []), ...(link.remote !== undefined ? ['remote', formatIp(link.remote)] : [])];
                add(ip(...args), `ipip ${name}`);
                return;
            }
            case 'gre':
                add(ip('link', 'add', 'name', name, 'type', 'gre', ...(link.local !== undefined ? ['local', formatIp(link.local)] : []), ...(link.remote !== undefined ? ['remote', formatIp(link.remote)] : [])), `gre ${name}`);
                return;
            case 'tun':
                // flannel udp: flanneld reads flannel0 and sends UDP from user space; the lab runs no flanneld.
                add(ip('tuntap', 'add', 'dev', name, 'mode', 'tun'), `tun ${name}`);
                this.unsupported.push({ id, device: name, reason: `${name} is a TUN device served by flanneld in user space (flannel udp); the lab runs no flanneld, so nothing leaves through it` });
                return;
            case 'veth': {
                const peerId = link.peer?.namespace;
                const peerNs = peerId ? this.nsById.get(peerId) : undefined;
                const peerDev = link.peer?.device ?? ifname(name + 'p');
                const key = [`${ns}/${name}`, `${peerNs ?? ns}/${peerDev}`].sort().join('|');
                if (this.pairs.has(key)) return;
                this.pairs.add(key);
                const peerArgs = peerNs && peerNs !== ns ? ['peer', 'name', peerDev, 'netns', peerNs] : ['peer', 'name', peerDev];
                this.create.push({ argv: ip('link', 'add', 'name', name, 'type', 'veth', ...peerArgs), ns, id, what: `veth ${name} ↔ ${peerId ?? id}/${peerDev}`, creates: name });
                if (peerNs && peerNs !== ns) {
                    // The far end exists once this runs; record it as created with it.
                    this.create.push({ argv: ['ip', '-n', peerNs, 'link', 'show', peerDev], ns: peerNs, id: peerId!, what: `${peerDev} (far end of ${name})`, creates: peerDev });
                } else if (!link.peer) {
                    this.up.push({ argv: ip('link', 'set', 'dev', peerDev, 'up'), ns, id, what: `${peerDev} up` });
                }
                return;
            }
            default:
                this.unsupported.push({ id, device: name, reason: `the lab cannot make a ${link.kind} device` });
        }
    }

    private route(member: Member, r: Route): void {
        const { id, ns } = member;
        const needs = [...new Set([r.dev, ...(r.nexthops ?? []).map(n => n.dev)].filter((d): d is string => !!d))];
        this.routes.push({ argv: ['ip', '-n', ns, 'route', 'add', ...routeArgs(r)], ns, id, what: `route ${routeArgs(r).join(' ')}`, needs });
    }

    /** Hosts beyond the gateway hang off the first gateway's namespace on a veth, routed by /32. */
    private hostsBeyondGateway(): void {
        const gateway = this.model.networks.find(n => n.gateway !== undefined);
        for (const host of this.model.hosts) {
            if (host.network) continue;
            const id = `host:${host.name}`;
            const ns = this.nsById.get(id)!;
            if (!gateway) {
                this.unsupported.push({ id, device: 'eth0', reason: `host ${host.name} lies beyond the gateway, and no network has a gateway` });
                continue;
            }
            const wireId = `network:${gateway.name}`;
            const wire = this.nsById.get(wireId)!;
            const port = ifname('h.' + host.name);
            this.create.push({ argv: ['ip', '-n', ns, 'link', 'add', 'name', 'eth0', 'type', 'veth', 'peer', 'name', port, 'netns', wire], ns, id, what: `uplink of ${host.name} to ${gateway.name}'s gateway`, creates: 'eth0' });
            this.up.push({ argv: ['ip', '-n', wire, 'link', 'set', 'dev', port, 'up'], ns: wire, id: wireId, what: `${port} up` });
            this.routes.push({ argv: ['ip', '-n', wire, 'route', 'add', formatIp(host.address), 'dev', port, 'scope', 'link'], ns: wire, id: wireId, what: `route to ${host.name}` });
            // The host's default route is `dev eth0 scope link`: it ARPs for every address, the gateway answers.
            this.late.push(sysctlCommand(wire, wireId, [[`net/ipv4/conf/${port}/proxy_arp`, '1']]));
        }
    }
}

function netnsKind(id: string): string {
    return id.slice(0, id.indexOf(':'));
}

function rank(l: Link): number {
    switch (l.kind) {
        case 'nic': case 'dummy': return 0;
        case 'bridge': return 1;
        case 'veth': return 2;
        default: return 3;
    }
}

function hasGateway(r: Route): boolean {
    return r.gateway !== undefined || (r.nexthops ?? []).some(n => n.gateway !== undefined);
}

/** `brd +` below /31, as DHCP clients and the CNI bridge plugin set a broadcast address. */
function brd(length: number): string[] {
    return length < 31 ? ['brd', '+'] : [];
}

/** The arguments of `ip route add` for a model route (state flags such as linkdown are the kernel's to set). */
export function routeArgs(r: Route): string[] {
    const a: string[] = [];
    if (r.type !== 'unicast') a.push(r.type);
    a.push(r.destination.length === 0 ? 'default' : r.destination.length === 32 ? formatIp(r.destination.network) : formatPrefix(r.destination));
    if (r.gateway !== undefined) a.push('via', formatIp(r.gateway));
    if (r.dev) a.push('dev', r.dev);
    if (r.table !== 'main') a.push('table', r.table);
    if (r.proto) a.push('proto', r.proto);
    if (r.scope) a.push('scope', r.scope);
    if (r.src !== undefined) a.push('src', formatIp(r.src));
    if (r.metric !== undefined) a.push('metric', String(r.metric));
    if (r.mtu !== undefined) a.push('mtu', ...(r.mtuLocked ? ['lock'] : []), String(r.mtu));
    if (r.onlink) a.push('onlink');
    for (const nh of r.nexthops ?? []) {
        a.push('nexthop');
        if (nh.gateway !== undefined) a.push('via', formatIp(nh.gateway));
        if (nh.dev) a.push('dev', nh.dev);
        a.push('weight', String(nh.weight));
        if (nh.onlink) a.push('onlink');
    }
    return a;
}

/** Sysctls written through /proc inside the namespace; a key the kernel lacks is skipped, not fatal. */
function sysctlCommand(ns: string, id: string, settings: readonly (readonly [string, string])[]): LabCommand {
    const script = settings.map(([k, v]) => `if [ -e /proc/sys/${k} ]; then echo ${v} > /proc/sys/${k}; else echo "missing ${k}" >&2; fi`).join('; ');
    return { argv: ['ip', 'netns', 'exec', ns, 'sh', '-c', script], ns, id, what: `sysctls ${settings.map(([k, v]) => `${k.replace(/\//g, '.')}=${v}`).join(' ')}` };
}

