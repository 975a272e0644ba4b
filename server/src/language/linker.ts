/**
 * Linking, with messages in the user's words, and relinking after an edit without walking
 * the whole AST.
 *
 * Langium's linker visits every AST node of the document to find its references: about
 * 1.5 million nodes in a 5,000-node file, for some 20,000 references (a node's network, a
 * service's endpoints, the flows). The linker remembers which nodes hold references (the
 * reference sites); after a block was re-parsed and spliced in (`block-reparse.ts`), it
 * relinks the sites it already knew, minus the replaced block's, plus the new block's.
 * Every reference is still resolved again, as a full link would: a renamed pod may be one
 * a flow elsewhere names.
 */
import {
    type AstNode, type AstNodeDescription, type LangiumDocument, type LinkingError, type ReferenceInfo,
    AstUtils, DefaultLinker, interruptAndCheck,
} from 'langium';
import { CancellationToken } from 'vscode-languageserver';
import { type BlockSplice, restoreSplices, takeSplices } from './block-reparse';

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

export class KnetLinker extends DefaultLinker {
    private readonly sites = new WeakMap<LangiumDocument, Sites>();

    override async link(document: LangiumDocument, cancelToken: CancellationToken = CancellationToken.None): Promise<void> {
        const root = document.parseResult.value;
        const splices = takeSplices(document);
        const previous = this.sites.get(document);
        const spliced = splices.length > 0 && previous?.root === splices[0].previousRoot;
        const nodes: AstNode[] = [];
        try {
            if (spliced) {
                for (const node of splices.reduce<readonly AstNode[]>((sites, splice) => spliceSites(sites, splice), previous.nodes)) {
                    await interruptAndCheck(cancelToken);
                    AstUtils.streamReferences(node).forEach(ref => this.doLink(ref, document));
                    nodes.push(node);
                }
            } else {
                for (const node of AstUtils.streamAst(root)) {
                    await interruptAndCheck(cancelToken);
                    let site = false;
                    AstUtils.streamReferences(node).forEach(ref => {
                        site = true;
                        this.doLink(ref, document);
                    });
                    if (site) nodes.push(node);
                }
            }
        } catch (e) {
            // Typed over: the next link starts from the same sites, with this version's splices still to apply.
            if (spliced) restoreSplices(document, splices);
            throw e;
        }
        this.sites.set(document, { root, nodes, found: spliced ? 'splice' : 'walk' });
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
        if (!AstUtils.streamReferences(node).isEmpty()) added.push(node);
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
