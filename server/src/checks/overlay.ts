/**
 * overlay-mismatch: a declared overlay device that contradicts the `cni` line (its kind,
 * VNI or UDP port). The cni line is what every node's daemon reads, so a node whose
 * device says otherwise disagrees with all the others: VXLAN peers drop frames with
 * another VNI, and packets to another port never reach the VXLAN socket.
 */
import type { Link, LinkKind } from '../model/types';
import { type Finding, Codes } from './finding';
import type { CheckContext } from './context';

interface Expected {
    readonly kind: LinkKind;
    readonly vni?: number;
    readonly port?: number;
    readonly describe: string;
}

export function checkOverlay(ctx: CheckContext): Finding[] {
    const { model } = ctx;
    const cni = model.cni;
    const out: Finding[] = [];
    const cniText = `cni ${cni.plugin} ${cni.backend}`;
    const cniSpan = cni.origin.span;
    // The device the daemon owns, by name (flannel names its VXLAN device after the VNI).
    const expected = (l: Link): Expected | undefined => {
        if (cni.plugin === 'flannel' && cni.backend === 'vxlan' && /^flannel\.\d+$/.test(l.name)) {
            return { kind: 'vxlan', vni: cni.vni, port: cni.port, describe: `${cniText} (VNI ${cni.vni}, port ${cni.port})` };
        }
        if (cni.plugin === 'flannel' && cni.backend === 'udp' && l.name === 'flannel0') return { kind: 'tun', describe: `${cniText} (a TUN device, flanneld on UDP ${cni.port})` };
        if (cni.plugin === 'calico' && cni.backend === 'ipip' && l.name === 'tunl0') return { kind: 'ipip', describe: `${cniText} (an IPIP tunnel)` };
        if (cni.plugin === 'calico' && cni.backend === 'vxlan' && l.name === 'vxlan.calico') {
            return { kind: 'vxlan', vni: cni.vni, port: cni.port, describe: `${cniText} (VNI ${cni.vni}, port ${cni.port})` };
        }
        return undefined;
    };
    for (const node of model.nodes) {
        for (const l of node.declaredLinks) {
            const want = expected(l);
            if (!want) continue;
            const related = cniSpan ? [{ span: cniSpan, message: `${cniText}` }] : undefined;
            const where = `${l.name} on ${node.name}`;
            if (l.kind !== want.kind && l.spans?.kind) {
                out.push({
                    code: Codes.overlayMismatch, severity: 'error', span: l.spans.kind, related,
                    message: `${where} is declared ${l.kind}, but ${want.describe} makes it a ${want.kind} device`,
                    fixes: [{ title: `Make ${l.name} a ${want.kind} device`, edits: [{ span: l.spans.kind, newText: want.kind }] }],
                });
                continue;
            }
            const nameVni = /^flannel\.(\d+)$/.exec(l.name);
            if (want.vni !== undefined && l.vni !== undefined && l.vni !== want.vni && l.spans?.vni) {
                out.push({
                    code: Codes.overlayMismatch, severity: 'error', span: l.spans.vni, related,
                    message: `${where} has VNI ${l.vni}, but ${want.describe}: the other nodes drop its VXLAN frames, and it drops theirs`,
                    fixes: [{ title: `Set VNI ${want.vni}`, edits: [{ span: l.spans.vni, newText: String(want.vni) }] }],
                });
            } else if (nameVni && Number(nameVni[1]) !== want.vni && l.spans?.name) {
                out.push({
                    code: Codes.overlayMismatch, severity: 'error', span: l.spans.name, related,
                    message: `${where}: flanneld names its device after the VNI, and ${want.describe} makes it flannel.${want.vni}`,
                    fixes: [{ title: `Rename to flannel.${want.vni}`, edits: [{ span: l.spans.name, newText: `flannel.${want.vni}` }] }],
                });
            } else if (want.port !== undefined && l.port !== undefined && l.port !== want.port && l.spans?.port) {
                out.push({
                    code: Codes.overlayMismatch, severity: 'error', span: l.spans.port, related,
                    message: `${where} uses UDP port ${l.port}, but ${want.describe}: the other nodes send to ${want.port} and never reach its VXLAN socket`,
                    fixes: [{ title: `Set port ${want.port}`, edits: [{ span: l.spans.port, newText: String(want.port) }] }],
                });
            }
        }
    }
    return out;
}
