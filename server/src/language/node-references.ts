/**
 * The references an AST node holds, found through the grammar's reflection: which
 * properties of a type hold references is known per type, so a node is not asked for its
 * keys. Langium's `AstUtils.streamReferences` lists every property of every node it is
 * given, through an iterator; the linker gives it every node of a full build (1.5 million
 * at 5,000 nodes) and, with the reference index, 20,000 reference sites on every edit.
 * Same references, in the same order per node (one reference property per type here).
 */
import { type AstNode, type ReferenceInfo, isMultiReference, isReference } from 'langium';
import { reflection } from './generated/ast';

const referenceProperties = new Map<string, readonly string[]>();

/** The properties of `type` that hold a reference or a list of them (none for most types). */
function referencePropertiesOf(type: string): readonly string[] {
    let properties = referenceProperties.get(type);
    if (properties === undefined) {
        properties = Object.values(reflection.getTypeMetaData(type).properties)
            .filter(p => p.referenceType !== undefined).map(p => p.name);
        referenceProperties.set(type, properties);
    }
    return properties;
}

/** Calls `visit` with each reference `node` holds, as `AstUtils.streamReferences` yields them. */
export function forEachReference(node: AstNode, visit: (info: ReferenceInfo) => void): void {
    const properties = referencePropertiesOf(node.$type);
    for (let i = 0; i < properties.length; i++) {
        const property = properties[i];
        const value = (node as unknown as Record<string, unknown>)[property];
        if (isReference(value) || isMultiReference(value)) {
            visit({ reference: value, container: node, property });
        } else if (Array.isArray(value)) {
            for (let index = 0; index < value.length; index++) {
                const item: unknown = value[index];
                if (isReference(item) || isMultiReference(item)) visit({ reference: item, container: node, property, index });
            }
        }
    }
}

/** Whether `node` holds at least one reference. */
export function holdsReferences(node: AstNode): boolean {
    let found = false;
    forEachReference(node, () => { found = true; });
    return found;
}
