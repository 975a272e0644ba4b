/**
 * Completion: Langium's keywords and names in scope, plus what the grammar cannot know —
 * the values each word takes (CNI plugins and backends, proxy modes, link kinds, Service
 * types, route scopes…), the devices of the node being edited, and free addresses in the
 * node's podCIDR or blocks for a new pod. Keywords that are only accepted as names (a pod
 * called `host`) are not proposed where a name is expected.
 */
import { type AstNode, AstUtils, GrammarAST } from 'langium';
import { type CompletionAcceptor, type CompletionContext, DefaultCompletionProvider, type NextFeature } from 'langium/lsp';
import { CompletionItemKind } from 'vscode-languageserver';
import * as ast from '../language/generated/ast';
import { type Cidr, formatIp, nth, size } from '../model/address';
import { LINK_KINDS } from '../model/types';
import type { ClusterModel } from '../model/types';
import { modelObject } from './model-lookup';
import type { KnetLspServices } from './services';

/** Values of words the grammar reads as plain names, by `Rule.property`. */
const VALUES: Record<string, readonly string[]> = {
    'Cni.plugin': ['flannel', 'calico', 'bridge', 'none'],
    'KubeProxy.mode': ['iptables', 'nftables', 'ipvs', 'userspace'],
    'ProxyScheduler.scheduler': ['rr', 'lc', 'dh', 'sh', 'sed', 'nq'],
    'Link.kind': LINK_KINDS,
    'ServiceType.type': ['ClusterIP', 'NodePort', 'LoadBalancer'],
    'NetworkKind.kind': ['l2', 'routed'],
    'ServiceTrafficPolicy.policy': ['Cluster', 'Local'],
    'ServiceAffinity.affinity': ['None', 'ClientIP'],
    'ServicePort.protocol': ['tcp', 'udp', 'sctp'],
    'FlowDestination.protocol': ['tcp', 'udp', 'sctp'],
    'RouteProto.proto': ['kernel', 'boot', 'static', 'dhcp', 'bird', '80'],
    'RouteScope.scope': ['global', 'link', 'host'],
    'RouteTable.table': ['main', 'local'],
    'RoutePref.pref': ['medium', 'high', 'low'],
    'ServiceClusterIp.word': ['None'],
    'Sysctl.setting': ['net.ipv4.ip_forward=1', 'net.bridge.bridge-nf-call-iptables=1', 'net.ipv4.conf.all.rp_filter=0'],
};

const BACKENDS: Record<string, readonly string[]> = {
    flannel: ['vxlan', 'udp', 'host-gw'],
    calico: ['ipip', 'vxlan', 'bgp'],
};

const SETTING_VALUES: Record<string, readonly string[]> = {
    ipipMode: ['Always', 'CrossSubnet', 'Never'],
    ipMasq: ['true', 'false'],
    natOutgoing: ['true', 'false'],
};

const DEVICE_PROPERTIES = new Set(['RouteDev.dev', 'LinkParent.parent', 'LinkMaster.bridge', 'NodeAddress.dev']);

export class KnetCompletionProvider extends DefaultCompletionProvider {
    /** Keys already answered for one completion context (a Name expands into ~80 features). */
    private readonly offered = new WeakMap<CompletionContext, Set<string>>();

    constructor(private readonly knet: KnetLspServices) {
        super(knet);
    }

    protected override filterKeyword(context: CompletionContext, keyword: GrammarAST.Keyword): boolean {
        const rule = AstUtils.getContainerOfType(keyword, GrammarAST.isParserRule);
        if (rule && (rule.name === 'Name' || rule.name === 'QualifiedName')) return false;
        return super.filterKeyword(context, keyword);
    }

    protected override completionFor(context: CompletionContext, next: NextFeature, acceptor: CompletionAcceptor) {
        try {
            this.valuesFor(context, next, acceptor);
        } catch {
            // a half-typed document: offer what the grammar offers
        }
        return super.completionFor(context, next, acceptor);
    }

    private valuesFor(context: CompletionContext, next: NextFeature, acceptor: CompletionAcceptor): void {
        // Inside a datatype rule (Name) the feature is one of its alternatives; the
        // assignment that called it is in `next.property` and the node being built.
        const assignment = AstUtils.getContainerOfType(next.feature, GrammarAST.isAssignment);
        const rule = AstUtils.getContainerOfType(next.feature, GrammarAST.isParserRule);
        const type = next.type ?? (assignment ? rule?.name : context.node?.$type);
        const property = next.property ?? assignment?.feature;
        if (!type || !property) return;
        const key = `${type}.${property}`;
        let done = this.offered.get(context);
        if (!done) this.offered.set(context, done = new Set());
        if (done.has(key)) return;
        done.add(key);
        const value = (label: string, detail: string, kind: CompletionItemKind = CompletionItemKind.EnumMember, sortText?: string) =>
            acceptor(context, { label, detail, kind, sortText });
        const fixed = VALUES[key];
        if (fixed) for (const v of fixed) value(v, key.replace('.', ' '));
        if (key === 'Cni.backend') {
            const cni = AstUtils.getContainerOfType(context.node, ast.isCni);
            for (const b of BACKENDS[cni?.plugin ?? ''] ?? [...BACKENDS.flannel, ...BACKENDS.calico]) value(b, `${cni?.plugin ?? 'cni'} backend`);
        }
        if (key === 'Setting.value') {
            const setting = AstUtils.getContainerOfType(context.node, ast.isSetting);
            for (const v of SETTING_VALUES[setting?.key ?? ''] ?? []) value(v, setting!.key);
        }
        if (DEVICE_PROPERTIES.has(key)) this.devices(context, acceptor);
        if (key === 'Pod.address') this.freeAddresses(context, acceptor);
    }

    private model(context: CompletionContext): ClusterModel {
        return this.knet.model.ModelCache.get(context.document).model;
    }

    /** The links of the node (or pod with its own routes) being edited, generated ones included. */
    private devices(context: CompletionContext, acceptor: CompletionAcceptor): void {
        const model = this.model(context);
        const routes = AstUtils.getContainerOfType(context.node, ast.isRoutes);
        const scope: AstNode | undefined = routes && ast.isPod(routes.$container) ? routes.$container : AstUtils.getContainerOfType(context.node, ast.isNode);
        const o = modelObject(model, scope);
        const ns = o?.kind === 'node' ? o.node.netns() : o?.kind === 'pod' ? o.pod.netns() : undefined;
        if (!ns) return;
        let i = 0;
        for (const link of ns.links.values()) {
            if (link.name === 'lo') continue;
            const detail = `${link.kind} mtu ${link.mtu}${link.origin.generated ? ` (${link.origin.by})` : ''}`;
            acceptor(context, { label: link.name, detail, kind: CompletionItemKind.Interface, sortText: String(i++).padStart(6, '0') });
            if (i > 500) break;
        }
    }

    /** The next few addresses of the node's pod range that nobody owns. */
    private freeAddresses(context: CompletionContext, acceptor: CompletionAcceptor): void {
        const model = this.model(context);
        const o = modelObject(model, AstUtils.getContainerOfType(context.node, ast.isNode));
        if (o?.kind !== 'node') return;
        const ranges: Cidr[] = o.node.podCidr ? [o.node.podCidr] : [...o.node.blocks];
        // flannel and the bridge plugin give the range's first address to cni0/cbr0
        const first = model.cni.plugin === 'calico' ? 1 : 2;
        let offered = 0;
        for (const range of ranges) {
            for (let n = first; n < size(range) - 1 && offered < 3; n++) {
                const ip = nth(range, n);
                if (model.owners.has(ip)) continue;
                acceptor(context, {
                    label: formatIp(ip), detail: `free in ${o.node.name}'s pod range`, kind: CompletionItemKind.Value,
                    sortText: String(offered).padStart(3, '0'),
                });
                offered++;
            }
        }
    }
}
