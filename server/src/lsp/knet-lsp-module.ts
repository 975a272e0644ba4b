/**
 * The editor features, wired into Langium's services: pass `knetLspModule(tracer)` to
 * `createKnetServices` (main.ts does, and so do the tests).
 */
import type { Module } from 'langium';
import type { DefaultSharedModuleContext, LangiumSharedServices, PartialLangiumServices } from 'langium/lsp';
import { type KnetServices, createKnetServices } from '../language/knet-module';
import { KnetCodeActionProvider } from './code-actions';
import { KnetCodeLensProvider } from './code-lens';
import { KnetCompletionProvider } from './completion';
import { KnetFoldingRangeProvider } from './folding';
import { KnetFormatter } from './formatter';
import { KnetHoverProvider } from './hover';
import { KnetDefinitionProvider, KnetDocumentHighlightProvider, KnetReferencesProvider, KnetRenameProvider } from './navigation';
import { KnetSemanticTokenProvider } from './semantic-tokens';
import type { KnetLspAddedServices, KnetLspServices } from './services';
import { KnetDocumentSymbolProvider, KnetWorkspaceSymbolProvider } from './symbols';
import { type Tracer, TraceCache } from './traces';

export function knetLspModule(tracer?: Tracer): Module<KnetLspServices, PartialLangiumServices & KnetLspAddedServices> {
    return {
        traces: {
            TraceCache: () => new TraceCache(tracer),
        },
        lsp: {
            HoverProvider: (s) => new KnetHoverProvider(s),
            CodeLensProvider: (s) => new KnetCodeLensProvider(s),
            CodeActionProvider: () => new KnetCodeActionProvider(),
            CompletionProvider: (s) => new KnetCompletionProvider(s),
            DefinitionProvider: (s) => new KnetDefinitionProvider(s),
            ReferencesProvider: () => new KnetReferencesProvider(),
            DocumentHighlightProvider: () => new KnetDocumentHighlightProvider(),
            RenameProvider: () => new KnetRenameProvider(),
            DocumentSymbolProvider: () => new KnetDocumentSymbolProvider(),
            Formatter: () => new KnetFormatter(),
            FoldingRangeProvider: (s) => new KnetFoldingRangeProvider(s),
            SemanticTokenProvider: (s) => new KnetSemanticTokenProvider(s),
        },
    };
}

export interface KnetLanguageServices {
    shared: LangiumSharedServices;
    Knet: KnetLspServices;
    /** Workspace symbols over every named declaration (Langium's default sees only exported ones). */
    workspaceSymbols: KnetWorkspaceSymbolProvider;
}

/** The language's services with the editor features (what the server runs and the tests drive). */
export function createKnetLanguageServices(context: DefaultSharedModuleContext, tracer?: Tracer): KnetLanguageServices {
    const { shared, Knet } = createKnetServices(context, knetLspModule(tracer) as unknown as Module<KnetServices, unknown>);
    return { shared, Knet: Knet as KnetLspServices, workspaceSymbols: new KnetWorkspaceSymbolProvider(shared) };
}
