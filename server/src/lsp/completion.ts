/**
 * Completion: Langium's keywords and names in scope, plus what the grammar cannot know —
 * the values each word takes (CNI plugins and backends, proxy modes, link kinds, Service
 * types, route scopes…), the devices of the node being edited, and free addresses in the
 * node's podCIDR or blocks for a new pod. Keywords that are only accepted as names (a pod
 * called `host`) are not proposed where a name is expected.
 */
import { type AstNode, type LangiumDocument, AstUtils, GrammarAST, TextDocument, URI } from 'langium';
import { type CompletionAcceptor, type CompletionContext, DefaultCompletionProvider, type NextFeature } from 'langium/lsp';
import { type CancellationToken, type CompletionList, type CompletionParams, CompletionItemKind } from 'vscode-languageserver';
import * as ast from '../language/generated/ast';
import { type Cidr, formatIp, nth, size } from '../model/address';
import { LINK_KINDS } from '../model/types';
import type { ClusterModel } from '../model/types';
import { modelObject } from './model-lookup';
import { nameIndex } from '../language/name-index';
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

/** Beyond this offset the completion parser reads only the cluster item under the cursor. */
const SYNTHETIC_PREFIX_FROM = 50_000;

/** Names offered at most per completion (a client filters further as the user types). */
const MAX_NAMES = 1000;

const DEVICE_PROPERTIES = new Set(['RouteDev.dev', 'LinkParent.parent', 'LinkMaster.bridge', 'NodeAddress.dev']);

export class KnetCompletionProvider extends DefaultCompletionProvider {
    /** Keys already answered for one completion context (a Name expands into ~80 features). */
    private readonly offered = new WeakMap<CompletionContext, Set<string>>();

    constructor(private readonly knet: KnetLspServices) {
        super(knet);
    }

    override async getCompletion(document: LangiumDocument, params: CompletionParams, token?: CancellationToken): Promise<CompletionList | undefined> {
        const list = await super.getCompletion(document, params, token);
        // Names were capped: ask the client to come back as the user types more.
        if (list && list.items.length >= MAX_NAMES) list.isIncomplete = true;
        return list;
    }

    /**
     * Langium finds what may come next by parsing the whole text up to the cursor: seconds
     * in a 7 MB file. Cluster items are independent of each other, so in a big file only
     * the item under the cursor is parsed, behind a synthetic `cluster {` that puts the
     * parser in the same place.
     */
    protected override findFeaturesAt(textDocument: TextDocument, offset: number): NextFeature[] {
        if (offset > SYNTHETIC_PREFIX_FROM) {
            try {
                const document = this.knet.shared.workspace.LangiumDocuments.getDocument(URI.parse(textDocument.uri));
                const items = (document?.parseResult.value as ast.Document | undefined)?.clusters[0]?.items ?? [];
                let lo = 0, hi = items.length - 1, start = -1;
                while (lo <= hi) {
                    const mid = (lo + hi) >> 1;
                    const at = items[mid].$cstNode?.offset ?? Infinity;
                    if (at < offset) { start = at; lo = mid + 1; } else hi = mid - 1;
                }
                if (start >= 0) {
                    const text = 'cluster c {\n' + textDocument.getText().slice(start, offset);
                    const synthetic = TextDocument.create(textDocument.uri, textDocument.languageId, textDocument.version, text);
                    return super.findFeaturesAt(synthetic, text.length);
                }
            } catch {
                // fall back to the whole prefix
            }
        }
        return super.findFeaturesAt(textDocument, offset);
    }

    protected override filterKeyword(context: CompletionContext, keyword: GrammarAST.Keyword): boolean {
        const rule = AstUtils.getContainerOfType(keyword, GrammarAST.isParserRule);
        if (rule && (rule.name === 'Name' || rule.name === 'QualifiedName')) return false;
        return super.filterKeyword(context, keyword);
    }

    /**
     * Names for flow ends and endpoint lists straight from the document's name index, the
     * typed prefix matched first: Langium's default builds a description per candidate,
     * seconds for 150,000 pods. At most MAX_NAMES are offered.
     */
    protected override completionForCrossReference(context: CompletionContext, next: NextFeature<GrammarAST.CrossReference>, acceptor: CompletionAcceptor) {
        const assignment = AstUtils.getContainerOfType(next.feature, GrammarAST.isAssignment);
        const rule = AstUtils.getContainerOfType(next.feature, GrammarAST.isParserRule);
        const type = next.type ?? rule?.name;
        const kinds = type === 'FlowSource' ? ['pod', 'node', 'host'] as const
            : type === 'FlowDestination' ? ['service', 'pod', 'node', 'host'] as const
            : type === 'ServiceEndpoints' && assignment?.feature === 'endpoints' ? ['pod'] as const
            : undefined;
        if (!kinds) return super.completionForCrossReference(context, next, acceptor);
        const root = context.document.parseResult.value as ast.Document;
        const index = nameIndex(root);
        const typed = context.textDocument.getText().slice(context.tokenOffset, context.offset);
        let offered = 0;
        const offer = (name: string, kind: CompletionItemKind, detail: string): boolean => {
            if (offered >= MAX_NAMES) return false;
            if (typed && !this.fuzzyMatcher.match(typed, name)) return true;
            acceptor(context, { label: name, kind, detail, sortText: (name.startsWith(typed) ? '0' : '1') + String(offered).padStart(6, '0') });
            offered++;
            return true;
        };
        const short = (key: string) => key.startsWith('default/') ? key.slice(8) : key;
        for (const kind of kinds) {
            if (kind === 'service') {
                for (const key of index.services.keys()) if (!offer(short(key), CompletionItemKind.Interface, 'service')) return;
            } else if (kind === 'pod') {
                for (const [key, pod] of index.pods) if (!offer(short(key), CompletionItemKind.Variable, `pod ${pod.address ?? ''}`.trim())) return;
            } else if (kind === 'node') {
                for (const name of index.nodes.keys()) if (!offer(name, CompletionItemKind.Class, 'node')) return;
            } else {
                for (const [name, host] of index.hosts) if (!offer(name, CompletionItemKind.Struct, `host ${host.address}`)) return;
            }
        }
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
