/**
 * The reference index (what find-references and rename read) from the linker's reference
 * sites, instead of a second walk over every AST node of the document (about a second on a
 * 5,000-node file, and on every edit).
 *
 * After a spliced edit most references keep their target (see `linker.ts`); their
 * descriptions are kept too. What an edit moves, the text position of a reference or of a
 * declaration, is read from the CST when asked, so a kept description is never stale.
 */
import {
    type AstNode, type AstNodeDescription, type LangiumDocument, type Reference, type ReferenceDescription, type ReferenceInfo,
    AstUtils, CstUtils, DefaultAstNodeDescriptionProvider, DefaultReferenceDescriptionProvider, UriUtils, interruptAndCheck,
} from 'langium';
import type { LangiumServices } from 'langium/lsp';
import { CancellationToken } from 'vscode-languageserver';
import { type KnetLinker, CHECK_EVERY } from './linker';
import { forEachReference } from './node-references';

export class KnetReferenceDescriptionProvider extends DefaultReferenceDescriptionProvider {
    private readonly linker: KnetLinker;
    /** A reference's descriptions, with the node description they were made for. */
    private readonly made = new WeakMap<Reference, { readonly target: AstNodeDescription; readonly descriptions: ReferenceDescription[] }>();

    constructor(services: LangiumServices) {
        super(services);
        this.linker = services.references.Linker as KnetLinker;
    }

    override async createDescriptions(document: LangiumDocument, cancelToken: CancellationToken = CancellationToken.None): Promise<ReferenceDescription[]> {
        const sites = this.linker.referenceSites(document);
        if (!sites) return super.createDescriptions(document, cancelToken);
        const descriptions: ReferenceDescription[] = [];
        let step = 0;
        for (const node of sites) {
            if ((++step & CHECK_EVERY) === 0) await interruptAndCheck(cancelToken);
            forEachReference(node, info => {
                for (const d of this.describe(info)) descriptions.push(d);
            });
        }
        return descriptions;
    }

    /** One reference's description, kept while it resolves to the same node description (the linker kept its target). */
    private describe(info: ReferenceInfo): readonly ReferenceDescription[] {
        const reference = info.reference;
        if (reference.error || !reference.$refNode) return [];
        if (!('$nodeDescription' in reference) || !reference.$nodeDescription) return this.createInfoDescriptions(info);
        const target = reference.$nodeDescription;
        const made = this.made.get(reference);
        if (made?.target === target) return made.descriptions;
        const sourceUri = AstUtils.getDocument(info.container).uri;
        const refNode = reference.$refNode;
        const descriptions: ReferenceDescription[] = [{
            sourceUri,
            sourcePath: this.nodeLocator.getAstNodePath(info.container),
            targetUri: target.documentUri,
            targetPath: target.path,
            get segment() { return CstUtils.toDocumentSegment(refNode); },
            local: UriUtils.equals(target.documentUri, sourceUri),
        }];
        this.made.set(reference, { target, descriptions });
        return descriptions;
    }
}

/**
 * Descriptions of declarations whose text segments are read from the CST when asked: a
 * reference's node description outlives edits before it in the file (see `linker.ts`).
 */
export class KnetAstNodeDescriptionProvider extends DefaultAstNodeDescriptionProvider {
    override createDescription(node: AstNode, name: string | undefined, document?: LangiumDocument): AstNodeDescription {
        const doc = document ?? AstUtils.getDocument(node);
        name ??= this.nameProvider.getName(node);
        const path = this.astNodeLocator.getAstNodePath(node);
        if (!name) throw new Error(`Node at path ${path} has no name.`);
        const names = this.nameProvider;
        return {
            node, name, type: node.$type, documentUri: doc.uri, path,
            get nameSegment() { return CstUtils.toDocumentSegment(names.getNameNode(node) ?? node.$cstNode); },
            get selectionSegment() { return CstUtils.toDocumentSegment(node.$cstNode); },
        };
    }
}
