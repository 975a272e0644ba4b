/**
 * The validator visits only the root while knet's checks are all on the root, and every
 * node again as soon as any type below the root has a check.
 */
import { describe, expect, it } from 'vitest';
import { EmptyFileSystem, OperationCancelled, URI, type ValidationAcceptor } from 'langium';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createKnetServices } from '../../server/src/language/knet-module';
import type { Pod } from '../../server/src/language/generated/ast';

const TEXT = 'cluster c {\n  podNetwork 10.244.0.0/16\n  node n1 {\n    podCIDR 10.244.1.0/24\n    pod a 10.244.1.5\n    pod b 10.244.1.6\n  }\n}\n';

async function validate(register?: (services: ReturnType<typeof createKnetServices>['Knet']) => void) {
    const { shared, Knet } = createKnetServices(EmptyFileSystem);
    register?.(Knet);
    const registry = Knet.validation.ValidationRegistry;
    const asked: string[] = [];
    const getChecks = registry.getChecks.bind(registry);
    registry.getChecks = (type, categories) => {
        asked.push(type);
        return getChecks(type, categories);
    };
    const document = shared.workspace.LangiumDocumentFactory.fromString(TEXT, URI.parse('file:///validator/c.knet'));
    shared.workspace.LangiumDocuments.addDocument(document);
    await shared.workspace.DocumentBuilder.build([document], { validation: true });
    return { document, asked };
}

describe('the document validator', () => {
    it('runs the root\'s checks without walking the tree when no other type has one', async () => {
        const { document, asked } = await validate();
        expect(document.diagnostics).toBeDefined();
        // Asked about every type to decide; then about the root only, so a type the document
        // has (Pod, twice) is asked as often as one it has not (Host).
        const count = (type: string) => asked.filter(t => t === type).length;
        expect(count('Document')).toBe(1);
        expect(count('Pod')).toBe(count('Host'));
    });

    it('visits every node once a type below the root has a check', async () => {
        const { document } = await validate(Knet => Knet.validation.ValidationRegistry.register({
            Pod: (pod: Pod, accept: ValidationAcceptor) => accept('warning', `pod ${pod.name} seen`, { node: pod, property: 'name' }),
        }));
        expect(document.diagnostics!.filter(d => String(d.message).endsWith('seen')).map(d => d.message)).toEqual(['pod a seen', 'pod b seen']);
    });
});

describe('diagnostics of a version typed over', () => {
    it('are not published: validating a version the editor has moved on from is cancelled', async () => {
        const { shared, Knet } = createKnetServices(EmptyFileSystem);
        const uri = 'file:///validator/typed-over.knet';
        const texts = shared.workspace.TextDocuments!;
        texts.set(TextDocument.create(uri, 'knet', 1, TEXT));
        await shared.workspace.DocumentBuilder.update([URI.parse(uri)], []);
        const document = shared.workspace.LangiumDocuments.getDocument(URI.parse(uri))!;
        const validator = Knet.validation.DocumentValidator;
        await expect(validator.validateDocument(document)).resolves.toBeDefined();
        // The next keystroke is read; its build has not started yet.
        texts.set(TextDocument.create(uri, 'knet', 2, TEXT.replace('10.244.1.6', '10.244.1.7')));
        await expect(validator.validateDocument(document)).rejects.toBe(OperationCancelled);
        // Its own build validates and publishes.
        await shared.workspace.DocumentBuilder.update([URI.parse(uri)], []);
        expect(document.textDocument.version).toBe(2);
        await expect(validator.validateDocument(document)).resolves.toBeDefined();
    });
});
