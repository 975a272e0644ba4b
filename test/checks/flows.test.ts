/** unreachable-flow: the simulator's disposition and where, and no cascades. */
import { describe, expect, it } from 'vitest';
import { cluster } from '../helpers';
import { check, only } from './check-helpers';

const nodes = (extra: string, node02 = 'pod api 10.244.2.7') => cluster(`
  node node01 { address 100.100.137.201 on lan dev ens192 podCIDR 10.244.1.0/24 pod web 10.244.1.10 }
  node node02 { address 100.100.137.202 on lan dev ens192 podCIDR 10.244.2.0/24 ${node02} }
${extra}`);

describe('unreachable-flow', () => {
    it('warns about a flow too big for its path, with the disposition and where', async () => {
        const r = await only(nodes('  flow jumbo: web -> api icmp size 1451 df'), 'unreachable-flow');
        expect(r.severity).toBe('warning');
        expect(r.text).toBe('jumbo');
        expect(r.message).toMatch(/^flow jumbo ends MTU_EXCEEDED at .*web/);
    });

    it('is quiet for a flow that is delivered, one that fits, and one that leaves the cluster', async () => {
        expect(await check(nodes('  flow ok: web -> api icmp\n  flow fits: web -> api icmp size 1450 df'))).toEqual([]);
        expect(await check(nodes('  host internet 8.8.8.8\n  flow out: web -> internet icmp'))).toEqual([]);
    });

    it('skips a flow whose end already carries an error (one fault, one diagnostic)', async () => {
        const all = await check(nodes('  flow f: web -> api icmp', 'pod api 10.244.9.7'));
        expect(all.map(r => r.code)).toEqual(['address-outside-range']);
    });

    it('skips a flow to a service without endpoints: no-endpoints already says why it is rejected', async () => {
        const all = await check(nodes(`  service api { clusterIP 10.96.0.12 port 80/tcp selector app=frontend }
  flow f: web -> api:80`));
        expect(all.map(r => r.code)).toEqual(['no-endpoints']);
    });

    it('skips a flow whose own line carries an error', async () => {
        const all = await check(nodes('  flow tiny: web -> api icmp size 20'));
        expect(all.map(r => r.code)).toEqual(['invalid-declaration']);
    });

    it('names the flow by its text when it has no name', async () => {
        const r = await only(nodes('  flow web -> api icmp size 1451 df'), 'unreachable-flow');
        expect(r.message).toMatch(/MTU_EXCEEDED/);
        expect(r.line).toBe(9);
    });
});
