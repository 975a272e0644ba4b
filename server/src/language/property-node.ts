/**
 * The CST node of one property of an AST node, as `GrammarUtils.findNodeForProperty`
 * finds it, without its per-call allocations: the model builder asks this for every pod's
 * name and address (300,000 times in a 150,000-pod file), where Langium's version spent
 * about a second of a three-second model build in `flatMap` and grammar walks.
 */
import { type AstNode, type CstNode, AstUtils, GrammarAST, isCompositeCstNode } from 'langium';

/** Grammar element → the feature of the assignment it sits in (`name`, `address`…), or '' for none. */
const featureOf = new WeakMap<GrammarAST.AbstractElement, string>();

function assignedFeature(element: GrammarAST.AbstractElement | undefined): string {
    if (!element) return '';
    let feature = featureOf.get(element);
    if (feature === undefined) {
        feature = AstUtils.getContainerOfType(element, GrammarAST.isAssignment)?.feature ?? '';
        featureOf.set(element, feature);
    }
    return feature;
}

/**
 * The `index`-th CST node assigned to `property` within `root` (the last one when there
 * are fewer), searching only the composite nodes of `root`'s own AST node: the same
 * answer as `GrammarUtils.findNodeForProperty(root, property, index)`.
 */
export function findPropertyNode(root: CstNode | undefined, property: string, index = 0): CstNode | undefined {
    if (!root) return undefined;
    const element: AstNode = root.astNode;
    const wanted = Math.max(0, index);
    let found: CstNode | undefined;
    let count = 0;
    const visit = (node: CstNode, first: boolean): boolean => {
        if (!first && assignedFeature(node.grammarSource) === property) {
            found = node;
            return count++ === wanted;
        }
        if (isCompositeCstNode(node) && node.astNode === element) {
            for (const child of node.content) if (visit(child, false)) return true;
        }
        return false;
    };
    visit(root, true);
    return found;
}
