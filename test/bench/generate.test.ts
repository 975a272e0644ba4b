import { describe, expect, it } from 'vitest';
import { GrammarUtils, type AstNode, AstUtils } from 'langium';
import { generateCluster, VARIANTS } from '../../server/src/bench/generate';
import { findPropertyNode } from '../../server/src/language/property-node';
import { diagnosticCode } from '../../server/src/language/workspace';
import { traceAll } from '../../server/src/sim/index';
import { load, readExample } from '../helpers';

describe('benchmark clusters', () => {
    for (const variant of VARIANTS) {
        it(`${variant}: 30 pods and 2 services per node, parses and checks without errors`, async () => {
            const g = generateCluster({ nodes: 12, variant });
            expect(g.pods).toBe(12 * 30);
            expect(g.services).toBe(24);
            const { diagnostics, result } = await load(g.text);
            const model = result.model;
            expect(model.nodes).toHaveLength(12);
            expect(model.pods).toHaveLength(12 * 30);
            expect(model.services).toHaveLength(24);
            expect(model.flows).toHaveLength(g.flows);
            // Every service selects pods of its Deployment.
            expect(model.services.filter(s => s.endpoints.length === 0)).toEqual([]);
            // No fault in the file; a flow the simulator cannot deliver would show as unreachable-flow.
            expect(diagnostics.map(d => `${d.range.start.line + 1}:${diagnosticCode(d)}: ${d.message}`)
                .filter(d => !d.includes(':unreachable-flow:'))).toEqual([]);
            // Pod to pod, node to pod and NodePort from a host arrive.
            const traces = traceAll(model);
            for (const flow of model.flows) {
                if (flow.target?.kind === 'pod' || flow.source?.kind === 'host') {
                    expect(`${flow.name} ${traces.get(flow.name)?.disposition}`).toBe(`${flow.name} DELIVERED`);
                }
            }
        });
    }

    it('the edit and hover targets point at what they say', () => {
        const g = generateCluster({ nodes: 20, variant: 'flannel-vxlan' });
        const lines = g.text.split('\n');
        const e = g.edit;
        expect(lines[e.line].slice(e.start, e.end)).toBe(e.address);
        expect(g.text).not.toContain(` ${e.freeAddress} `);
        expect(g.text).toContain(` ${e.takenAddress} `);
        expect(lines[g.hoverPod.line].slice(g.hoverPod.character)).toMatch(new RegExp(`^${g.hoverPod.name} `));
        expect(lines[g.hoverFlow.line]).toContain(`flow ${g.hoverFlow.name}:`);
        expect(lines[g.coldFlow.line]).toContain(`flow ${g.coldFlow.name}:`);
    });

    it('grows linearly in text: ten times the nodes, about ten times the bytes', () => {
        const a = generateCluster({ nodes: 50, variant: 'calico-ipip' }).text.length;
        const b = generateCluster({ nodes: 500, variant: 'calico-ipip' }).text.length;
        expect(b / a).toBeGreaterThan(9);
        expect(b / a).toBeLessThan(11);
    });
});

describe('findPropertyNode', () => {
    it('finds what GrammarUtils.findNodeForProperty finds, for every node and property of the examples', async () => {
        let compared = 0;
        for (const text of [readExample('flannel-vxlan.knet'), readExample('calico-ipip.knet'), generateCluster({ nodes: 4, variant: 'calico-ipip' }).text]) {
            const { document } = await load(text, false);
            for (const node of AstUtils.streamAst(document.parseResult.value)) {
                const properties = Object.keys(node).filter(k => !k.startsWith('$'));
                for (const p of properties) {
                    for (const index of [undefined, 0, 1, 5]) {
                        const want = GrammarUtils.findNodeForProperty(node.$cstNode, p, index);
                        const got = findPropertyNode(node.$cstNode, p, index);
                        expect(got === want, `${(node as AstNode).$type}.${p}[${index}]`).toBe(true);
                        compared++;
                    }
                }
            }
        }
        expect(compared).toBeGreaterThan(1000);
    });
});
