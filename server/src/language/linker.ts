/**
 * Linking, with messages in the user's words, and relinking after an edit without walking
 * the whole AST or resolving every reference again.
 *
 * Langium's linker visits every AST node of the document to find its references: about
 * 1.5 million nodes in a 5,000-node file, for some 20,000 references (a node's network, a
 * service's endpoints, the flows). The linker remembers which nodes hold references (the
 * reference sites); after a block was re-parsed and spliced in (`block-reparse.ts`), it
 * relinks the sites it already knew, minus the replaced block's, plus the new block's.
 *
 * A reference resolves by name, so an edit can change what it resolves to only when the
 * replaced or the new block declares a name it is looked up by (a pod renamed, moved to
 * another namespace, added or removed; a node or service renamed). Only those references
 * are resolved again, with the new block's own; the others keep their target. An edit of
 * any other kind of item (the cluster domain, which DNS names resolve through) resolves
 * every reference again.
 */
import {
    type AstNode, type AstNodeDescription, type LangiumDocument, type LinkingError, type Reference, type ReferenceInfo,
    AstUtils, DefaultLinker, interruptAndCheck,
} from 'langium';
import { CancellationToken } from 'vscode-languageserver';
import { type BlockSplice, restoreSplices, takeSplices } from './block-reparse';
import { forEachReference, holdsReferences } from './node-references';
import { isFlow, isFlowDestination, isHost, isNetwork, isNode, isPod, isService } from './generated/ast';

const WHAT: Record<string, string> = {
    network: 'network',
    endpoints: 'pod',
};

interface Sites {
    /** The parse result's root the sites belong to. */
    readonly root: AstNode;
    /** The AST nodes holding references, in document order. */
    readonly nodes: readonly AstNode[];
    /** How they were found: by walking the whole AST, or from the previous sites and the splices since. */
    readonly found: 'walk' | 'splice';
}

/** What Langium's references hold once resolved (cleared to resolve again). */
interface ResolvedFields {
    _ref?: unknown;
    _nodeDescription?: AstNodeDescription;
    _items?: unknown;
    _linkingError?: unknown;
}

/**
 * Cancellation is looked at once every 256 nodes (the mask + 1): an await per node costs a
 * microtask each, 1.5 million of them in a full link of a 5,000-node file. The reference
 * index goes through its 20,000 sites the same way.
 */
export const CHECK_EVERY = 255;

export class KnetLinker extends DefaultLinker {
    private readonly sites = new WeakMap<LangiumDocument, Sites>();
    /** The references Langium asked to unlink before the parse, left resolved until `link` knows what the edit was. */
    private readonly unlinked = new WeakMap<LangiumDocument, Reference[]>();
    /** References resolved again by the last link, and kept (for tests and the benchmark). */
    lastRelink = { resolved: 0, kept: 0 };

    /**
     * Langium unlinks a changed document before parsing it again. Whether the edit is spliced
     * in is known only after the parse, so the references are set aside here and cleared or
     * kept by `link`.
     */
    override unlink(document: LangiumDocument): void {
        const pending = this.unlinked.get(document);
        if (pending) for (const ref of document.references) pending.push(ref as Reference);
        else this.unlinked.set(document, document.references as Reference[]);
        document.references = [];
    }

    override async link(document: LangiumDocument, cancelToken: CancellationToken = CancellationToken.None): Promise<void> {
        const root = document.parseResult.value;
        const splices = takeSplices(document);
        const previous = this.sites.get(document);
        const spliced = splices.length > 0 && previous?.root === splices[0].previousRoot;
        const names = spliced ? declaredNames(splices) : undefined;
        if (!names) for (const ref of this.unlinked.get(document) ?? []) clear(ref);
        const nodes: AstNode[] = [];
        let resolved = 0, kept = 0, step = 0;
        try {
            if (spliced) {
                for (const node of splices.reduce<readonly AstNode[]>((sites, splice) => spliceSites(sites, splice), previous.nodes)) {
                    if ((++step & CHECK_EVERY) === 0) await interruptAndCheck(cancelToken);
                    const again = !names || mayResolveOtherwise(node, names);
                    forEachReference(node, info => {
                        const ref = info.reference as Reference & ResolvedFields;
                        if (again) clear(ref);
                        if (isResolved(ref)) {
                            document.references.push(ref);
                            kept++;
                        } else {
                            this.doLink(info, document);
                            resolved++;
                        }
                    });
                    nodes.push(node);
                }
            } else {
                for (const node of AstUtils.streamAst(root)) {
                    if ((++step & CHECK_EVERY) === 0) await interruptAndCheck(cancelToken);
                    let site = false;
                    forEachReference(node, ref => {
                        site = true;
                        this.doLink(ref, document);
                        resolved++;
                    });
                    if (site) nodes.push(node);
                }
            }
        } catch (e) {
            // Typed over: the next link starts from the same sites, with this version's splices still to apply.
            if (spliced) restoreSplices(document, splices);
            throw e;
        }
        this.unlinked.delete(document);
        this.sites.set(document, { root, nodes, found: spliced ? 'splice' : 'walk' });
        this.lastRelink = { resolved, kept };
    }

    /** How the last link of the document found its references (for tests and logs). */
    lastLink(document: LangiumDocument): 'walk' | 'splice' | undefined {
        return this.sites.get(document)?.found;
    }

    /** The nodes holding references in the document as last linked, or undefined when it was not linked since its last parse. */
    referenceSites(document: LangiumDocument): readonly AstNode[] | undefined {
        const sites = this.sites.get(document);
        return sites && sites.root === document.parseResult.value ? sites.nodes : undefined;
    }

    protected override createLinkingError(refInfo: ReferenceInfo, targetDescription?: AstNodeDescription): LinkingError {
        const error = super.createLinkingError(refInfo, targetDescription);
        const name = refInfo.reference.$refText;
        const container = refInfo.container.$type;
        const what = WHAT[refInfo.property]
            ?? (container === 'FlowSource' ? 'pod, node or host' : container === 'FlowDestination' ? 'service, pod, node or host' : 'declaration');
        return { ...error, message: `no ${what} named '${name}'` };
    }
}

/** The sites after a splice, still in document order: the replaced block's out, the new block's in. */
function spliceSites(previous: readonly AstNode[], splice: BlockSplice): AstNode[] {
    const kept = previous.filter(node => !isWithin(node, splice.removed));
    const added: AstNode[] = [];
    for (const node of AstUtils.streamAst(splice.added)) {
        if (holdsReferences(node)) added.push(node);
    }
    const at = splice.added.$cstNode!.offset;
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((kept[mid].$cstNode?.offset ?? 0) < at) lo = mid + 1; else hi = mid;
    }
    return [...kept.slice(0, lo), ...added, ...kept.slice(lo)];
}

function isWithin(node: AstNode, ancestor: AstNode): boolean {
    for (let n: AstNode | undefined = node; n; n = n.$container) if (n === ancestor) return true;
    return false;
}

function clear(ref: Reference | ResolvedFields): void {
    const r = ref as ResolvedFields;
    if ('_ref' in r) {
        r._ref = undefined;
        r._nodeDescription = undefined;
    } else if ('_items' in r) {
        r._items = undefined;
        r._linkingError = undefined;
    }
}

function isResolved(ref: ResolvedFields): boolean {
    return '_ref' in ref ? ref._ref !== undefined : ref._items !== undefined;
}

/**
 * The names the spliced blocks declared before and after: a node's and its pods', a
 * service's, a host's, a network's. Undefined when a splice replaced an item of another
 * kind, which may change how every name resolves.
 */
function declaredNames(splices: readonly BlockSplice[]): Set<string> | undefined {
    const names = new Set<string>();
    for (const { removed, added } of splices) {
        for (const item of [removed, added]) {
            if (isNode(item)) {
                names.add(item.name);
                for (const n of item.items) if (isPod(n) && n.name) names.add(n.name);
            } else if (isService(item) || isHost(item) || isNetwork(item)) {
                if (item.name) names.add(item.name);
            } else if (!isFlow(item)) {
                return undefined;
            }
        }
    }
    return names;
}

/**
 * Whether a reference site's text names one of `names` in a form the scope looks names up
 * by (`NAME`, `NS/NAME`, `NAME.NS.svc.DOMAIN.`). A flow's destination is looked up from its
 * source pod's namespace, so it goes with its source.
 */
function mayResolveOtherwise(site: AstNode, names: ReadonlySet<string>): boolean {
    let hit = false;
    forEachReference(site, info => { hit ||= namesAny(info.reference.$refText, names); });
    if (!hit && isFlowDestination(site) && isFlow(site.$container)) {
        const source = site.$container.source?.endpoint?.$refText;
        hit = source !== undefined && namesAny(source, names);
    }
    return hit;
}

function namesAny(text: string, names: ReadonlySet<string>): boolean {
    if (names.has(text)) return true;
    const slash = text.lastIndexOf('/');
    if (slash >= 0 && names.has(text.slice(slash + 1))) return true;
    const dot = text.indexOf('.');
    if (dot >= 0) {
        if (names.has(text.slice(0, dot))) return true;
        if (text.endsWith('.') && names.has(text.slice(0, -1))) return true;
    }
    return false;
}
