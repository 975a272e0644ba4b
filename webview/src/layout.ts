/**
 * The trace panel's layout, as plain data: which lanes (network namespaces) in path order,
 * which step sits in which lane and row, how a header stack nests (the packet inside the
 * packet), and what a step changed. No DOM here, so it is unit-tested on real traces and
 * the renderer only draws what this decides.
 */
import type { Disposition, FieldChange, Header, NamespaceKind, Packet, Step, Trace } from '../../server/src/protocol/trace';

export interface Lane {
    index: number;
    /** `kind:namespace`: a pod and a host may share a name. */
    key: string;
    namespace: string;
    kind: NamespaceKind;
    node?: string;
}

export type PathDirection = 'forward' | 'reply';

export interface StepRow {
    /** Position among all rows drawn (forward, then reply when shown). */
    index: number;
    path: PathDirection;
    hopIndex: number;
    stepIndex: number;
    lane: number;
    step: Step;
    /** First step of its hop: the row names the namespace. */
    firstInHop: boolean;
    /** The packet's outline (headers, addresses, ports) differs from the previous row's: draw it. */
    packetChanged: boolean;
    /** Inside an overlay tunnel (the outer headers are on): the connector is drawn as a tunnel. */
    inTunnel: boolean;
}

export interface Ending {
    path: PathDirection;
    /** Index of the last row of that path (-1 when the path has no steps). */
    afterRow: number;
    lane: number;
    disposition: Disposition;
    success: boolean;
    reason: string;
    at?: string;
    pathMtu: number;
}

export interface TraceLayout {
    lanes: Lane[];
    rows: StepRow[];
    endings: Ending[];
}

const ENCAP_HEADERS = new Set<Header['kind']>(['vxlan', 'gre', 'flannel-udp']);

export function isSuccessDisposition(d: Disposition): boolean {
    return d === 'DELIVERED' || d === 'EXITS_NETWORK';
}

/** Lanes in the order the packet first visits them, then the reply's new ones. */
export function layoutTrace(trace: Trace, showReply: boolean): TraceLayout {
    const lanes: Lane[] = [];
    const laneByKey = new Map<string, number>();
    const laneOf = (namespace: string, kind: NamespaceKind, node?: string): number => {
        const key = `${kind}:${namespace}`;
        let i = laneByKey.get(key);
        if (i === undefined) {
            i = lanes.length;
            laneByKey.set(key, i);
            lanes.push({ index: i, key, namespace, kind, node });
        }
        return i;
    };
    const rows: StepRow[] = [];
    const endings: Ending[] = [];
    const paths: Array<[PathDirection, Trace]> = [['forward', trace]];
    if (showReply && trace.reply) paths.push(['reply', trace.reply]);
    for (const [path, t] of paths) {
        let previous: Packet | undefined;
        let lastLane = lanes.length ? 0 : -1;
        t.hops.forEach((hop, hopIndex) => {
            const lane = laneOf(hop.namespace, hop.kind, hop.node);
            hop.steps.forEach((step, stepIndex) => {
                const changed = !previous || packetOutline(previous) !== packetOutline(step.packet);
                rows.push({
                    index: rows.length, path, hopIndex, stepIndex, lane, step,
                    firstInHop: stepIndex === 0,
                    packetChanged: changed,
                    inTunnel: isEncapsulated(step.packet.headers) || step.kind === 'encap',
                });
                previous = step.packet;
            });
            lastLane = lane;
        });
        if (lastLane < 0) lastLane = laneOf(t.flow.source, 'pod');
        endings.push({
            path, afterRow: rows.length - 1, lane: lastLane, disposition: t.disposition,
            success: isSuccessDisposition(t.disposition), reason: t.dispositionReason ?? '',
            at: t.dispositionAt, pathMtu: t.pathMtu,
        });
    }
    return { lanes, rows, endings };
}

/**
 * A lane heading when the full name does not fit: a pod's name without the hashes its
 * controller added (`busybox3-c997b9cc4-tlvrq` → `busybox3`, as `kubectl` users say it).
 * The full name stays in the tooltip and on the hop's first row.
 */
export function laneLabel(namespace: string, kind: NamespaceKind): string {
    if (kind !== 'pod') return namespace;
    const deployment = /^(.+)-[0-9a-f]{6,10}-[0-9a-z]{5}$/.exec(namespace);
    if (deployment) return deployment[1];
    const daemonSet = /^(.+)-[0-9a-z]{5}$/.exec(namespace);
    return daemonSet ? daemonSet[1] : namespace;
}

/** The packet as a short line, without TTL and lengths: equal outlines need not be drawn twice. */
export function packetOutline(p: Packet): string {
    return p.headers.map(headerLabel).join(' / ');
}

export function isEncapsulated(headers: readonly Header[]): boolean {
    return nestPacket(headers).inner !== undefined;
}

/** One IP packet and what it carries; `inner` is the packet inside the packet. */
export interface PacketBox {
    depth: number;
    /** Indexes into the header stack, outermost first. */
    headers: Array<{ index: number; header: Header }>;
    inner?: PacketBox;
}

/**
 * Splits a header stack into nested packets: a new one starts after an overlay header
 * (VXLAN, GRE, flannel's UDP) or where an IPv4 header follows another IPv4 header (IPIP).
 * So `IPv4 / UDP / VXLAN / IPv4 / TCP` is an outer packet holding the inner `IPv4 / TCP`.
 */
export function nestPacket(headers: readonly Header[]): PacketBox {
    const root: PacketBox = { depth: 0, headers: [] };
    let box = root;
    let hasIp = false;
    headers.forEach((header, index) => {
        const afterEncap = index > 0 && ENCAP_HEADERS.has(headers[index - 1].kind);
        if (afterEncap || (header.kind === 'ipv4' && hasIp)) {
            const inner: PacketBox = { depth: box.depth + 1, headers: [] };
            box.inner = inner;
            box = inner;
            hasIp = false;
        }
        if (header.kind === 'ipv4') hasIp = true;
        box.headers.push({ index, header });
    });
    return root;
}

const IP_PROTOCOLS: Record<number, string> = { 1: 'icmp', 4: 'ipip', 6: 'tcp', 17: 'udp', 47: 'gre', 132: 'sctp' };

export function protocolName(n: number): string {
    return IP_PROTOCOLS[n] ?? String(n);
}

/** Short label for a header box: what a capture's summary line would show. */
export function headerLabel(h: Header): string {
    switch (h.kind) {
        case 'ethernet': return 'Ethernet' + (h.vlan !== undefined ? ` VLAN ${h.vlan}` : '');
        case 'ipv4': return `IPv4 ${h.src}→${h.dst}`;
        case 'tcp': return `TCP ${h.srcPort}→${h.dstPort}`;
        case 'udp': return `UDP ${h.srcPort}→${h.dstPort}`;
        case 'sctp': return `SCTP ${h.srcPort}→${h.dstPort}`;
        case 'icmp': return `ICMP ${h.description ?? `type ${h.type} code ${h.code}`}`;
        case 'vxlan': return `VXLAN VNI ${h.vni}`;
        case 'gre': return 'GRE' + (h.key !== undefined ? ` key ${h.key}` : '');
        case 'flannel-udp': return `flannel UDP :${h.port}`;
        default: return 'header';
    }
}

/** Labels at three widths: full, addresses without source ports, or only the kinds. */
export type LabelDetail = 'full' | 'medium' | 'compact';

export function headerLabelAt(h: Header, detail: LabelDetail): string {
    if (detail === 'full') return headerLabel(h);
    if (detail === 'medium' && h.kind === 'ipv4') return headerLabel(h);
    if (detail === 'medium' && h.kind === 'icmp') return headerLabel(h);
    return headerTag(h);
}

/** A shorter label when room is scarce: the kind and the one number that matters. */
export function headerTag(h: Header): string {
    switch (h.kind) {
        case 'ethernet': return 'Eth';
        case 'ipv4': return 'IPv4';
        case 'tcp': return `TCP →${h.dstPort}`;
        case 'udp': return `UDP →${h.dstPort}`;
        case 'sctp': return `SCTP →${h.dstPort}`;
        case 'icmp': return 'ICMP';
        case 'vxlan': return `VXLAN ${h.vni}`;
        case 'gre': return 'GRE';
        case 'flannel-udp': return 'flannel';
        default: return '?';
    }
}

export function headerTitle(h: Header): string {
    switch (h.kind) {
        case 'ethernet': return 'Ethernet';
        case 'ipv4': return 'IPv4';
        case 'tcp': return 'TCP';
        case 'udp': return 'UDP';
        case 'sctp': return 'SCTP';
        case 'icmp': return 'ICMP';
        case 'vxlan': return 'VXLAN';
        case 'gre': return 'GRE';
        case 'flannel-udp': return 'flannel UDP';
        default: return 'Header';
    }
}

export interface HeaderField {
    /** Key as in `FieldChange.field` after the dot: "src", "dstPort", "ttl". */
    key: string;
    label: string;
    value: string;
}

/** Every field of a header, in the order a capture's detail view lists them. */
export function headerFields(h: Header): HeaderField[] {
    const f = (key: string, label: string, value: unknown): HeaderField | undefined =>
        value === undefined || value === null ? undefined : { key, label, value: String(value) };
    let fields: Array<HeaderField | undefined>;
    switch (h.kind) {
        case 'ethernet': fields = [f('src', 'src MAC', h.src), f('dst', 'dst MAC', h.dst), f('vlan', 'VLAN', h.vlan)]; break;
        case 'ipv4': fields = [
            f('src', 'src', h.src), f('dst', 'dst', h.dst), f('ttl', 'TTL', h.ttl),
            f('df', 'DF', h.df ? 'set' : 'clear'), f('protocol', 'protocol', `${h.protocol} (${protocolName(h.protocol)})`),
            f('length', 'length', h.length), f('id', 'id', h.id),
        ]; break;
        case 'tcp': fields = [f('srcPort', 'src port', h.srcPort), f('dstPort', 'dst port', h.dstPort), f('flags', 'flags', h.flags), f('mss', 'MSS', h.mss)]; break;
        case 'udp': fields = [f('srcPort', 'src port', h.srcPort), f('dstPort', 'dst port', h.dstPort), f('length', 'length', h.length)]; break;
        case 'sctp': fields = [f('srcPort', 'src port', h.srcPort), f('dstPort', 'dst port', h.dstPort)]; break;
        case 'icmp': fields = [f('type', 'type', h.type), f('code', 'code', h.code), f('description', 'meaning', h.description), f('mtu', 'next-hop MTU', h.mtu)]; break;
        case 'vxlan': fields = [f('vni', 'VNI', h.vni), f('flags', 'flags', h.flags)]; break;
        case 'gre': fields = [f('key', 'key', h.key)]; break;
        case 'flannel-udp': fields = [f('port', 'port', h.port)]; break;
        default: fields = [];
    }
    return fields.filter((x): x is HeaderField => x !== undefined);
}

/**
 * Which header fields differ between `before` and `after`, keyed `side:index:key` with the
 * index into that side's stack. Stacks are aligned from the innermost header, so after an
 * encapsulation the inner packet is compared with itself and the new outer headers count
 * as added (and after a decapsulation, the stripped ones as removed).
 */
export interface PacketDiff {
    changedAfter: Set<string>;
    changedBefore: Set<string>;
    /** Header indexes present only after (pushed) or only before (popped). */
    added: Set<number>;
    removed: Set<number>;
}

export function diffPackets(before: Packet, after: Packet): PacketDiff {
    const diff: PacketDiff = { changedAfter: new Set(), changedBefore: new Set(), added: new Set(), removed: new Set() };
    const a = after.headers, b = before.headers;
    let i = a.length - 1, j = b.length - 1;
    while (i >= 0 && j >= 0 && a[i].kind === b[j].kind) {
        const fa = headerFields(a[i]), fb = new Map(headerFields(b[j]).map(x => [x.key, x.value]));
        for (const field of fa) {
            if (fb.get(field.key) !== field.value) {
                diff.changedAfter.add(`${i}:${field.key}`);
                diff.changedBefore.add(`${j}:${field.key}`);
            }
        }
        i--; j--;
    }
    for (; i >= 0; i--) diff.added.add(i);
    for (; j >= 0; j--) diff.removed.add(j);
    return diff;
}

/** A change drawn as a chip; `nat` ones (addresses, ports) are highlighted. */
export interface ChangeChip {
    text: string;
    nat: boolean;
    /** For a narrow panel: only where it goes ("DNAT dst → 10.244.2.5:80"). */
    short?: string;
}

const PORT_FIELDS = /^(tcp|udp|sctp)\.(src|dst)Port$/;

/**
 * Readable change chips: a destination address and port rewritten together read as one
 * "dst 10.107.254.44:80 → 10.244.2.5:80", as conntrack and iptables print them.
 */
export function describeChanges(changes: readonly FieldChange[] | undefined, step?: Step): ChangeChip[] {
    if (!changes?.length) return [];
    const chips: ChangeChip[] = [];
    const used = new Set<number>();
    for (const side of ['dst', 'src'] as const) {
        const ip = changes.findIndex(c => c.field === `ipv4.${side}`);
        const port = changes.findIndex(c => PORT_FIELDS.test(c.field) && c.field.endsWith(`.${side}Port`));
        if (ip < 0 && port < 0) continue;
        // An address rewritten with its port kept still reads with the port, as --to-destination prints it.
        const fromPort = port >= 0 ? changes[port].from : l4Port(step?.before ?? step?.packet, side);
        const toPort = port >= 0 ? changes[port].to : l4Port(step?.packet, side);
        const from = (ip >= 0 ? changes[ip].from : '') + (fromPort !== undefined ? `:${fromPort}` : '');
        const to = (ip >= 0 ? changes[ip].to : '') + (toPort !== undefined ? `:${toPort}` : '');
        const verb = step?.kind === 'nat' ? (side === 'dst' ? 'DNAT ' : 'SNAT ') : '';
        chips.push({ text: `${verb}${side} ${from} → ${to}`, nat: true, short: `${verb}${side} → ${to}` });
        if (ip >= 0) used.add(ip);
        if (port >= 0) used.add(port);
    }
    changes.forEach((c, i) => {
        if (used.has(i)) return;
        if (c.field === 'encap') {
            chips.push({ text: c.to === 'none' ? `decap ${c.from}` : c.from === 'none' ? `encap ${c.to}` : `encap ${c.from} → ${c.to}`, nat: false });
            return;
        }
        const field = c.field.replace(/^ipv4\./, '');
        chips.push({ text: `${field} ${c.from} → ${c.to}`, nat: /(^|\.)(src|dst)(Port)?$/.test(c.field) });
    });
    return chips;
}

/** The port of the packet's transport header on one side, where it has one. */
function l4Port(packet: Packet | undefined, side: 'src' | 'dst'): number | undefined {
    const h = packet?.headers.find(x => x.kind === 'tcp' || x.kind === 'udp' || x.kind === 'sctp');
    if (!h || !('srcPort' in h)) return undefined;
    return side === 'src' ? h.srcPort : h.dstPort;
}

/** The deciding rule, unless it only repeats the summary (routes usually do). */
export function decidedByText(step: Step): string | undefined {
    const d = step.decidedBy?.trim();
    if (!d || d === step.summary.trim()) return undefined;
    return d;
}

/** "veth42779e36 → flannel.1", "in eth0", "out ens192" or nothing. */
export function devicesText(step: Step): string | undefined {
    if (step.inDevice && step.outDevice) return `${step.inDevice} → ${step.outDevice}`;
    if (step.inDevice) return `in ${step.inDevice}`;
    if (step.outDevice) return `out ${step.outDevice}`;
    return undefined;
}

const DISPOSITION_WORDS: Record<Disposition, string> = {
    DELIVERED: 'delivered',
    EXITS_NETWORK: 'left the network',
    NO_ROUTE: 'no route',
    BLACKHOLE: 'blackholed',
    UNDERLAY_DROP: 'dropped by the underlay',
    NEIGHBOR_UNREACHABLE: 'next hop unreachable',
    MTU_EXCEEDED: 'too big (DF set)',
    NO_ENDPOINTS: 'service has no endpoints',
    NO_LOCAL_ENDPOINT: 'no local endpoint',
    LOOP: 'routing loop (TTL exhausted)',
    NO_INTERFACE: 'no interface',
    FORWARD_DISABLED: 'forwarding disabled',
    FILTERED: 'filtered',
    DENIED: 'denied by policy',
};

export function dispositionWords(d: Disposition): string {
    return DISPOSITION_WORDS[d] ?? String(d).toLowerCase();
}

/** The flow as a title line: "cross-node-clusterip: busybox3 -> nginx-deployment:80". */
export function flowTitle(trace: Trace): string {
    const name = trace.flow.name, text = trace.flow.text;
    if (!name) return text;
    if (!text || text === name) return name;
    return `${name}: ${text}`;
}

/** Clamps a selected row index into the layout (or -1 when there are no rows). */
export function clampRow(index: number, layout: TraceLayout): number {
    if (!layout.rows.length) return -1;
    if (!Number.isFinite(index)) return 0;
    return Math.max(0, Math.min(layout.rows.length - 1, Math.trunc(index)));
}
