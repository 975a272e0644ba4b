/**
 * The flow features over the simulator's traces: the trace in brief on hover, the
 * CodeLens, the knet/trace and knet/flows answers, the flows a route line carries.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EmptyFileSystem } from 'langium';
import { clearDocuments, expectHover, parseDocument } from 'langium/test';
import { createKnetLanguageServices } from '../../server/src/lsp/knet-lsp-module';
import { flowsOf, traceFor } from '../../server/src/lsp/custom-requests';
import { traceFlow } from '../../server/src/sim/index';
import { readExample } from '../helpers';

const { Knet } = createKnetLanguageServices(EmptyFileSystem, traceFlow);
const hover = expectHover(Knet);
afterEach(() => clearDocuments(Knet));

const flannel = readExample('flannel-vxlan.knet');

function mark(text: string, needle: string): string {
    const at = text.indexOf(needle);
    if (at < 0) throw new Error(`no ${needle}`);
    return text.slice(0, at + 1) + '<|>' + text.slice(at + 1);
}

async function hoverText(text: string): Promise<string> {
    let got = '';
    await hover({ text, index: 0, hover: { test: (s: string) => { got = s; return true; } } as unknown as RegExp });
    return got;
}

describe('flows', () => {
    it('hovering a flow\'s destination shows the trace in brief: DNAT, VXLAN, disposition, path MTU', async () => {
        const text = await hoverText(mark(flannel, 'nginx-deployment:80\n'));
        expect(text).toContain('**cross-node-clusterip** ✓ DELIVERED · path MTU 1450');
        expect(text).toContain('10.244.2.5:80');
        expect(text).toMatch(/VXLAN|vxlan/);
        expect(text).toContain('10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink');
    });

    it('a CodeLens over each flow says how it ends', async () => {
        const doc = await parseDocument(Knet, flannel);
        const lenses = await Knet.lsp.CodeLensProvider!.provideCodeLens(doc, { textDocument: { uri: doc.uri.toString() } }) ?? [];
        expect(lenses.length).toBe(5);
        const titles = lenses.map(l => l.command!.title);
        expect(titles[1]).toMatch(/^✓ DELIVERED · \d+ hops · MTU 1450$/);
        expect(titles[4]).toMatch(/^✗ MTU_EXCEEDED at .+ \(1450\)$/);
        expect(lenses[1].command!.command).toBe('knet.showTrace');
        expect(lenses[1].command!.arguments).toEqual([doc.uri.toString(), doc.textDocument.positionAt(flannel.indexOf('flow cross-node')).line, 'cross-node-clusterip']);
    });

    it('answers the trace request by flow name and by position, null for neither', async () => {
        const doc = await parseDocument(Knet, flannel);
        const uri = doc.uri.toString();
        const byName = traceFor(Knet, doc, { uri, flow: 'cross-node-clusterip' });
        expect(byName?.disposition).toBe('DELIVERED');
        const position = doc.textDocument.positionAt(flannel.indexOf('flow too-big') + 2);
        expect(traceFor(Knet, doc, { uri, position })?.disposition).toBe('MTU_EXCEEDED');
        expect(traceFor(Knet, doc, { uri, flow: 'nope' })).toBeNull();
        expect(traceFor(Knet, doc, { uri, position: { line: 9999, character: 0 } })).toBeNull();
        expect(traceFor(Knet, doc, { uri, position: { line: 2, character: 0 } })).toBeNull();
        const flows = flowsOf(Knet, doc);
        expect(flows.map(f => f.name)).toEqual(['same-node-clusterip', 'cross-node-clusterip', 'nodeport-local', 'nodeport-remote', 'too-big']);
        expect(flows[1].pathMtu).toBe(1450);
    });

    it('a route line lists the flows that take it', async () => {
        const text = await hoverText(mark(flannel, '10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink'));
        expect(text).toMatch(/taken by: .*cross-node-clusterip/);
    });
});
