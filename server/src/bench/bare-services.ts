/**
 * The floor the benchmark compares against: Langium's own build of a .knet document
 * (lex, parse, index, link, Langium's validation of parse and link errors) through the
 * same grammar, scoping and linker as the product, but with none of knet's checks and no
 * network model. Built like `createKnetServices`, minus `registerChecks`.
 */
import { type LangiumDocument, URI, inject } from 'langium';
import { createDefaultModule, createDefaultSharedModule } from 'langium/lsp';
import { NodeFileSystem } from 'langium/node';
import { KnetGeneratedModule, KnetGeneratedSharedModule } from '../language/generated/module';
import { type KnetServices, KnetModule } from '../language/knet-module';

let bare: KnetServices | undefined;

export function bareServices(): KnetServices {
    if (!bare) {
        const shared = inject(createDefaultSharedModule(NodeFileSystem), KnetGeneratedSharedModule);
        bare = inject(createDefaultModule({ shared }), KnetGeneratedModule, KnetModule) as KnetServices;
        shared.ServiceRegistry.register(bare);
        shared.workspace.ConfigurationProvider.initialized({});
    }
    return bare;
}

/** Parses, links and validates `text` with Langium alone; returns the built document. */
export async function bareBuild(text: string, uri: string): Promise<LangiumDocument> {
    const s = bareServices();
    const document = s.shared.workspace.LangiumDocumentFactory.fromString(text, URI.parse(uri));
    s.shared.workspace.LangiumDocuments.addDocument(document);
    await s.shared.workspace.DocumentBuilder.build([document], { validation: true });
    return document;
}
