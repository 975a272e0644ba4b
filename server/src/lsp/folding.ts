/**
 * Folding of blocks (cluster, node, service, routes, a pod's block, a multi-line settings
 * block) and of comments. Langium's default visits every AST and CST node (~5 s at
 * 150,000 pods); here only the items that can hold a block are looked at, and comments are found by
 * scanning the text, which is safe because no token of the language holds `//` or `/*`.
 */
import type { AstNode, LangiumDocument } from 'langium';
import { DefaultFoldingRangeProvider, type FoldingRangeAcceptor } from 'langium/lsp';
import { FoldingRangeKind } from 'vscode-languageserver';
import * as ast from '../language/generated/ast';

export class KnetFoldingRangeProvider extends DefaultFoldingRangeProvider {
    protected override collectFolding(document: LangiumDocument, acceptor: FoldingRangeAcceptor): void {
        const root = document.parseResult?.value as ast.Document | undefined;
        const fold = (node: AstNode) => this.collectObjectFolding(document, node, acceptor);
        for (const cluster of root?.clusters ?? []) {
            fold(cluster);
            for (const item of cluster.items) {
                if (ast.isService(item) || ast.isNetwork(item) || ast.isCni(item)) fold(item);
                else if (ast.isNode(item)) {
                    fold(item);
                    for (const n of item.items) {
                        if (ast.isRoutes(n)) fold(n);
                        // most pods are one line: only a pod with a `{ … }` block can fold
                        else if (ast.isPod(n) && n.$cstNode?.text.includes('{')) {
                            fold(n);
                            for (const o of n.options) if (ast.isRoutes(o)) fold(o);
                        }
                    }
                }
            }
        }
        if (root) this.collectCommentFolding(document, root, acceptor);
    }

    protected override collectCommentFolding(document: LangiumDocument, _node: AstNode, acceptor: FoldingRangeAcceptor): void {
        const text = document.textDocument.getText();
        const t = document.textDocument;
        const comment = /\/\*[\s\S]*?\*\/|\/\/[^\n\r]*/g;
        let run: { start: number; end: number } | undefined;
        const flush = () => {
            if (run && run.end > run.start) acceptor({ startLine: run.start, endLine: run.end, kind: FoldingRangeKind.Comment });
            run = undefined;
        };
        for (let m = comment.exec(text); m; m = comment.exec(text)) {
            const start = t.positionAt(m.index).line;
            const end = t.positionAt(m.index + m[0].length).line;
            if (m[0].startsWith('/*')) {
                flush();
                if (end > start) acceptor({ startLine: start, endLine: end, kind: FoldingRangeKind.Comment });
                continue;
            }
            // consecutive `//` lines fold together
            if (run && start === run.end + 1 && /^[ \t]*$/.test(text.slice(t.offsetAt({ line: start, character: 0 }), m.index))) run.end = start;
            else { flush(); run = { start, end: start }; }
        }
        flush();
    }
}
