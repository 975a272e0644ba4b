/**
 * Scoping through the document's name index (Maps), so linking stays linear in the file's
 * size. Local symbols are not collected at all: nothing in .knet is resolved by nesting.
 */
import {
    type AstNode, type AstNodeDescription, type LangiumDocument, type ReferenceInfo, type Scope,
    type ScopeProvider, type Stream, DefaultScopeComputation, EMPTY_STREAM, MultiMap, stream,
    AstUtils,
} from 'langium';
import type { LangiumServices } from 'langium/lsp';
import type { AstNodeDescriptionProvider } from 'langium';
import { type Document, type FlowSource, isFlow, isFlowDestination, isFlowSource, isPod } from './generated/ast';
import { type NameIndex, findPod, findService, nameIndex, podNamespace } from './name-index';

export class KnetScopeComputation extends DefaultScopeComputation {
    override async collectLocalSymbols(): Promise<MultiMap<AstNode, AstNodeDescription>> {
        return new MultiMap();
    }
}

type Kind = 'network' | 'pod' | 'source' | 'destination';

export class KnetScopeProvider implements ScopeProvider {
    private readonly descriptions: AstNodeDescriptionProvider;

    constructor(services: LangiumServices) {
        this.descriptions = services.workspace.AstNodeDescriptionProvider;
    }

    getScope(context: ReferenceInfo): Scope {
        const root = AstUtils.findRootNode(context.container) as Document;
        const index = nameIndex(root);
        const document = AstUtils.getDocument(context.container);
        const container = context.container;
        let kind: Kind;
        if (context.property === 'network') kind = 'network';
        else if (context.property === 'endpoints') kind = 'pod';
        else if (isFlowSource(container)) kind = 'source';
        else if (isFlowDestination(container)) kind = 'destination';
        else return new IndexScope(() => undefined, () => EMPTY_STREAM);
        const describe = (node: AstNode | undefined, name: string): AstNodeDescription | undefined =>
            node ? this.descriptions.createDescription(node, name, document) : undefined;
        const resolve = (name: string): AstNode | undefined => resolveName(index, kind, name, container);
        const all = (): Stream<AstNodeDescription> => allNames(index, kind).map(([name, node]) => describe(node, name)!);
        return new IndexScope(name => describe(resolve(name), name), all);
    }
}

/** Resolution rules shared by linking and by the model builder. */
export function resolveName(index: NameIndex, kind: Kind, name: string, container: AstNode): AstNode | undefined {
    switch (kind) {
        case 'network': return index.networks.get(name);
        case 'pod': return findPod(index, name);
        case 'source':
            return findPod(index, name) ?? index.nodes.get(name) ?? index.hosts.get(name) ?? findService(index, name)?.service;
        case 'destination': {
            const flow = isFlow(container.$container) ? container.$container : undefined;
            const ns = flow ? sourceNamespace(flow.source) : undefined;
            return findService(index, name, ns)?.service ?? findPod(index, name, ns)
                ?? index.nodes.get(name) ?? index.hosts.get(name);
        }
    }
}

/** The namespace of a flow's source pod, which DNS search paths start from. */
export function sourceNamespace(source: FlowSource | undefined): string | undefined {
    const text = source?.endpoint?.$refText;
    if (!text) return undefined;
    // Avoid resolving the reference from inside linking of another one: look it up directly.
    const root = AstUtils.findRootNode(source) as Document;
    const pod = findPod(nameIndex(root), text);
    return pod && isPod(pod) ? podNamespace(pod) : undefined;
}

function allNames(index: NameIndex, kind: Kind): Stream<[string, AstNode]> {
    const pods = (): Stream<[string, AstNode]> => stream(index.pods.entries()).map(([key, pod]) =>
        [key.startsWith('default/') ? key.slice(8) : key, pod] as [string, AstNode]);
    const services = (): Stream<[string, AstNode]> => stream(index.services.entries()).map(([key, s]) =>
        [key.startsWith('default/') ? key.slice(8) : key, s] as [string, AstNode]);
    switch (kind) {
        case 'network': return stream(index.networks.entries());
        case 'pod': return pods();
        case 'source': return pods().concat(stream(index.nodes.entries())).concat(stream(index.hosts.entries()));
        case 'destination': return services().concat(pods()).concat(stream(index.nodes.entries())).concat(stream(index.hosts.entries()));
    }
}

class IndexScope implements Scope {
    constructor(
        private readonly find: (name: string) => AstNodeDescription | undefined,
        private readonly all: () => Stream<AstNodeDescription>,
    ) { }
    getElement(name: string): AstNodeDescription | undefined {
        return this.find(name);
    }
    getElements(name: string): Stream<AstNodeDescription> {
        const d = this.find(name);
        return d ? stream([d]) : EMPTY_STREAM;
    }
    getAllElements(): Stream<AstNodeDescription> {
        return this.all();
    }
}

export type { LangiumDocument };
