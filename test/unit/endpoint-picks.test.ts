/**
 * Endpoint selection keeps, per node block, which pods it picked for which service, and
 * replays that while the block and the selecting services are the same AST objects. After
 * every kind of spliced edit, each service's endpoints must be those a fresh build of the
 * same text selects: a pod's labels changed, a selector changed, a pod's key taken by
 * another, a pod added with labels written twice.
 */
import { describe, expect, it } from 'vitest';
import { EmptyFileSystem, URI } from 'langium';
import { editedDocument } from './versions';
import { createKnetServices } from '../../server/src/language/knet-module';
import { buildModel } from '../../server/src/language/build-model';
import type { Document } from '../../server/src/language/generated/ast';
import type { ClusterModel } from '../../server/src/model/types';
import { generateCluster } from '../../server/src/bench/generate';

const { shared, Knet } = createKnetServices(EmptyFileSystem);

/** What a selector picks, the slow way: every pod of the model, in order, whose labels hold the selector. */
function selected(model: ClusterModel): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const s of model.services) {
        if (!s.selector) { out[s.key] = s.endpoints.map(p => `${p.key}@${p.node.name}`); continue; }
        out[s.key] = model.pods
            .filter(p => p.namespace === s.namespace && !p.noNetwork && (p.address !== undefined || p.hostNetwork)
                && [...s.selector!].every(([k, v]) => p.labels.get(k) === v))
            .map(p => `${p.key}@${p.node.name}`);
    }
    return out;
}

function endpoints(model: ClusterModel): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const s of model.services) out[s.key] = s.endpoints.map(p => `${p.key}@${p.node.name}`);
    return out;
}

/** The text with `from` replaced by `to` once, where `from` must occur. */
function edit(text: string, from: string, to: string): string {
    expect(text.includes(from), from).toBe(true);
    return text.replace(from, to);
}

describe('endpoint picks replayed across spliced edits', () => {
    it('select what a fresh build selects', async () => {
        const { text } = generateCluster({ nodes: 6, variant: 'flannel-vxlan' });
        const uri = URI.parse('file:///picks/cluster.knet');
        const open = editedDocument(shared, uri);
        const first = await open(text);
        const model0 = Knet.model.ModelCache.get(first).model;
        const service = model0.services.find(s => s.endpoints.length >= 2)!;
        const [a, b] = service.endpoints;
        const label = `app=${service.selector!.get('app')}`;
        const other = model0.services.find(s => s !== service && s.namespace === service.namespace && s.selector)!;
        const otherLabel = `app=${other.selector!.get('app')}`;

        const steps: string[] = [];
        // A pod leaves the service (its node's block is re-parsed; the others replay).
        steps.push(edit(text, `pod ${a.name} `, `pod ${a.name} `).replace(new RegExp(`(pod ${a.name} [^\\n]*?)labels ${label}`), `$1labels ${otherLabel}`));
        // A label written twice, and a pod picked by two services.
        steps.push(steps[0].replace(new RegExp(`(pod ${b.name} [^\\n]*?)labels ${label}`), `$1labels ${label},${label},tier=x`));
        // A selector changes: every block is worked out again.
        steps.push(edit(steps[1], `    selector ${otherLabel}\n`, `    selector ${otherLabel},tier=x\n`));
        // A pod's key taken by a pod declared on a node before it: the later one is left out.
        const firstNode = model0.nodes[0];
        const c = model0.services.flatMap(x => x.endpoints).find(p => p.node !== firstNode && !p.hostNetwork)!;
        const ns = c.namespace === 'default' ? '' : ` namespace ${c.namespace}`;
        const firstPodLine = `    pod ${firstNode.pods[2].name} `;
        steps.push(edit(steps[2], firstPodLine, `    pod ${c.name} 10.244.0.250 labels ${[...c.labels].map(([k, v]) => `${k}=${v}`).join(',')}${ns}\n${firstPodLine}`));
        // And back to the start.
        steps.push(text);

        for (const [i, step] of steps.entries()) {
            const document = await open(step);
            const model = Knet.model.ModelCache.get(document).model;
            const got = endpoints(model);
            expect(got).toEqual(selected(model));
            const fresh = shared.workspace.LangiumDocumentFactory.fromString(step, URI.parse(`file:///picks/fresh-${i}.knet`));
            shared.workspace.LangiumDocuments.addDocument(fresh);
            await shared.workspace.DocumentBuilder.build([fresh], { validation: false });
            const want = endpoints(buildModel(fresh.parseResult.value as Document, step).model);
            shared.workspace.LangiumDocuments.deleteDocument(fresh.uri);
            expect(got).toEqual(want);
        }
        expect(steps.length).toBeGreaterThanOrEqual(4);
    });
});
