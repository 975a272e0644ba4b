import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { EXAMPLES, SHARED_EXAMPLES, cluster, codes, knetFiles, load } from '../helpers';
import { diagnosticCode } from '../../server/src/language/workspace';
import type { Pod } from '../../server/src/language/generated/ast';

const files = [...knetFiles(EXAMPLES), ...knetFiles(SHARED_EXAMPLES)];

describe('every example parses', () => {
    it('has examples', () => expect(knetFiles(EXAMPLES).length).toBeGreaterThanOrEqual(7));
    for (const file of files) {
        it(file.replace(/.*\/(shared\/)?examples\//, '$1'), async () => {
            const { document } = await load(fs.readFileSync(file, 'utf8'), false);
            expect(document.parseResult.lexerErrors).toEqual([]);
            expect(document.parseResult.parserErrors.map(e => e.message)).toEqual([]);
        });
    }
});

describe('lexical rules', () => {
    it('accepts names with . - @ and strips @peer', async () => {
        const { document, diagnostics, result } = await load(cluster(`
  node worker-2.example.com {
    address 100.100.137.5 on lan dev ens192
    podCIDR 10.244.5.0/24
    link flannel.1 vxlan vni 1 port 8472 dev ens192 mtu 1450
    pod nginx-deployment-6b9d659f5f-qbchs 10.244.5.5 iface veth78b826c3@if2 labels app.kubernetes.io/name=web,pod-template-hash=6b9d659f5f
  }
  node 3scale-node { address 100.100.137.6 on lan podCIDR 10.244.6.0/24 }`));
        expect(document.parseResult.parserErrors).toEqual([]);
        expect(diagnostics.filter(d => d.severity === 1)).toEqual([]);
        const pod = result.model.podByKey.get('default/nginx-deployment-6b9d659f5f-qbchs')!;
        expect(pod.hostIface).toBe('veth78b826c3');
        expect(pod.labels.get('app.kubernetes.io/name')).toBe('web');
        expect(result.model.nodeByName.has('3scale-node')).toBe(true);
        expect(result.model.nodeByName.get('worker-2.example.com')!.netns().links.get('flannel.1')!.mtu).toBe(1450);
    });

    it('accepts keywords as names and values', async () => {
        const { document, result } = await load(cluster(`
  node host {
    address 100.100.137.5 on lan
    podCIDR 10.244.5.0/24
    routes {
      default via 100.100.137.1 dev eth0 proto static metric 100
      100.100.137.0/24 dev eth0 proto kernel scope link src 100.100.137.5
      local 100.100.137.5 dev eth0 table local proto kernel scope host src 100.100.137.5
    }
    pod link 10.244.5.2 namespace default
  }
  flow default: link -> host icmp`));
        expect(document.parseResult.parserErrors).toEqual([]);
        expect(result.model.nodeByName.has('host')).toBe(true);
        expect(result.model.podByKey.has('default/link')).toBe(true);
        expect(result.model.flowByName.get('default')?.target?.kind).toBe('node');
    });

    it('parses every form of an ip route line', async () => {
        const { document, result } = await load(cluster(`
  node n1 {
    address 100.100.137.5 on lan dev ens192
    podCIDR 10.244.5.0/24
    routes {
      default proto static metric 100
        nexthop via 100.100.137.1 dev ens192 weight 1
        nexthop via 100.100.137.2 dev ens192 weight 2
      blackhole 10.244.5.0/26 proto bird
      unreachable 10.9.0.0/16
      prohibit 10.10.0.0/16
      throw 10.11.0.0/16
      10.244.1.0/24 via 10.244.1.0 dev ens192 onlink
      172.17.0.0/16 dev ens192 proto kernel scope link src 172.17.0.1 linkdown
      10.12.0.0/16 via 100.100.137.1 dev ens192 table 100 mtu lock 1400 pref medium expires 299sec dead
      broadcast 100.100.137.255 dev ens192 table local proto kernel scope link src 100.100.137.5
      100.100.137.0/24 dev ens192 proto 4 scope 253 src 100.100.137.5
    }
  }`));
        expect(document.parseResult.parserErrors.map(e => e.message)).toEqual([]);
        const ns = result.model.nodeByName.get('n1')!.netns();
        const def = ns.main.routes.find(r => r.isDefault)!;
        expect(def.nexthops?.map(n => n.weight)).toEqual([1, 2]);
        expect(ns.tables.get('100')?.routes.length).toBe(1);
        expect(ns.main.routes.find(r => r.type === 'blackhole')).toBeTruthy();
    });

    it('case-insensitive service words, spaced port ranges, trailing DNS dot', async () => {
        const { document, result, diagnostics } = await load(cluster(`
  nodePortRange 30000 - 32767
  node n1 { address 100.100.137.5 on lan podCIDR 10.244.5.0/24 pod web 10.244.5.2 labels app=web }
  service web { type nodeport clusterIP 10.96.0.10 port 80/TCP targetPort 8080 nodePort 30080 selector app=web }
  flow f: web -> web.default.svc.cluster.local.:80`));
        expect(document.parseResult.parserErrors).toEqual([]);
        expect(diagnostics.filter(d => d.severity === 1).map(d => d.message)).toEqual([]);
        const s = result.model.serviceByKey.get('default/web')!;
        expect(s.type).toBe('NodePort');
        expect(s.ports[0].protocol).toBe('tcp');
        const f = result.model.flowByName.get('f')!;
        expect(f.target?.kind).toBe('service');
        expect(f.target?.kind === 'service' && f.target.dnsName).toBe('web.default.svc.cluster.local.');
    });
});

describe('bad tokens are errors on that token only', () => {
    it('octet over 255 and prefix over 32', async () => {
        const text = cluster(`
  node n1 {
    address 100.100.137.300 on lan
    podCIDR 10.244.1.0/33
    pod web 10.244.1.2 labels app=web
  }
  flow f: web -> n1 icmp`);
        const { diagnostics, result, document } = await load(text);
        expect(document.parseResult.parserErrors).toEqual([]);
        const errors = diagnostics.filter(d => d.severity === 1);
        expect(errors.map(diagnosticCode)).toEqual(['invalid-address', 'invalid-address']);
        const [a, b] = errors;
        expect(text.split('\n')[a.range.start.line].slice(a.range.start.character, a.range.end.character)).toBe('100.100.137.300');
        expect(text.split('\n')[b.range.start.line].slice(b.range.start.character, b.range.end.character)).toBe('10.244.1.0/33');
        // the rest still links
        expect(result.model.flowByName.get('f')?.target?.kind).toBe('node');
        expect(result.model.podByKey.get('default/web')?.address).toBeDefined();
    });

    it('short parser messages', async () => {
        const { diagnostics } = await load(cluster(`  node n1 { adress 1.2.3.4 on lan }`));
        const msg = String(diagnostics[0].message);
        expect(msg).toMatch(/^Unexpected 'adress'/);
        expect(msg.length).toBeLessThan(160);
    });

    it('a property given twice is an error, not an overwrite', async () => {
        expect(await codes(cluster(`
  node n1 {
    address 100.100.137.5 on lan
    podCIDR 10.244.1.0/24
    podCIDR 10.244.2.0/24
  }`))).toEqual(['10:invalid-declaration']);
        expect(await codes(cluster(`
  service s { clusterIP 10.96.0.1 clusterIP 10.96.0.2 port 80 }`))).toEqual(['7:invalid-declaration']);
    });

    it('unknown names say what was looked for', async () => {
        const { diagnostics } = await load(cluster(`
  node n1 { address 100.100.137.5 on lan podCIDR 10.244.1.0/24 pod a 10.244.1.2 }
  flow f: a -> nosuch:80`));
        expect(diagnostics.map(d => d.message)).toContain("no service, pod, node or host named 'nosuch'");
    });

    it('resolves NAMESPACE/NAME', async () => {
        const { result, diagnostics } = await load(cluster(`
  node n1 { address 100.100.137.5 on lan podCIDR 10.244.1.0/24
    pod a 10.244.1.2 namespace shop
    pod b 10.244.1.3 }
  service cart { namespace shop clusterIP 10.96.0.5 port 80 selector app=cart }
  flow f: shop/a -> shop/cart:80
  flow g: b -> cart.shop:80`));
        expect(diagnostics.filter(d => d.severity === 1).map(d => d.message)).toEqual([]);
        const f = result.model.flowByName.get('f')!;
        expect(f.source?.kind === 'pod' && f.source.pod.namespace).toBe('shop');
        const g = result.model.flowByName.get('g')!;
        expect(g.target?.kind === 'service' && g.target.dnsName).toBe('cart.shop');
        void (null as unknown as Pod);
    });
});
