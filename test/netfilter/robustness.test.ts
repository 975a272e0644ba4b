import { describe, expect, it } from 'vitest';
import { knetFiles, EXAMPLES, load } from '../helpers';
import * as fs from 'node:fs';
import { nodeRuleset, runHook, serviceRules } from '../../server/src/sim/netfilter';
import type { Hook, PacketView } from '../../server/src/sim/netfilter/types';
import { ctxFor } from './context';

const HOOKS: Hook[] = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];
const MODES = ['iptables', 'iptables masqueradeAll', 'nftables', 'ipvs scheduler dh', 'userspace'];

/** A small deterministic generator, so a failure reproduces. */
function* packets(model: { services: readonly { clusterIP?: number; ports: readonly { port: number; nodePort?: number }[] }[]; nodes: readonly { addresses: readonly { address: number }[] }[] }): Generator<PacketView> {
    let seed = 12345;
    const rnd = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
    const dsts = [
        ...model.services.flatMap(s => s.clusterIP === undefined ? [] : s.ports.map(p => [s.clusterIP!, p.port] as const)),
        ...model.nodes.flatMap(n => n.addresses.map(a => [a.address, 30000 + rnd(2768)] as const)),
        [0, 0] as const, [0xffffffff, 65535] as const, [0x0a000001, 80] as const,
    ];
    for (let i = 0; i < 60; i++) {
        const [dst, port] = dsts[rnd(dsts.length)];
        const protocol = (['tcp', 'udp', 'sctp', 'icmp'] as const)[rnd(4)];
        yield { src: rnd(0xffffffff), dst, protocol, srcPort: protocol === 'icmp' ? undefined : rnd(65536), dstPort: protocol === 'icmp' ? undefined : port, mark: rnd(2) ? 0x4000 : 0 };
    }
}

describe('robustness', () => {
    it('every example (broken ones too), every proxy mode, every hook: evaluates without an internal error', async () => {
        let evaluated = 0;
        for (const file of knetFiles(EXAMPLES)) {
            const text = fs.readFileSync(file, 'utf8');
            for (const mode of MODES) {
                const source = /proxy \w+/.test(text) ? text.replace(/proxy \w+/, `proxy ${mode}`) : text.replace(/\{/, `{\n  proxy ${mode}\n`);
                const { result: { model } } = await load(source, false);
                for (const node of model.nodes) {
                    const base = ctxFor(model, node.name);
                    expect(() => nodeRuleset(model, node)).not.toThrow();
                    for (const s of model.services) expect(() => serviceRules(model, s, node)).not.toThrow();
                    for (const p of packets(model)) {
                        for (const hook of HOOKS) {
                            const r = runHook(hook, { ...base, outDev: 'cni0', choice: p.src % 4 }, p);
                            evaluated++;
                            expect(r.hits.find(h => h.rule.startsWith('# netfilter could not')), `${file} ${mode} ${node.name} ${hook}`).toBeUndefined();
                        }
                    }
                }
            }
        }
        expect(evaluated).toBeGreaterThan(10_000);
    }, 120_000);
});
