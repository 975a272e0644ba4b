/** missing-route, unknown-device, route-limit: positive, negative, fixes. */
import { describe, expect, it } from 'vitest';
import { cluster, readExample } from '../helpers';
import { applyFix, check, expectFixed, only } from './check-helpers';

const nodes = (node03: string, header?: string) => cluster(`
  node node01 { address 100.100.137.201 on lan dev ens192 podCIDR 10.244.1.0/24 pod web 10.244.1.10 }
  node node02 { address 100.100.137.202 on lan dev ens192 podCIDR 10.244.2.0/24 pod api 10.244.2.7 }
  node node03 {
    address 100.100.137.203 on lan dev ens192
    podCIDR 10.244.3.0/24
    ${node03}
    pod db 10.244.3.5
  }`, header);

describe('missing-route', () => {
    const table = (extra: string) => nodes(`routes {
      default via 100.100.137.1 dev ens192
      100.100.137.0/24 dev ens192 scope link
      10.244.3.0/24 dev cni0 scope link src 10.244.3.1
      10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink${extra}
    }`);

    it('reports a declared table with only the default route toward another node\'s pods, and adds the route flannel would', async () => {
        const text = table('');
        const r = await only(text, 'missing-route');
        expect(r.text).toBe('routes');
        expect(r.message).toContain("node03's routes have no way to the pods of node02 (podCIDR 10.244.2.0/24)");
        expect(r.message).toContain('only the default route matches');
        expect(r.message).toContain('10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink');
        expect(r.diagnostic.relatedInformation?.[0].message).toBe('podCIDR 10.244.2.0/24 of node02');
        const fixed = await expectFixed(text, r);
        expect(fixed).toContain('10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink\n      10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink\n');
    });

    it('accepts a table covering every other node\'s range, also through a broader route', async () => {
        expect(await check(table('\n      10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink'))).toEqual([]);
        expect(await check(table('\n      10.244.0.0/16 dev flannel.1'))).toEqual([]);
    });

    it('reports a pasted table without the node\'s own pod route, adding the kernel\'s connected route', async () => {
        const text = table('\n      10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink').replace('      10.244.3.0/24 dev cni0 scope link src 10.244.3.1\n', '');
        const r = await only(text, 'missing-route');
        expect(r.message).toContain("node03's routes have no route to its own pods (podCIDR 10.244.3.0/24 on cni0)");
        expect(await expectFixed(text, r)).toContain('10.244.3.0/24 dev cni0 proto kernel scope link src 10.244.3.1');
    });

    it('reports a pasted Calico table without a local pod\'s /32', async () => {
        const text = cluster(`
  node node01 { address 100.100.137.201 on lan dev ens192 block 10.244.1.0/26 pod web 10.244.1.2 iface cali0000000001 }
  node node02 {
    address 100.100.137.202 on lan dev ens192
    block 10.244.2.0/26
    routes {
      default via 100.100.137.1 dev ens192
      100.100.137.0/24 dev ens192 scope link
      blackhole 10.244.2.0/26 proto bird
      10.244.1.0/26 via 100.100.137.201 dev tunl0 proto bird onlink
    }
    pod db 10.244.2.5 iface cali0000000002
  }`).replace('cni flannel vxlan', 'cni calico ipip');
        const r = await only(text, 'missing-route');
        expect(r.message).toContain('no route to its own pods (pod db)');
        expect(await expectFixed(text, r)).toContain('10.244.2.5 dev cali0000000002 scope link');
    });

    it('reports a route into flannel.1 via an address that is no node\'s VTEP, fixed to the right one', async () => {
        const text = table('\n      10.244.2.0/24 via 10.244.9.0 dev flannel.1 onlink');
        const r = await only(text, 'missing-route');
        expect(r.text).toBe('10.244.9.0');
        expect(r.message).toContain("node03 routes podCIDR 10.244.2.0/24 of node02 via 10.244.9.0 on flannel.1, which is not a node's VTEP address");
        expect(await expectFixed(text, r)).toContain('10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink');
    });

    it('reports a gateway on no connected subnet, not one with onlink or reached by a link route', async () => {
        const r = await only(table('\n      10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink\n      10.99.0.0/24 via 192.168.7.1 dev ens192'), 'missing-route');
        expect(r.text).toBe('192.168.7.1');
        expect(r.message).toContain('Nexthop has invalid gateway');
        expect(await check(table('\n      10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink\n      10.99.0.0/24 via 192.168.7.1 dev ens192 onlink'))).toEqual([]);
        expect(await check(table('\n      10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink\n      192.168.7.0/24 dev ens192 scope link\n      10.99.0.0/24 via 192.168.7.1 dev ens192'))).toEqual([]);
    });

    it('reports a pod whose declared routes never reach its gateway, and adds the default route', async () => {
        const text = nodes('').replace('pod db 10.244.3.5', 'pod db 10.244.3.5 { routes { 10.244.3.0/24 dev eth0 scope link } }');
        const r = await only(text, 'missing-route');
        expect(r.text).toBe('db');
        expect(r.message).toContain('pod db has no route toward its gateway 10.244.3.1');
        expect(await expectFixed(text, r)).toContain('default via 10.244.3.1 dev eth0');
    });

    it('reports a pod routing via a next hop nobody owns, and fixes it to its gateway', async () => {
        const text = nodes('').replace('pod db 10.244.3.5', 'pod db 10.244.3.5 { routes { default via 10.244.3.254 dev eth0 } }');
        const r = await only(text, 'missing-route');
        expect(r.text).toBe('10.244.3.254');
        expect(r.message).toContain('via 10.244.3.254, which nobody owns');
        expect(await expectFixed(text, r)).toContain('default via 10.244.3.1 dev eth0');
        expect(await check(text.replace('10.244.3.254', '10.244.3.1'))).toEqual([]);
    });

    it('reports host-gw nodes on different networks once per stray node, not generated tables', async () => {
        const text = cluster(`
  network other 100.100.140.0/24
  node node01 { address 100.100.137.201 on lan podCIDR 10.244.1.0/24 }
  node node02 { address 100.100.137.202 on lan podCIDR 10.244.2.0/24 }
  node node03 { address 100.100.140.3 on other podCIDR 10.244.3.0/24 }`).replace('cni flannel vxlan', 'cni flannel host-gw');
        const r = await only(text, 'missing-route');
        expect(r.text).toBe('other');
        expect(r.message).toContain('node03 is on network other but its host-gw peers (node01 and node02) are on lan');
        expect(await check(text.replace('cni flannel host-gw', 'cni flannel vxlan'))).toEqual([]);
    });

    it('reports a routed network without routes for the podCIDRs of nodes on another network', async () => {
        const text = cluster(`
  network vpc 10.0.0.0/16 { kind routed gateway 10.0.0.1 }
  network vpc2 10.1.0.0/16 { kind routed gateway 10.1.0.1 }
  node n1 { address 10.0.1.1 on vpc podCIDR 10.244.1.0/24 }
  node n2 { address 10.0.1.2 on vpc podCIDR 10.244.2.0/24 }
  node n3 { address 10.1.1.3 on vpc2 podCIDR 10.244.3.0/24 }`, `
  podNetwork 10.244.0.0/16
  serviceNetwork 10.96.0.0/12
  cni bridge`);
        const all = await check(text);
        expect(all.map(r => `${r.code}:${r.text}`)).toEqual(['missing-route:vpc', 'missing-route:vpc2']);
        expect(all[0].message).toContain("n3's 10.244.3.0/24 (on another network) has no route in it");
        expect(await check(text.replace('on vpc2', 'on vpc').replace('10.1.1.3', '10.0.1.3'))).toEqual([]);
    });

    it('reports cni bridge on an l2 network, not on a routed one', async () => {
        const body = `
  node node01 { address 100.100.137.201 on lan podCIDR 10.244.1.0/24 }
  node node02 { address 100.100.137.202 on lan podCIDR 10.244.2.0/24 }`;
        const r = await only(cluster(body).replace('cni flannel vxlan', 'cni bridge'), 'missing-route');
        expect(r.text).toBe('cni bridge');
        expect(await check(cluster(body).replace('cni flannel vxlan', 'cni bridge').replace('gateway 100.100.137.1', 'gateway 100.100.137.1 kind routed'))).toEqual([]);
    });
});

describe('unknown-device', () => {
    it('reports a route dev naming no device, listing the devices there are', async () => {
        const r = await only(nodes(`routes {
      default via 100.100.137.1 dev ens192
      10.244.0.0/16 dev flannel.9 onlink
    }`), 'unknown-device');
        expect(r.text).toBe('flannel.9');
        expect(r.message).toContain('node03 has no device flannel.9');
        expect(r.message).toContain('ens192, flannel.1, cni0 and 1 pod veth');
    });

    it('offers the one device name a typo is close to', async () => {
        const text = nodes(`routes {
      default via 100.100.137.1 dev ens192
      100.100.137.0/24 dev ens192 scope link
      10.244.3.0/24 dev cni0 scope link src 10.244.3.1
      10.244.0.0/16 dev flanel.1 onlink
    }`);
        const r = await only(text, 'unknown-device');
        expect(r.text).toBe('flanel.1');
        expect(await expectFixed(text, r)).toContain('10.244.0.0/16 dev flannel.1 onlink');
        const far = await only(text.replace('flanel.1', 'wg0'), 'unknown-device');
        expect(far.diagnostic.data).toMatchObject({ fixes: undefined });
    });

    it('reports a master or parent naming no device, and a pod route off eth0', async () => {
        const all = await check(nodes(`link vx0 vxlan vni 9 dev eth9 mtu 1400
    link veth0 veth master br9`).replace('pod db 10.244.3.5', 'pod db 10.244.3.5 { routes { default via 10.244.3.1 dev eth1 } }'));
        expect(all.map(r => `${r.code}:${r.text}`).sort()).toEqual(['unknown-device:br9', 'unknown-device:eth1', 'unknown-device:eth9']);
    });

    it('accepts declared, generated and pod devices', async () => {
        expect(await check(nodes(`link br0 bridge
    link veth0 veth master br0
    link vx0 vxlan vni 9 dev ens192 mtu 1400`))).toEqual([]);
    });
});

describe('route-limit', () => {
    const vpc = (limit: number, cni = 'cni bridge') => cluster(`
  network vpc 10.0.0.0/16 { kind routed routeLimit ${limit} gateway 10.0.0.1 }
  node n1 { address 10.0.1.1 on vpc podCIDR 10.244.1.0/24 }
  node n2 { address 10.0.1.2 on vpc podCIDR 10.244.2.0/24 }
  node n3 { address 10.0.1.3 on vpc podCIDR 10.244.3.0/24 }`, `
  podNetwork 10.244.0.0/16
  serviceNetwork 10.96.0.0/12
  ${cni}`);

    it('warns when a routed network needs more routes than it holds', async () => {
        const r = await only(vpc(2), 'route-limit');
        expect(r.severity).toBe('warning');
        expect(r.text).toBe('2');
        expect(r.message).toContain('network vpc needs 3 routes');
        expect(r.message).toContain('an overlay');
    });

    it('is quiet within the limit, and with an overlay', async () => {
        expect(await check(vpc(3))).toEqual([]);
        expect(await check(vpc(2, 'cni flannel vxlan'))).toEqual([]);
    });
});

describe('missing-route fix placement', () => {
    it('adds the route on a line of its own after the last route, leaving that route\'s trailing comment where it was', async () => {
        const text = readExample('broken/routes.knet');
        const reports = await check(text);
        const table = reports.find(r => r.code === 'missing-route' && r.line === 21)!;
        const fixed = applyFix(text, table);
        const before = text.split('\n');
        const after = fixed.split('\n');
        // Only lines were added: every original line is still there, unchanged and in order.
        let i = 0;
        for (const line of after) if (line === before[i]) i++;
        expect(i).toBe(before.length);
        expect(after.some(l => /^\s+10\.244\.2\.0\/24 via 10\.244\.2\.0 dev flannel\.1 onlink\s*$/.test(l))).toBe(true);
    });
});
