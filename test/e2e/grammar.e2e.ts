// The TextMate grammar (syntaxes/knet.tmLanguage.json), tokenized by the same
// vscode-textmate and Oniguruma that VS Code runs (taken from the pinned code-server), so
// what is asserted here is what a user sees before the language server answers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES, ROOT, tool } from './harness/tools';

interface Token { startIndex: number; endIndex: number; scopes: string[] }
interface Grammar { tokenizeLine(line: string, state: unknown): { tokens: Token[]; ruleStack: unknown } }

let grammar: Grammar;
let INITIAL: unknown;

beforeAll(async () => {
    const vscodeModules = path.join(path.dirname(tool('codeServer')), '..', '..', 'lib', 'vscode', 'node_modules');
    const load = createRequire(path.join(vscodeModules, 'index.js'));
    const textmate = load('vscode-textmate');
    const onig = load('vscode-oniguruma');
    const wasm = fs.readFileSync(path.join(vscodeModules, 'vscode-oniguruma', 'release', 'onig.wasm'));
    await onig.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const registry = new textmate.Registry({
        onigLib: Promise.resolve({ createOnigScanner: (p: string[]) => new onig.OnigScanner(p), createOnigString: (s: string) => new onig.OnigString(s) }),
        loadGrammar: async () => textmate.parseRawGrammar(fs.readFileSync(path.join(ROOT, 'syntaxes', 'knet.tmLanguage.json'), 'utf8'), 'knet.tmLanguage.json'),
    });
    grammar = await registry.loadGrammar('source.knet');
    INITIAL = textmate.INITIAL;
});

/** Each token's text with its innermost scope, for lines tokenized in sequence. */
function tokens(...lines: string[]): [string, string][] {
    let state = INITIAL;
    const out: [string, string][] = [];
    for (const line of lines) {
        const r = grammar.tokenizeLine(line, state);
        for (const t of r.tokens) {
            const text = line.slice(t.startIndex, t.endIndex);
            if (text.trim()) out.push([text.trim(), t.scopes[t.scopes.length - 1]]);
        }
        state = r.ruleStack;
    }
    return out;
}

const scopeOf = (toks: [string, string][], text: string) => toks.find(([t]) => t === text)?.[1];

describe('the TextMate grammar', () => {
    it('tells declarations, their names, addresses and prefixes apart', () => {
        const t = tokens('  node node01 {', '    address 100.100.137.201 on lan dev ens192', '    podCIDR 10.244.1.0/24');
        expect(scopeOf(t, 'node')).toBe('storage.type.node.knet');
        expect(scopeOf(t, 'node01')).toBe('entity.name.type.knet');
        expect(scopeOf(t, 'address')).toBe('keyword.other.property.knet');
        expect(scopeOf(t, '100.100.137.201')).toBe('constant.numeric.address.ipv4.knet');
        expect(scopeOf(t, '10.244.1.0/24')).toBe('constant.numeric.prefix.ipv4.knet');
    });

    it('keeps names whole: keywords inside a name stay part of the name', () => {
        const t = tokens('    pod nginx-deployment-6b9d659f5f-qbchs 10.244.2.5 labels app=nginx,pod-template-hash=6b9d659f5f');
        expect(scopeOf(t, 'nginx-deployment-6b9d659f5f-qbchs')).toBe('entity.name.function.knet');
        expect(scopeOf(t, 'app')).toBe('entity.other.attribute-name.knet');
        expect(scopeOf(t, 'nginx')).toBe('string.unquoted.value.knet');
        expect(scopeOf(t, 'pod-template-hash')).toBe('entity.other.attribute-name.knet');
        const flow = tokens('  flow cross-node: busybox3 -> my-node-1:80');
        expect(scopeOf(flow, 'cross-node')).toBe('entity.name.function.flow.knet');
        expect(scopeOf(flow, '->')).toBe('keyword.operator.arrow.knet');
        expect(flow.some(([text, scope]) => text === 'node' && scope.startsWith('storage'))).toBe(false);
    });

    it('reads a pasted `ip route` line: `scope link` and `scope host` are values, not declarations', () => {
        const t = tokens('    10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1 metric 100', '    local 10.0.0.1 dev lo scope host');
        expect(scopeOf(t, 'link')).toBe('support.constant.knet');
        expect(scopeOf(t, 'host')).toBe('support.constant.knet');
        expect(scopeOf(t, 'src')).toBe('keyword.other.route.knet');
        expect(scopeOf(t, 'src')).not.toContain('entity.name');
        expect(scopeOf(t, '100')).toBe('constant.numeric.integer.knet');
        expect(tokens('    blackhole 10.244.3.0/26 proto bird')[0]).toEqual(['blackhole', 'keyword.control.route-type.knet']);
    });

    it('colours comments, line and block, across lines', () => {
        const t = tokens('  /* a block', '     still the block */ node n1 {', '  mtu 1450 // trailing');
        expect(scopeOf(t, 'still the block')).toBe('comment.block.knet');
        expect(scopeOf(t, 'n1')).toBe('entity.name.type.knet');
        expect(scopeOf(t, 'trailing')).toBe('comment.line.double-slash.knet');
        expect(scopeOf(t, '1450')).toBe('constant.numeric.integer.knet');
    });

    it('ports with kubectl\'s protocol spelling', () => {
        const t = tokens('    port 80/TCP targetPort 8080 nodePort 31856');
        expect(scopeOf(t, '80')).toBe('constant.numeric.integer.knet');
        expect(scopeOf(t, 'TCP')).toBe('support.constant.protocol.knet');
        expect(scopeOf(t, 'nodePort')).toBe('keyword.other.property.knet');
    });

    it('tokenizes every example without leaving a declaration keyword uncoloured', () => {
        for (const file of ['flannel-vxlan.knet', 'calico-ipip.knet']) {
            const lines = fs.readFileSync(path.join(EXAMPLES, file), 'utf8').split(/\r?\n/);
            const t = tokens(...lines);
            for (const [text, scope] of t) {
                if (['cluster', 'node', 'pod', 'service', 'flow', 'network', 'host'].includes(text) && scope === 'source.knet') {
                    throw new Error(`${file}: "${text}" left uncoloured`);
                }
            }
            expect(t.filter(([, s]) => s.startsWith('constant.numeric.address')).length).toBeGreaterThan(3);
        }
    });
});
