/**
 * The real webview bundle (dist/webview.js) in headless Chromium, inside a page that
 * mimics VS Code's webview host (same CSP, stub acquireVsCodeApi). Screenshots go to
 * test-output/webview/ to be looked at.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ToWebview } from '../../server/src/protocol/messages';
import type { Trace } from '../../server/src/protocol/trace';
import { ROOT } from '../helpers';
import { BUNDLE, CHROMIUM, CHROMIUM_ARGS, startHarness, type Harness } from './harness';
import { balancedTraces, crossNodeClusterIpTrace, exampleTrace, exampleTraceWith, loopTrace, } from './traces';

const OUT = path.join(ROOT, 'test-output', 'webview');
const URI = 'file:///work/examples/flannel-vxlan.knet';
const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) {
    console.warn(`[webview] skipped: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`);
}

declare global {
    interface Window { __posted: unknown[]; __violations: string[]; __pwned?: unknown }
}

describe.skipIf(!haveChromium)('trace panel in Chromium', () => {
    let browser: Browser;
    let harness: Harness;
    let seed: { trace: Trace };

    beforeAll(async () => {
        if (!fs.existsSync(BUNDLE)) throw new Error('dist/webview.js is missing: run `node scripts/bundle.mjs` (npm test builds it)');
        fs.mkdirSync(OUT, { recursive: true });
        harness = await startHarness();
        browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
        seed = { trace: await crossNodeClusterIpTrace() };
    });
    afterAll(async () => {
        await browser?.close();
        await harness?.close();
    });

    async function open(options: { theme?: 'dark' | 'light'; csp?: boolean; width?: number; height?: number } = {}): Promise<Page> {
        const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 800 } });
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', e => errors.push(String(e)));
        (page as Page & { errors: string[] }).errors = errors;
        await page.goto(harness.url(options));
        await page.waitForFunction(() => window.__posted?.some(m => (m as { type?: string }).type === 'ready'));
        return page;
    }
    const send = (page: Page, m: ToWebview) => page.evaluate(msg => window.postMessage(msg, '*'), m);
    const show = async (page: Page, trace: Trace, current = true) => {
        await send(page, { type: 'trace', uri: URI, flow: trace.flow.name, trace, current });
        await page.waitForSelector('svg.body g.step');
    };
    const posted = (page: Page) => page.evaluate(() => window.__posted) as Promise<Array<Record<string, unknown>>>;
    const pageErrors = (page: Page) => (page as Page & { errors: string[] }).errors;

    it('draws cross-node-clusterip: lanes, the VXLAN box around the inner packet, the DNAT, DELIVERED', async () => {
        const page = await open();
        expect((await posted(page))[0]).toEqual({ type: 'ready' });
        await show(page, seed.trace);

        const lanes = await page.$$eval('svg.head g.lane-head', gs => gs.map(g => g.getAttribute('data-namespace')));
        expect(lanes.map(n => n!.split('-')[0])).toEqual(['busybox3', 'node01', 'lan', 'node02', 'nginx']);

        // The encapsulation step's packet: an outer box with UDP 8472 and VXLAN, holding the inner IPv4 packet.
        const encap = page.locator('svg.body g.step[data-kind="encap"] g.packet-strip');
        const outer = encap.locator('g.pkt.depth-0').first();
        await expect.poll(() => outer.locator(':scope > g.hdr-vxlan text').textContent()).toMatch(/VXLAN( VNI)? 1/);
        expect(await outer.locator(':scope > g.hdr-udp text').textContent()).toContain('8472');
        expect(await outer.locator('g.pkt.depth-1 > g.hdr-ipv4 text').textContent()).toMatch(/10\.244\.1\.2→10\.244\.2\.5/);
        const [ob, ib] = await Promise.all([outer.locator(':scope > rect').boundingBox(), outer.locator('g.pkt.depth-1 > rect').boundingBox()]);
        expect(ib!.x).toBeGreaterThan(ob!.x);
        expect(ib!.x + ib!.width).toBeLessThanOrEqual(ob!.x + ob!.width + 0.5);

        // The tunnel: thick from the encapsulation to the decapsulation, thin elsewhere.
        const tunnels = await page.$$eval('svg.body path.connector.tunnel', ps => ps.map(p => Number(p.getAttribute('data-to'))));
        const kinds = seed.trace.hops.flatMap(h => h.steps).map(s => s.kind);
        expect(tunnels.map(i => kinds[i])).toEqual(['route', 'transmit', 'decap']);

        // The DNAT, highlighted in the orange of NAT changes.
        const chip = page.locator('svg.body g.step[data-kind="nat"] g.change.nat');
        expect(await chip.locator('text').textContent()).toMatch(/10\.107\.254\.44:80 → 10\.244\.2\.5:80/);
        const fill = await chip.locator('rect').evaluate(r => getComputedStyle(r).fill);
        expect(fill).toBe('rgb(209, 134, 22)');

        const ending = page.locator('svg.body g.ending[data-path="forward"]');
        expect(await ending.locator('.badge').textContent()).toBe('DELIVERED');
        expect(await ending.getAttribute('class')).toContain('success');
        expect(await page.locator('svg.head .flow-disposition').textContent()).toContain('DELIVERED');
        // Generated steps are told apart: dashed markers, and a legend saying so.
        expect(await page.locator('svg.body g.step.generated').count()).toBeGreaterThan(0);
        expect(await page.locator('svg.body g.step.declared').count()).toBeGreaterThan(0);
        expect(await page.locator('svg.head g.legend').textContent()).toContain('generated');

        await page.screenshot({ path: path.join(OUT, 'cross-node-clusterip.png') });

        // Selecting the encapsulation shows every header before and after, and reveals its declaration.
        await page.locator('svg.body g.step[data-kind="encap"]').click();
        await expect.poll(() => page.locator('#details .pdu-col.after .pkt-box.depth-0 > .hdr-box.hdr-vxlan').count()).toBe(1);
        expect(await page.locator('#details .pdu-col.after .pkt-box.depth-0 .pkt-box.depth-1 .hdr-box.hdr-ipv4 [data-field="dst"] .v').textContent()).toBe('10.244.2.5');
        expect(await page.locator('#details .pdu-col.after .hdr-box.hdr-udp [data-field="dstPort"] .v').textContent()).toBe('8472');
        expect(await page.locator('#details .pdu-col.before .pkt-box.depth-1').count()).toBe(0);
        const encapStep = seed.trace.hops.flatMap(h => h.steps).find(s => s.kind === 'encap')!;
        const reveals = (await posted(page)).filter(m => m.type === 'reveal');
        expect(reveals.at(-1)).toEqual({ type: 'reveal', uri: URI, range: encapStep.source });
        await page.screenshot({ path: path.join(OUT, 'cross-node-clusterip-encap-selected.png') });

        // The NAT step's PDU view highlights the rewritten destination.
        await page.locator('svg.body g.step[data-kind="nat"]').click();
        expect(await page.locator('#details .pdu-col.after .field.changed[data-field="dst"] .v').textContent()).toBe('10.244.2.5');
        expect(await page.locator('#details .pdu-col.before .field.changed[data-field="dst"] .v').textContent()).toBe('10.107.254.44');
        expect(await page.evaluate(() => window.__violations)).toEqual([]);
        expect(pageErrors(page)).toEqual([]);
        await page.context().close();
    });

    it('says what to do before any trace, and shows the server\'s error without losing the drawing', async () => {
        const page = await open();
        expect(await page.locator('#empty').textContent()).toContain('Put the cursor on a flow');
        expect(await page.locator('#export').isDisabled()).toBe(true);
        await send(page, { type: 'error', message: 'the language server is starting' });
        expect(await page.locator('#status').textContent()).toBe('the language server is starting');
        await show(page, seed.trace);
        expect(await page.locator('#empty').isVisible()).toBe(false);
        await send(page, { type: 'error', flow: 'cross-node-clusterip', message: 'no trace: request failed' });
        expect(await page.locator('#status').getAttribute('class')).toBe('error');
        expect(await page.locator('svg.body g.step').count()).toBeGreaterThan(0);
        expect(await page.locator('#diagram').getAttribute('class')).toContain('stale');
        // Malformed messages are ignored, not drawn.
        await page.evaluate(() => window.postMessage({ type: 'trace', uri: 'u', flow: 'f', current: true, trace: { hops: 'x' } }, '*'));
        await page.evaluate(() => window.postMessage('<img src=x>', '*'));
        expect(await page.locator('svg.head .title').textContent()).toContain('cross-node-clusterip');
        expect(pageErrors(page)).toEqual([]);
        await page.context().close();
    });

    it('shows too-big ending MTU_EXCEEDED in the sending pod', async () => {
        const page = await open();
        const t = await exampleTrace('flannel-vxlan.knet', 'too-big');
        await show(page, t);
        const ending = page.locator('svg.body g.ending');
        expect(await ending.locator('.badge').textContent()).toBe('MTU_EXCEEDED');
        expect(await ending.getAttribute('class')).toContain('failure');
        expect(await ending.locator('.reason').textContent()).toContain('mtu');
        expect(await page.locator('svg.head .flow-disposition').textContent()).toContain('MTU_EXCEEDED');
        // What a reader (or the code-server test) gets from the page's text: this disposition, no other.
        const text = await page.locator('body').innerText();
        expect(text).toContain('MTU_EXCEEDED');
        expect(text).not.toContain('DELIVERED');
        expect(await page.locator('svg.body g.step').first().locator('.meta').textContent()).toBeTruthy();
        await page.screenshot({ path: path.join(OUT, 'too-big.png') });
        await page.context().close();
    });

    it('steps with the keyboard and the buttons, plays, and keeps its place in setState', async () => {
        const page = await open();
        const t = await exampleTraceWith('flannel-vxlan.knet', 'flow pod-to-pod: busybox3-c997b9cc4-tlvrq -> nginx-deployment-6b9d659f5f-qbchs:80', 'pod-to-pod');
        await show(page, t);
        const selected = () => page.locator('svg.body g.step.selected').getAttribute('data-index');
        expect(await selected()).toBe('0');
        await page.locator('svg.body g.step[data-index="0"]').focus();
        await page.keyboard.press('ArrowDown');
        await page.keyboard.press('ArrowDown');
        expect(await selected()).toBe('2');
        expect(await page.evaluate(() => document.activeElement?.getAttribute('data-index'))).toBe('2');
        await page.keyboard.press('ArrowUp');
        expect(await selected()).toBe('1');
        await page.keyboard.press('End');
        const n = t.hops.flatMap(h => h.steps).length;
        expect(await selected()).toBe(String(n - 1));
        expect(await page.locator('#next').isDisabled()).toBe(true);
        await page.locator('#prev').click();
        expect(await selected()).toBe(String(n - 2));
        expect(await page.locator('#toolbar .counter').textContent()).toBe(`Step ${n - 1} / ${n}`);
        // Each selection revealed its step's declaration (steps without one reveal nothing).
        const flat = t.hops.flatMap(h => h.steps);
        const visited = [1, 2, 1, n - 1, n - 2].map(i => flat[i]).filter(s => s.source).map(s => s.source);
        expect(visited.length).toBeGreaterThan(0);
        const reveals = (await posted(page)).filter(m => m.type === 'reveal').map(m => m.range);
        expect(reveals).toEqual(visited);

        // Play from the start: it advances on its own, then stops at the end.
        await page.keyboard.press('Home');
        await page.locator('#play').click();
        await page.waitForFunction(() => document.querySelector('svg.body g.step.selected')?.getAttribute('data-index') === '2', undefined, { timeout: 5000 });
        expect(await page.locator('svg.body g.step.future').count()).toBeGreaterThan(0);
        await page.locator('#play').click();
        expect(await page.locator('svg.body g.step.future').count()).toBe(0);

        // The reply path, toggled on: rows continue below the forward DELIVERED.
        await page.locator('#reply').check();
        expect(await page.locator('svg.body g.step[data-path="reply"]').count()).toBe(t.reply!.hops.flatMap(h => h.steps).length);
        expect(await page.locator('svg.body g.ending').count()).toBe(2);
        await page.locator('svg.body g.step[data-path="reply"]').first().click();
        await page.screenshot({ path: path.join(OUT, 'pod-to-pod-with-reply.png'), fullPage: false });

        // Hidden and shown again (a reload with the saved state): same trace, same step, marked not current.
        const before = await selected();
        await page.reload();
        await page.waitForSelector('svg.body g.step');
        expect(await selected()).toBe(before);
        expect(await page.locator('#reply').isChecked()).toBe(true);
        expect(await page.locator('#status').textContent()).toContain('Not current');
        expect(pageErrors(page)).toEqual([]);
        await page.context().close();
    });

    it('marks the last trace not current when the cursor leaves the flows, and redraws an edit in place', async () => {
        const page = await open();
        await show(page, seed.trace);
        await page.locator('svg.body g.step[data-index="4"]').click();
        await send(page, { type: 'stale', reason: 'the cursor is on no flow' });
        expect(await page.locator('#status').getAttribute('class')).toBe('stale');
        expect(await page.locator('#status').textContent()).toContain('Not current');
        expect(await page.locator('#diagram').getAttribute('class')).toContain('stale');
        await page.screenshot({ path: path.join(OUT, 'stale.png') });
        // The same flow again (an edit): the selection and the scroll position stay, the mark goes.
        await page.locator('#diagram').evaluate(el => { el.scrollTop = 120; });
        const edited: Trace = JSON.parse(JSON.stringify(seed.trace));
        edited.hops[0].steps[0].summary = 'edited summary';
        await send(page, { type: 'trace', uri: URI, flow: edited.flow.name, trace: edited, current: true });
        await expect.poll(() => page.locator('svg.body g.step[data-index="0"] .summary').textContent()).toBe('edited summary');
        expect(await page.locator('svg.body g.step.selected').getAttribute('data-index')).toBe('4');
        expect(await page.locator('#diagram').evaluate(el => el.scrollTop)).toBe(120);
        expect(await page.locator('#status').textContent()).toBe('');
        // Another flow starts at its first step.
        await show(page, await exampleTrace('flannel-vxlan.knet', 'too-big'));
        await expect.poll(() => page.locator('svg.body g.ending .badge').textContent()).toBe('MTU_EXCEEDED');
        expect(await page.locator('svg.body g.step.selected').getAttribute('data-index')).toBe('0');
        await page.context().close();
    });

    it('offers kube-proxy\'s endpoints with their probabilities and follows the one chosen', async () => {
        const page = await open();
        const traceFor = await balancedTraces();
        const first = traceFor(0);
        expect(first.alternatives).toHaveLength(2);
        await show(page, first);
        expect(await page.locator('#choice-label').isVisible()).toBe(true);
        const options = await page.locator('#choice option').allTextContents();
        expect(options).toEqual(first.alternatives!.map(a => expect.stringContaining(`${a.description} · p=0.5`)));
        const nat = page.locator('svg.body g.step[data-kind="nat"]');
        expect(await nat.locator('.meta').textContent()).toContain('endpoint 1 of 2 (p=0.5)');
        const firstLanes = await page.$$eval('svg.head g.lane-head', gs => gs.map(g => g.getAttribute('data-namespace')));

        await page.locator('#choice').selectOption('1');
        const ask = (await posted(page)).at(-1) as { type: string; choice: number; flow: string; uri: string };
        expect(ask).toEqual({ type: 'choose', uri: URI, flow: first.flow.name, choice: 1 });
        // The extension answers with the server's trace for that choice.
        const second = traceFor(ask.choice);
        await send(page, { type: 'trace', uri: ask.uri, flow: ask.flow, trace: second, current: true, choice: ask.choice });
        await expect.poll(() => nat.locator('.meta').textContent()).toContain('endpoint 2 of 2 (p=0.5)');
        const chip = await nat.locator('g.change.nat text').textContent();
        const other = await page.$$eval('svg.head g.lane-head', gs => gs.map(g => g.getAttribute('data-namespace')));
        expect(other).not.toEqual(firstLanes);
        const endpoint = second.alternatives!.find(a => a.chosen)!.description.split(' ')[0];
        expect(chip).toContain(`→ ${endpoint}`);
        expect(await page.locator('#choice').inputValue()).toBe('1');
        await page.screenshot({ path: path.join(OUT, 'balanced-second-endpoint.png') });
        await page.context().close();
    });

    it('exports the diagram as one self-contained SVG', async () => {
        const page = await open();
        await show(page, seed.trace);
        await page.locator('#export').click();
        const msg = (await posted(page)).find(m => m.type === 'exportSvg') as { svg: string; fileName: string };
        expect(msg.fileName).toBe('cross-node-clusterip.svg');
        expect(msg.svg.startsWith('<svg')).toBe(true);
        expect(msg.svg).toContain('DELIVERED');
        expect(msg.svg).toContain('--vscode-charts-orange: #d18616');
        fs.writeFileSync(path.join(OUT, 'cross-node-clusterip.svg'), msg.svg);
        // The file renders on its own, without the page's stylesheet.
        const viewer = await page.context().newPage();
        await viewer.setContent(`<!DOCTYPE html><body style="margin:0">${msg.svg}</body>`);
        expect(await viewer.locator('g.ending .badge').textContent()).toBe('DELIVERED');
        await viewer.screenshot({ path: path.join(OUT, 'exported-svg.png') });
        await send(page, { type: 'exported', ok: true, message: 'Saved cross-node-clusterip.svg' });
        expect(await page.locator('#status').textContent()).toBe('Saved cross-node-clusterip.svg');
        await page.context().close();
    });

    it('reads in the light theme and resizes to a narrow panel without horizontal scrolling', async () => {
        const page = await open({ theme: 'light', width: 760, height: 800 });
        await show(page, seed.trace);
        await page.locator('svg.body g.step[data-kind="encap"]').click();
        const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        expect(bg).toBe('rgb(255, 255, 255)');
        const overflow = await page.locator('#diagram').evaluate(el => el.scrollWidth - el.clientWidth);
        expect(overflow).toBeLessThanOrEqual(0);
        await page.screenshot({ path: path.join(OUT, 'light-narrow.png') });
        await page.setViewportSize({ width: 1280, height: 800 });
        await expect.poll(() => page.locator('svg.body').getAttribute('width').then(Number)).toBeGreaterThan(1000);
        await page.setViewportSize({ width: 600, height: 700 });
        await expect.poll(() => page.locator('svg.body').getAttribute('width').then(Number)).toBeLessThan(620);
        expect(await page.locator('#diagram').evaluate(el => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
        // A panel beside the editor (about a third of 1280): lane names turn on end, the text keeps its room.
        await page.setViewportSize({ width: 460, height: 800 });
        await expect.poll(() => page.locator('svg.body').getAttribute('width').then(Number)).toBeLessThan(470);
        expect(await page.locator('#diagram').evaluate(el => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
        expect(await page.locator('#head').evaluate(el => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
        expect(await page.locator('svg.head g.lane-head g[transform*="rotate(-90)"]').count()).toBe(5);
        const textX = await page.locator('svg.body g.step[data-index="0"] .kind-tag rect').getAttribute('x');
        expect(Number(textX)).toBeLessThan(460 / 2);
        expect(await page.locator('svg.body g.step[data-kind="nat"] g.change.nat text').textContent()).toBe('DNAT dst → 10.244.2.5:80');
        await page.screenshot({ path: path.join(OUT, 'light-beside-editor.png') });
        expect(pageErrors(page)).toEqual([]);
        await page.context().close();
    });

    it('draws a real 128-hop routing loop quickly, in four lanes, without widening the page', async () => {
        const page = await open();
        const t = await loopTrace();
        expect(t.disposition).toBe('LOOP');
        const steps = t.hops.flatMap(h => h.steps).length;
        const ms = await page.evaluate(async msg => {
            const start = performance.now();
            window.postMessage(msg, '*');
            await new Promise(r => setTimeout(r, 0));
            await new Promise(r => requestAnimationFrame(() => r(null)));
            return performance.now() - start;
        }, { type: 'trace', uri: URI, flow: 'loop', trace: t, current: true } satisfies ToWebview);
        console.log(`[webview] ${steps} steps drawn in ${ms.toFixed(0)} ms`);
        expect(await page.locator('svg.body g.step').count()).toBe(steps);
        expect(ms).toBeLessThan(2000);
        const lanes = await page.$$eval('svg.head g.lane-head', gs => gs.map(g => g.getAttribute('data-namespace')));
        expect(lanes).toEqual(['busybox3-c997b9cc4-tlvrq', 'node01', 'lan', 'node02']);
        expect(await page.locator('svg.body g.ending .badge').textContent()).toBe('LOOP');
        expect(await page.locator('#diagram').evaluate(el => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
        // End jumps to the last step and scrolls it into view.
        await page.locator('svg.body g.step[data-index="0"]').click();
        await page.keyboard.press('End');
        const visible = await page.locator(`svg.body g.step[data-index="${steps - 1}"] .marker`).evaluate(el => {
            const r = el.getBoundingClientRect(), d = document.getElementById('diagram')!.getBoundingClientRect();
            return r.top >= d.top && r.bottom <= d.bottom;
        });
        expect(visible).toBe(true);
        await page.screenshot({ path: path.join(OUT, 'loop-end.png') });
        await page.context().close();
    });

    it('never throws on damaged traces: each is drawn or ignored', async () => {
        const page = await open();
        const base = await balancedTraces().then(f => f(0));
        // A deterministic generator: the same damaged traces on every run.
        let seedValue = 12345;
        const rand = () => (seedValue = (seedValue * 1103515245 + 12345) % 2147483648) / 2147483648;
        const junk = [undefined, null, '', 'x', -1, 0, 1e9, Number.NaN, [], {}, true, '<b>'];
        const paths = (o: unknown, at: Array<string | number> = [], out: Array<Array<string | number>> = []) => {
            if (o && typeof o === 'object') for (const [k, v] of Object.entries(o)) {
                const p = [...at, Array.isArray(o) ? Number(k) : k];
                out.push(p);
                paths(v, p, out);
            }
            return out;
        };
        const all = paths(base);
        const damaged: Trace[] = [];
        for (let i = 0; i < 150; i++) {
            const t = JSON.parse(JSON.stringify(base));
            for (let j = 0; j < 1 + Math.floor(rand() * 3); j++) {
                const p = all[Math.floor(rand() * all.length)];
                let o = t;
                for (const k of p.slice(0, -1)) o = o?.[k];
                if (o && typeof o === 'object') o[p[p.length - 1]] = junk[Math.floor(rand() * junk.length)];
            }
            damaged.push(t);
        }
        const drawn = await page.evaluate(async traces => {
            let count = 0;
            for (const trace of traces) {
                window.postMessage({ type: 'trace', uri: 'file:///x.knet', flow: 'f' + count, trace, current: true }, '*');
                await new Promise(r => setTimeout(r, 0));
                count++;
            }
            return count;
        }, damaged);
        expect(drawn).toBe(150);
        expect(pageErrors(page)).toEqual([]);
        // The page still works: a good trace draws.
        await show(page, base);
        expect(await page.locator('svg.body g.ending .badge').textContent()).toBe('DELIVERED');
        await page.context().close();
    });

    describe('hostile names', () => {
        const HOSTILE = '<img src=x onerror="window.__pwned=1;acquireVsCodeApi().postMessage({type:\'pwned\'})">';
        const hostileTrace = (): Trace => {
            const t: Trace = JSON.parse(JSON.stringify(seed.trace));
            t.flow.name = `evil${HOSTILE}`;
            t.flow.text = `${HOSTILE} -> </script><script>window.__pwned=2</script>`;
            t.hops[0].namespace = `pod${HOSTILE}`;
            for (const s of t.hops[0].steps) s.namespace = t.hops[0].namespace;
            t.hops[0].steps[0].summary = `app=</script><script>window.__pwned=3</script>${HOSTILE}`;
            t.hops[0].steps[0].details = [HOSTILE];
            t.dispositionReason = `<svg onload="window.__pwned=4">${HOSTILE}`;
            return t;
        };

        for (const csp of [true, false]) {
            it(`renders markup in names as inert text${csp ? ' (with the CSP)' : ' (even without the CSP)'}`, async () => {
                const page = await open({ csp });
                await show(page, hostileTrace());
                await page.locator('svg.body g.step[data-index="0"]').click();
                await page.waitForTimeout(300);
                expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
                expect((await posted(page)).some(m => m.type === 'pwned')).toBe(false);
                expect(await page.locator('img').count()).toBe(0);
                expect(await page.locator('script').count()).toBe(2);
                expect(await page.locator('svg.body svg').count()).toBe(0);
                expect(await page.locator('#details .summary').textContent()).toContain('</script><script>window.__pwned=3</script><img src=x');
                expect(await page.locator('svg.head g.lane-head title').first().textContent()).toContain('<img src=x onerror=');
                expect(await page.evaluate(() => window.__violations)).toEqual([]);
                if (csp) await page.screenshot({ path: path.join(OUT, 'hostile.png') });
                await page.context().close();
            });
        }

        it('the CSP refuses inline script and remote resources (so a slip would still be stopped)', async () => {
            const page = await open();
            await page.evaluate(() => {
                const s = document.createElement('script');
                s.textContent = 'window.__pwned = "inline"';
                document.body.appendChild(s);
                const img = document.createElement('img');
                img.src = 'http://192.0.2.1/x.png';
                document.body.appendChild(img);
            });
            await expect.poll(() => page.evaluate(() => window.__violations.length)).toBeGreaterThanOrEqual(2);
            expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
            const v = await page.evaluate(() => window.__violations);
            expect(v.some(x => x.startsWith('script-src'))).toBe(true);
            expect(v.some(x => x.startsWith('img-src'))).toBe(true);
            await page.context().close();
        });
    });
});
