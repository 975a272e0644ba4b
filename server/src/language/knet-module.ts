/**
 * Dependency injection for the .knet language: Langium's defaults, plus Map-based scoping,
 * the `@peer` value converter, short parser messages, the model cache and the checks.
 * The LSP feature providers are added in `server/src/lsp/`.
 */
import { type DeepPartial, type Module, inject } from 'langium';
import { KnetDocumentUpdateHandler } from './document-update';
import { KnetDocumentFactory } from './document-factory';
import { EditedTextDocuments } from './edited-text';
import {
    type DefaultSharedModuleContext, type LangiumServices, type LangiumSharedServices, type PartialLangiumServices,
    NormalizedTextDocuments, createDefaultModule, createDefaultSharedModule,
} from 'langium/lsp';
import { KnetGeneratedModule, KnetGeneratedSharedModule } from './generated/module';
import { KnetScopeComputation, KnetScopeProvider } from './scope';
import { KnetValueConverter } from './value-converter';
import { KnetLinker } from './linker';
import { KnetAstNodeDescriptionProvider, KnetReferenceDescriptionProvider } from './reference-descriptions';
import { KnetDocumentValidator } from './document-validator';
import { KnetParserErrorMessageProvider } from './parser-messages';
import { ModelCache } from './model-cache';
import { registerChecks } from '../checks/register';

export interface KnetAddedServices {
    model: {
        ModelCache: ModelCache;
    };
}

export type KnetServices = LangiumServices & KnetAddedServices;

export const KnetModule: Module<KnetServices, PartialLangiumServices & KnetAddedServices> = {
    parser: {
        ValueConverter: () => new KnetValueConverter(),
        ParserErrorMessageProvider: () => new KnetParserErrorMessageProvider(),
    },
    references: {
        ScopeComputation: (services) => new KnetScopeComputation(services),
        ScopeProvider: (services) => new KnetScopeProvider(services),
        Linker: (services) => new KnetLinker(services),
    },
    validation: {
        DocumentValidator: (services) => new KnetDocumentValidator(services),
    },
    workspace: {
        ReferenceDescriptionProvider: (services) => new KnetReferenceDescriptionProvider(services),
        AstNodeDescriptionProvider: (services) => new KnetAstNodeDescriptionProvider(services),
    },
    model: {
        ModelCache: (services) => new ModelCache(services),
    },
};

/** Shared services: keystrokes coalesce before a large file is parsed again. */
export const KnetSharedModule: Module<LangiumSharedServices, DeepPartial<LangiumSharedServices>> = {
    lsp: {
        DocumentUpdateHandler: (shared) => new KnetDocumentUpdateHandler(shared),
    },
    workspace: {
        LangiumDocumentFactory: (shared) => new KnetDocumentFactory(shared),
        // Open documents' texts in pieces: an edit does not copy a 16 MB text (edited-text.ts).
        TextDocuments: () => new NormalizedTextDocuments(EditedTextDocuments),
    },
};

/** Extra modules (LSP features) plug in here; the CLI passes none it does not need. */
export function createKnetServices(
    context: DefaultSharedModuleContext,
    ...extra: Module<KnetServices, unknown>[]
): { shared: LangiumSharedServices; Knet: KnetServices } {
    const shared = inject(createDefaultSharedModule(context), KnetGeneratedSharedModule, KnetSharedModule);
    const Knet = inject(createDefaultModule({ shared }), KnetGeneratedModule, KnetModule, ...(extra as Module<KnetServices>[])) as KnetServices;
    shared.ServiceRegistry.register(Knet);
    registerChecks(Knet);
    if (!context.connection) {
        // Without a client nobody sends configuration; start right away.
        shared.workspace.ConfigurationProvider.initialized({});
    }
    return { shared, Knet };
}
