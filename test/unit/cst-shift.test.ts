/**
 * After a spliced edit the CST after the block moves when its positions are read
 * (`cst-shift.ts`). Whatever is read first (a leaf's range, a composite's cached range, an
 * offset), it must be where a fresh parse puts it, and the move must really wait for it.
 */
import { describe, expect, it } from 'vitest';
import { type CstNode, EmptyFileSystem, URI, isCompositeCstNode } from 'langium';
import { createKnetServices } from '../../server/src/language/knet-module';
import { hasPendingShifts } from '../../server/src/language/cst-shift';
import { editedDocument, freshBuilds } from './versions';

const { shared } = createKnetServices(EmptyFileSystem);

function nodes(count: number): string {
    let t = 'cluster moved {\n  podNetwork 10.244.0.0/16\n  cni flannel vxlan { vni 1 port 8472 }\n  network lan 100.100.137.0/24 { mtu 1500 gateway 100.100.137.1 }\n';
    for (let i = 0; i < count; i++) {
        t += `  node n${i} {\n    address 100.100.137.${10 + i} on lan dev ens192\n    podCIDR 10.244.${i}.0/24\n`;
        for (let p = 0; p < 3; p++) t += `    pod p${i}-${p} 10.244.${i}.${2 + p} labels app=a${p}  // pod ${p}\n`;
        t += '  }\n';
    }
    return t + '  service s { clusterIP 10.96.0.10 port 80/tcp targetPort 80 selector app=a1 }\n}\n';
}

function all(root: CstNode): CstNode[] {
    const out: CstNode[] = [root];
    for (let i = 0; i < out.length; i++) {
        const n = out[i];
        if (isCompositeCstNode(n)) out.push(...n.content);
    }
    return out;
}

describe('the CST after a spliced edit', () => {
    it('moves when read, to where a fresh parse puts it, whichever position is read first', async () => {
        const open = editedDocument(shared, URI.parse('file:///shift/moved.knet'));
        const fresh = freshBuilds(shared, 'shift/fresh', d => all(d.parseResult.value.$cstNode!).map(n => ({ offset: n.offset, end: n.end, range: n.range })));
        let text = nodes(20);
        await open(text);
        const leaves = (n: CstNode) => !isCompositeCstNode(n);
        const composites = (n: CstNode) => isCompositeCstNode(n);
        const reads: { what: string; edit: [string, string]; which: (n: CstNode) => boolean; read: (n: CstNode) => unknown }[] = [
            { what: "leaves' ranges", edit: ['pod p1-0 10.244.1.2', 'pod p1-0 10.244.1.2\n    pod extra 10.244.1.9'], which: leaves, read: n => n.range },
            { what: "composites' ranges", edit: ['pod extra 10.244.1.9', 'pod extra 10.244.1.19\n'], which: composites, read: n => n.range },
            // Each of these changes the length of the text and not its lines, the next the other way round.
            { what: "leaves' offsets", edit: ['pod extra 10.244.1.19\n', 'pod extra 10.244.1.190\n'], which: leaves, read: n => n.offset },
            { what: "leaves' ends", edit: ['pod extra 10.244.1.190', 'pod extra 10.244.1.19'], which: leaves, read: n => n.end },
            { what: 'ranges, after lines went', edit: ['\n    pod extra 10.244.1.19\n', ' '], which: () => true, read: n => n.range },
            { what: 'the rest of a line, moved by columns', edit: ['podCIDR 10.244.2.0/24', 'podCIDR 10.244.2.0/24 '], which: () => true, read: n => n.range },
        ];
        for (const { what, edit, which, read } of reads) {
            expect(text.includes(edit[0]), what).toBe(true);
            text = text.replace(edit[0], edit[1]);
            const document = await open(text);
            const root = document.parseResult.value.$cstNode!;
            // The build read some positions; most of the nodes after the edit are still to move.
            if (!what.startsWith('the rest')) expect(hasPendingShifts(root), what).toBe(true);
            const got = all(root).filter(which).map(read);
            const want = (await fresh(text)).filter((_, i) => which(all(root)[i])).map(n => read(n as unknown as CstNode));
            expect(got, what).toEqual(want);
            expect(all(root).map(n => ({ offset: n.offset, end: n.end, range: n.range })), what).toEqual(await fresh(text));
            expect(hasPendingShifts(root), what).toBe(false);
        }
    });
});
