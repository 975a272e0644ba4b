/**
 * Loading .knet files outside the editor (CLI, tests, benchmark, lab): parse, link and
 * validate through the same services the language server uses.
 */
import { type LangiumDocument, URI } from 'langium';
import { NodeFileSystem } from 'langium/node';
import { type KnetServices, createKnetServices } from './knet-module';
import type { BuildResult } from './build-model';
import type { Diagnostic } from 'vscode-languageserver-types';

let services: KnetServices | undefined;

export function knetServices(): KnetServices {
    services ??= createKnetServices(NodeFileSystem).Knet;
    return services;
}

export interface LoadedDocument {
    readonly document: LangiumDocument;
    readonly diagnostics: Diagnostic[];
    readonly result: BuildResult;
}

/** Parses, links and (unless `validate` is false) checks one document from text. */
export async function loadText(text: string, uri = 'file:///memory/cluster.knet', validate = true): Promise<LoadedDocument> {
    const s = knetServices();
    const documents = s.shared.workspace.LangiumDocuments;
    const u = URI.parse(uri);
    if (documents.hasDocument(u)) {
        await s.shared.workspace.DocumentBuilder.update([], [u]);
    }
    const document = s.shared.workspace.LangiumDocumentFactory.fromString(text, u);
    documents.addDocument(document);
    await s.shared.workspace.DocumentBuilder.build([document], { validation: validate });
    return { document, diagnostics: document.diagnostics ?? [], result: s.model.ModelCache.get(document) };
}

/** Releases a document loaded with `loadText`. */
export async function unload(document: LangiumDocument): Promise<void> {
    const s = knetServices();
    s.shared.workspace.LangiumDocuments.deleteDocument(document.uri);
}

/** The stable code of a Langium diagnostic (ours, or Langium's parse and linking codes). */
export function diagnosticCode(d: Diagnostic): string {
    const data = d.data as { code?: string } | undefined;
    const code = d.code ?? data?.code;
    if (code === 'lexing-error' || code === 'parsing-error') return 'syntax-error';
    if (code === 'linking-error') return 'unresolved-name';
    return code === undefined ? 'syntax-error' : String(code);
}
