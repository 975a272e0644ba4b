/**
 * An edited document is re-parsed with its previous AST already let go, so a large file's
 * AST does not exist twice at the peak of an edit; an unchanged text is not re-parsed.
 */
import { describe, expect, it } from 'vitest';
import { EmptyFileSystem, URI } from 'langium';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createKnetServices } from '../../server/src/language/knet-module';
import { collectGarbage } from '../../server/src/language/document-factory';
import type { Document } from '../../server/src/language/generated/ast';

const V1 = 'cluster c {\n  podNetwork 10.244.0.0/16\n  node n1 {\n    pod a 10.244.1.5\n  }\n}\n';
// An edit outside any braced block (and spanning two items), which only a full parse handles.
const V2 = V1.replace('10.244.0.0/16', '10.0.0.0/8').replace('10.244.1.5', '10.244.1.6');

describe('re-parsing an edited document', () => {
    it('drops the old AST before parsing the new text, and keeps it when the text is the same', async () => {
        const { shared, Knet } = createKnetServices(EmptyFileSystem);
        const uri = 'file:///factory/cluster.knet';
        const texts = shared.workspace.TextDocuments!;
        texts.set(TextDocument.create(uri, 'knet', 1, V1));
        await shared.workspace.DocumentBuilder.update([URI.parse(uri)], []);
        const document = shared.workspace.LangiumDocuments.getDocument(URI.parse(uri))!;
        const first = document.parseResult.value as Document;
        expect(first.clusters[0].name).toBe('c');

        // What the document holds at the moment the parser runs.
        const parser = Knet.parser.LangiumParser;
        const parse = parser.parse.bind(parser);
        const heldDuringParse: unknown[] = [];
        parser.parse = ((text: string, options?: object) => {
            heldDuringParse.push(document.parseResult.value);
            return parse(text, options);
        }) as typeof parser.parse;

        texts.set(TextDocument.create(uri, 'knet', 2, V2));
        await shared.workspace.DocumentBuilder.update([URI.parse(uri)], []);
        expect(heldDuringParse).toHaveLength(1);
        expect(heldDuringParse[0]).not.toBe(first);
        expect((heldDuringParse[0] as Document).$cstNode).toBeUndefined();
        const second = document.parseResult.value as Document;
        expect(second).not.toBe(first);
        expect(document.textDocument.getText()).toContain('10.244.1.6');
        expect(Knet.model.ModelCache.get(document).model.pods[0].address).toBe((10 << 24 | 244 << 16 | 1 << 8 | 6) >>> 0);

        // Same text again (a save, a version bump): no parse, the AST stays.
        texts.set(TextDocument.create(uri, 'knet', 3, V2));
        await shared.workspace.DocumentBuilder.update([URI.parse(uri)], []);
        expect(heldDuringParse).toHaveLength(1);
        expect(document.parseResult.value).toBe(second);
    });
});

describe('collecting the old AST before a large re-parse', () => {
    it('gets a full collection from the runtime without --expose-gc, and frees what nothing holds', async () => {
        let big: number[][] | undefined = Array.from({ length: 200 }, () => new Array(50_000).fill(1));
        const ref = new WeakRef(big);
        big = undefined;
        // A WeakRef keeps its target for the rest of the job that made it.
        await new Promise(resolve => setTimeout(resolve, 0));
        expect(collectGarbage()).toBe(true);
        expect(ref.deref()).toBeUndefined();
    });
});
