/** nodeport-range, no-endpoints: positive, negative, fixes. */
import { describe, expect, it } from 'vitest';
import { cluster } from '../helpers';
import { check, expectFixed, only } from './check-helpers';

const withServices = (services: string) => cluster(`
  node node01 { address 100.100.137.201 on lan podCIDR 10.244.1.0/24 pod web 10.244.1.10 labels app=web }
${services}`);

describe('nodeport-range', () => {
    it('reports a nodePort outside the range and takes the first free one', async () => {
        const text = withServices(`  service web { type NodePort clusterIP 10.96.0.10 port 80/tcp targetPort 8080 nodePort 8080 selector app=web }`);
        const r = await only(text, 'nodeport-range');
        expect(r.text).toBe('8080');
        expect(r.message).toContain('nodePort 8080 of service web is outside the node port range 30000-32767');
        expect(await expectFixed(text, r)).toContain('nodePort 30000');
    });

    it('honours a declared range', async () => {
        const text = withServices(`  nodePortRange 20000-20010
  service web { type NodePort clusterIP 10.96.0.10 port 80/tcp nodePort 30000 selector app=web }`);
        const r = await only(text, 'nodeport-range');
        expect(r.diagnostic.relatedInformation?.[0].message).toBe('nodePortRange 20000-20010');
        expect(await expectFixed(text, r)).toContain('nodePort 20000');
    });

    it('reports a nodePort used twice on the later service, naming the first; the fix skips ports in use', async () => {
        const text = withServices(`
  service admin { type NodePort clusterIP 10.96.0.11 port 81/tcp nodePort 30000 selector app=web }
  service api { type NodePort clusterIP 10.96.0.12 port 82/tcp nodePort 30000 selector app=web }`);
        const r = await only(text, 'nodeport-range');
        expect(r.line).toBe(10);
        expect(r.message).toContain('nodePort 30000 of service api is already used by service admin');
        expect(await expectFixed(text, r)).toContain('port 82/tcp nodePort 30001');
    });

    it('accepts one service using a nodePort for TCP and UDP alike', async () => {
        expect(await check(withServices(`  service dns { type NodePort clusterIP 10.96.0.10 port 53/tcp nodePort 30053 port 53/udp nodePort 30053 selector app=web }`))).toEqual([]);
    });
});

describe('no-endpoints', () => {
    it('warns about a selector that matches no pod', async () => {
        const r = await only(withServices(`  service api { clusterIP 10.96.0.12 port 80/tcp selector app=frontend }`), 'no-endpoints');
        expect(r.severity).toBe('warning');
        expect(r.text).toBe('selector app=frontend');
        expect(r.message).toContain('service api selects app=frontend but no pod in namespace default');
    });

    it('names a pod that matches in another namespace', async () => {
        const r = await only(cluster(`
  node node01 { address 100.100.137.201 on lan podCIDR 10.244.1.0/24 pod web 10.244.1.10 namespace shop labels app=web }
  service web { clusterIP 10.96.0.12 port 80/tcp selector app=web }`), 'no-endpoints');
        expect(r.message).toContain('shop/web matches');
    });

    it('is quiet when the selector matches, and for a service without a selector', async () => {
        expect(await check(withServices(`  service web { clusterIP 10.96.0.12 port 80/tcp selector app=web }
  service ext { clusterIP 10.96.0.13 port 80/tcp }`))).toEqual([]);
    });
});
