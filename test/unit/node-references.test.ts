/**
 * `forEachReference` (the linker's and the reference index's way to a node's references,
 * through the grammar's reflection) finds what Langium's `streamReferences` finds, for every
 * node of every example, the broken ones and a file with a half-written line included.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AstUtils, type ReferenceInfo } from 'langium';
import { forEachReference, holdsReferences } from '../../server/src/language/node-references';
import { EXAMPLES, SHARED_EXAMPLES, knetFiles, load, readExample } from '../helpers';

const describeInfo = (i: ReferenceInfo) => `${i.container.$type}.${i.property}${i.index === undefined ? '' : `[${i.index}]`} ${i.reference.$refText}`;

describe('references of a node, through the reflection', () => {
    const files = [...knetFiles(EXAMPLES), ...knetFiles(SHARED_EXAMPLES)];
    const texts = files.map(f => ({ name: path.relative(path.dirname(EXAMPLES), f), text: fs.readFileSync(f, 'utf8') }));
    // Error recovery leaves partial nodes behind: their references must be found all the same.
    texts.push({ name: 'half-written', text: readExample('flannel-vxlan.knet').replace(/(flow cross-node-clusterip: )\S+ ->/, '$1 ->') });

    for (const { name, text } of texts) {
        it(name, async () => {
            const { document } = await load(text);
            if (name === 'half-written') expect(document.parseResult.parserErrors.length).toBeGreaterThan(0);
            let nodes = 0, references = 0;
            for (const node of AstUtils.streamAst(document.parseResult.value)) {
                const ours: string[] = [];
                forEachReference(node, info => ours.push(describeInfo(info)));
                const langium = AstUtils.streamReferences(node).map(describeInfo).toArray();
                expect(ours, `${node.$type} at ${node.$cstNode?.range.start.line}`).toEqual(langium);
                expect(holdsReferences(node)).toBe(langium.length > 0);
                nodes++;
                references += langium.length;
            }
            expect(nodes).toBeGreaterThan(10);
            if (name.endsWith('flannel-vxlan.knet')) expect(references).toBeGreaterThan(5);
        });
    }
});
