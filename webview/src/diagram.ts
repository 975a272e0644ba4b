/**
 * Draws a trace as a swim-lane diagram with d3: a lane per network namespace (in the order
 * the packet visits them), a row per step with a marker in its lane, connectors from step to
 * step (thick through an overlay tunnel), and, where the packet changed, its header stack as
 * nested boxes (the packet inside the packet). The disposition closes each path.
 *
 * Every string from the document goes in with `.text()`; nothing here builds markup.
 */
import { select, type Selection } from 'd3';
import type { Trace } from '../../server/src/protocol/trace';
import {
    decidedByText, describeChanges, devicesText, diffPackets, dispositionWords, flowTitle,
    headerLabelAt, isEncapsulated, laneLabel, nestPacket, type Ending, type LabelDetail, type PacketBox, type StepRow, type TraceLayout,
} from './layout';
import type { TextMeasure, TextStyle } from './measure';

/** 0.3333333 → "0.333", 0.5 → "0.5", 1 → "1": as iptables-save prints probabilities, shortened. */
export function formatProbability(p: number): string {
    return p.toFixed(3).replace(/\.?0+$/, '');
}

type G = Selection<SVGGElement, unknown, null, undefined>;

const PAD = 12;
const ROW_BASE = 42;
const STRIP = 24;
const ENDING_HEIGHT = 48;
const DIVIDER_HEIGHT = 30;

const S = {
    title: { family: 'sans', size: 14, weight: 600 },
    summary: { family: 'mono', size: 12.5 },
    summaryGenerated: { family: 'mono', size: 12.5, italic: true },
    meta: { family: 'sans', size: 11.5 },
    chip: { family: 'sans', size: 11.5, weight: 600 },
    tag: { family: 'sans', size: 10, weight: 700, spacing: 0.04 },
    hdr: { family: 'mono', size: 10.5 },
    laneName: { family: 'sans', size: 11.5, weight: 600 },
    laneKind: { family: 'sans', size: 10.5 },
    badge: { family: 'sans', size: 13, weight: 700 },
    legend: { family: 'sans', size: 11 },
} satisfies Record<string, TextStyle>;

export interface Geometry {
    width: number;
    laneWidth: number;
    textX: number;
    textWidth: number;
    laneX(i: number): number;
}

export function geometry(width: number, lanes: number): Geometry {
    const w = Math.max(300, width);
    const n = Math.max(1, lanes);
    let laneWidth: number;
    if (w >= 760) {
        // Narrower panels give the lanes a larger share, so that node names stay legible.
        laneWidth = Math.max(60, Math.min(120, (w * (w < 1000 ? 0.44 : 0.34)) / n));
    } else {
        // A panel beside the editor: thin lanes with their names turned on end, room for the text.
        laneWidth = Math.max(22, Math.min(60, (w * 0.32) / n));
    }
    // Many namespaces (a packet wandering through routed networks): thinner lanes, never a wider page.
    if (laneWidth * n > w * 0.6) laneWidth = Math.max(14, (w * 0.6) / n);
    const textX = PAD + laneWidth * n + 14;
    return { width: w, laneWidth, textX, textWidth: Math.max(120, w - textX - PAD), laneX: i => PAD + laneWidth * (i + 0.5) };
}

/** Where each row and ending sits vertically in the body. */
interface Placed {
    rowY: number[];
    rowH: number[];
    endingY: Map<number, number>;
    dividerY?: number;
    height: number;
}

function place(layout: TraceLayout): Placed {
    const rowY: number[] = [], rowH: number[] = [];
    const endingY = new Map<number, number>();
    let y = 8, dividerY: number | undefined;
    const endings = [...layout.endings];
    const placeEndingsAfter = (row: number) => {
        while (endings.length && endings[0].afterRow === row) {
            const e = endings.shift()!;
            endingY.set(layout.endings.indexOf(e), y);
            y += ENDING_HEIGHT;
        }
    };
    placeEndingsAfter(-1);
    for (const row of layout.rows) {
        if (row.path === 'reply' && dividerY === undefined) {
            dividerY = y;
            y += DIVIDER_HEIGHT;
        }
        rowY.push(y);
        const h = ROW_BASE + (row.packetChanged ? STRIP : 0);
        rowH.push(h);
        y += h;
        placeEndingsAfter(row.index);
    }
    for (const e of endings) { endingY.set(layout.endings.indexOf(e), y); y += ENDING_HEIGHT; }
    return { rowY, rowH, endingY, dividerY, height: y + 12 };
}

export interface DiagramHandlers {
    /** A row was clicked: select it (and reveal its declaration). */
    select(index: number): void;
}

export interface Drawn {
    geometry: Geometry;
    rowY: number[];
    rowH: number[];
    /** How far down to scroll to see a row whole: past its path's ending when it is the last step. */
    rowBottom: number[];
}

/** The fixed part above the scrolling rows: title, disposition, legend, lane headings. Returns its height. */
export function drawHead(svgEl: SVGSVGElement, trace: Trace, layout: TraceLayout, g: Geometry, m: TextMeasure): number {
    const svg = select(svgEl);
    svg.selectAll('*').remove();
    svg.attr('class', 'knet-diagram head');
    const avail = g.width - 2 * PAD;

    // Title and disposition on one line, or the disposition below when the panel is narrow.
    const success = layout.endings[0]?.success ?? false;
    const disp = `${trace.disposition}`;
    const tail = ` · ${dispositionWords(trace.disposition)} · path MTU ${trace.pathMtu}`;
    const dispW = m.width(disp, S.badge) + m.width(tail, S.meta);
    const full = flowTitle(trace);
    const oneLine = m.width(full, S.title) + 16 + dispW <= avail;
    const title = m.fit(full, oneLine ? avail : avail, S.title);
    const t = svg.append('text').attr('class', 'title').attr('x', PAD).attr('y', 22).text(title);
    t.append('title').text(full);
    let y = 22;
    const dx = oneLine ? PAD + m.width(title, S.title) + 16 : PAD;
    if (!oneLine) y += 20;
    const dt = svg.append('text').attr('x', dx).attr('y', y).attr('class', 'flow-disposition');
    dt.append('tspan').attr('class', `disp badge ${success ? 'success' : 'failure'}`).attr('font-weight', 700).text(disp);
    dt.append('tspan').attr('class', 'muted').text(m.fit(tail, avail - (dx - PAD) - m.width(disp, S.badge), S.meta));

    // Legend: what dashed, orange and thick purple mean; wraps on a narrow panel.
    const legendTop = y + 16;
    const legend = svg.append('g').attr('class', 'legend').attr('transform', `translate(${PAD},${legendTop})`);
    let lx = 0, ly = 0;
    const items: Array<[(x: number, y: number) => void, string, string]> = [
        [(x, y) => legend.append('rect').attr('class', 'declared').attr('x', x).attr('y', y + 1).attr('width', 11).attr('height', 11).attr('rx', 2), 'declared in the file', 'declared'],
        [(x, y) => legend.append('rect').attr('class', 'generated').attr('x', x).attr('y', y + 1).attr('width', 11).attr('height', 11).attr('rx', 2), 'generated (CNI / kube-proxy defaults), in italics', 'generated, in italics'],
        [(x, y) => legend.append('rect').attr('class', 'nat').attr('x', x).attr('y', y).attr('width', 13).attr('height', 13).attr('rx', 2), 'NAT change', 'NAT'],
        [(x, y) => legend.append('line').attr('class', 'tunnel').attr('x1', x).attr('x2', x + 13).attr('y1', y + 6).attr('y2', y + 6), 'overlay tunnel', 'tunnel'],
    ];
    // One line if the full words fit, else the short words, else as many lines as it takes.
    const lineWidth = (k: 1 | 2) => items.reduce((sum, it) => sum + 36 + m.width(it[k], S.legend), -18);
    const k: 1 | 2 = lineWidth(1) <= avail ? 1 : 2;
    for (const [draw, ...labels] of items) {
        const label = labels[k - 1];
        const w = 18 + m.width(label, S.legend);
        if (lx > 0 && lx + w > avail) { lx = 0; ly += 18; }
        draw(lx, ly);
        legend.append('text').attr('x', lx + 18).attr('y', ly + 10).text(label);
        lx += w + 18;
    }

    // Lane headings: upright while a name fits across its lane, turned on end when lanes are thin.
    const top = legendTop + ly + 24;
    const upright = g.laneWidth >= 56;
    const headH = upright ? 42 : 74;
    const heads = svg.append('g').attr('class', 'lanes');
    for (const lane of layout.lanes) {
        const x = g.laneX(lane.index) - g.laneWidth / 2 + 1.5;
        const w = g.laneWidth - 3;
        const h = heads.append('g').attr('class', `lane-head lane-${lane.kind}`)
            .attr('data-namespace', lane.namespace).attr('data-kind', lane.kind);
        h.append('title').text(`${lane.namespace} (${lane.kind}${lane.node ? ` on ${lane.node}` : ''})`);
        h.append('rect').attr('x', x).attr('y', top).attr('width', w).attr('height', headH).attr('rx', 4);
        const room = (upright ? w : headH) - 6;
        const name = m.fit(m.width(lane.namespace, S.laneName) <= room ? lane.namespace : laneLabel(lane.namespace, lane.kind), room, S.laneName);
        const kindFull = lane.kind === 'pod' && lane.node ? `pod on ${lane.node}` : lane.kind;
        const kind = [kindFull, lane.node ? `on ${lane.node}` : lane.kind, lane.kind].find(k => m.width(k, S.laneKind) <= room)
            ?? m.fit(lane.kind, room, S.laneKind);
        if (upright) {
            h.append('text').attr('class', 'lane-name').attr('x', x + w / 2).attr('y', top + 18).attr('text-anchor', 'middle').text(name);
            h.append('text').attr('class', 'lane-kind').attr('x', x + w / 2).attr('y', top + 34).attr('text-anchor', 'middle').text(kind);
        } else {
            const turned = h.append('g').attr('transform', `translate(${x + w / 2},${top + headH - 5}) rotate(-90)`);
            const twoLines = w >= 24;
            turned.append('text').attr('class', 'lane-name').attr('x', 0).attr('y', twoLines ? 0 : 4).text(name);
            if (twoLines) turned.append('text').attr('class', 'lane-kind').attr('x', 0).attr('y', 11).text(kind);
        }
    }
    const height = top + headH + 6;
    svg.attr('width', g.width).attr('height', height).attr('viewBox', `0 0 ${g.width} ${height}`);
    return height;
}

/** The scrolling part: lanes, a row per step, connectors, endings. */
export function drawBody(svgEl: SVGSVGElement, trace: Trace, layout: TraceLayout, g: Geometry, m: TextMeasure,
    handlers: DiagramHandlers): Drawn {
    const placed = place(layout);
    const svg = select(svgEl);
    svg.selectAll('*').remove();
    svg.attr('class', 'knet-diagram body').attr('width', g.width).attr('height', placed.height)
        .attr('viewBox', `0 0 ${g.width} ${placed.height}`).attr('role', 'list')
        .attr('aria-label', `Steps of ${flowTitle(trace)}`);

    const lanes = svg.append('g').attr('class', 'lanes');
    // Row backgrounds sit under the lanes and connectors, so a selected row never hides the path.
    const backgrounds = svg.append('g').attr('class', 'row-bgs');
    for (const row of layout.rows) {
        backgrounds.append('rect').attr('class', 'row-bg').attr('data-index', row.index).attr('x', 1).attr('y', placed.rowY[row.index] + 1)
            .attr('width', g.width - 2).attr('height', placed.rowH[row.index] - 2).attr('rx', 3);
    }
    for (const lane of layout.lanes) {
        const lg = lanes.append('g').attr('class', `lane lane-${lane.kind}`).attr('data-namespace', lane.namespace);
        lg.append('rect').attr('class', 'lane-band').attr('x', g.laneX(lane.index) - g.laneWidth / 2 + 3).attr('y', 0)
            .attr('width', g.laneWidth - 6).attr('height', placed.height);
        lg.append('line').attr('class', 'lane-line').attr('x1', g.laneX(lane.index)).attr('x2', g.laneX(lane.index))
            .attr('y1', 0).attr('y2', placed.height);
    }

    if (placed.dividerY !== undefined) {
        const d = svg.append('g').attr('class', 'divider');
        d.append('line').attr('x1', PAD).attr('x2', g.width - PAD).attr('y1', placed.dividerY + 8).attr('y2', placed.dividerY + 8);
        d.append('text').attr('x', g.textX).attr('y', placed.dividerY + 24).attr('class', 'muted')
            .text('Reply: the endpoint answers; conntrack reverses the NAT on the way back');
    }

    const markerY = (i: number) => placed.rowY[i] + 16;
    const connectors = svg.append('g').attr('class', 'connectors');
    for (const row of layout.rows) {
        const prev = layout.rows[row.index - 1];
        if (!prev || prev.path !== row.path) continue;
        const x1 = g.laneX(prev.lane), y1 = markerY(prev.index), x2 = g.laneX(row.lane), y2 = markerY(row.index);
        const mid = (y1 + y2) / 2;
        connectors.append('path')
            // The connector carries the previous step's packet: a tunnel while that is encapsulated.
            .attr('class', `connector${isEncapsulated(prev.step.packet.headers) ? ' tunnel' : ''}`)
            .attr('data-to', row.index)
            .attr('d', x1 === x2 ? `M${x1},${y1}V${y2}` : `M${x1},${y1}C${x1},${mid} ${x2},${mid} ${x2},${y2}`);
    }
    // Each ending hangs below the last step of its path.
    layout.endings.forEach((e, i) => {
        const last = layout.rows[e.afterRow];
        const y = placed.endingY.get(i);
        if (!last || last.path !== e.path || y === undefined) return;
        const x = g.laneX(e.lane);
        connectors.append('path').attr('class', 'connector').attr('d', `M${g.laneX(last.lane)},${markerY(last.index)}L${x},${y + 18}`);
    });

    // Where kube-proxy chose among endpoints, the DNAT row says which one of how many.
    const alts = trace.alternatives ?? [];
    const chosen = alts.findIndex(a => a.chosen);
    const balancedRow = alts.length > 1 && chosen >= 0
        ? layout.rows.find(r => r.path === 'forward' && r.step.kind === 'nat' && r.step.changes?.some(c => c.field === 'ipv4.dst'))
        : undefined;
    const balanced = balancedRow ? `endpoint ${chosen + 1} of ${alts.length}${alts[chosen].probability !== undefined
        ? ` (p=${formatProbability(alts[chosen].probability!)})` : alts[chosen].rule ? ` (${alts[chosen].rule})` : ''}` : undefined;
    const rows = svg.append('g').attr('class', 'rows');
    for (const row of layout.rows) {
        drawRow(rows, row, placed.rowY[row.index], placed.rowH[row.index], layout, g, m, handlers, row === balancedRow ? balanced : undefined);
    }
    layout.endings.forEach((e, i) => {
        const y = placed.endingY.get(i);
        if (y !== undefined) drawEnding(svg.append('g'), e, y, g, m);
    });
    const rowBottom = placed.rowY.map((y, i) => y + placed.rowH[i]);
    layout.endings.forEach((e, i) => {
        const y = placed.endingY.get(i);
        if (e.afterRow >= 0 && y !== undefined) rowBottom[e.afterRow] = Math.max(rowBottom[e.afterRow], y + ENDING_HEIGHT);
    });
    return { geometry: g, rowY: placed.rowY, rowH: placed.rowH, rowBottom };
}

function drawRow(parent: G, row: StepRow, y: number, h: number, layout: TraceLayout, g: Geometry, m: TextMeasure,
    handlers: DiagramHandlers, balanced?: string): void {
    const step = row.step;
    const lane = layout.lanes[row.lane];
    const r = parent.append('g')
        .attr('class', `step k-${step.kind} lane-${lane.kind}${step.generated ? ' generated' : ' declared'}`)
        .attr('data-index', row.index).attr('data-kind', step.kind).attr('data-path', row.path)
        .attr('data-namespace', step.namespace || lane.namespace)
        .attr('role', 'listitem').attr('tabindex', -1)
        .attr('aria-label', `Step ${row.index + 1}, ${step.kind} in ${lane.namespace}: ${step.summary}`)
        .on('click', () => handlers.select(row.index));
    r.append('title').text([step.summary, decidedByText(step), ...(step.details ?? [])].filter(Boolean).join('\n'));
    r.append('rect').attr('class', 'row-hit').attr('x', 1).attr('y', y + 1).attr('width', g.width - 2).attr('height', h - 2).attr('rx', 3);
    r.append('rect').attr('class', 'marker').attr('x', g.laneX(row.lane) - 6).attr('y', y + 10).attr('width', 12).attr('height', 12).attr('rx', 3);

    // Line 1: KIND summary
    const tagText = step.kind.toUpperCase();
    const tagW = m.width(tagText, S.tag) + 10;
    const tag = r.append('g').attr('class', 'kind-tag');
    tag.append('rect').attr('x', g.textX).attr('y', y + 7).attr('width', tagW).attr('height', 16).attr('rx', 3);
    tag.append('text').attr('x', g.textX + 5).attr('y', y + 19).text(tagText);
    const sx = g.textX + tagW + 8;
    r.append('text').attr('class', 'summary mono').attr('x', sx).attr('y', y + 20)
        .text(m.fit(step.summary, g.width - PAD - sx, step.generated ? S.summaryGenerated : S.summary));

    // Line 2: NAT/TTL change chips, then where, devices, MTU and the deciding rule.
    let x = g.textX;
    const right = g.width - PAD;
    for (const chip of describeChanges(step.changes, step)) {
        const style = chip.nat ? S.chip : S.meta;
        const text = [chip.text, chip.short].find(t => t !== undefined && x + m.width(t, style) + 10 <= right);
        if (!text) break;
        const w = m.width(text, style) + 10;
        const c = r.append('g').attr('class', `change${chip.nat ? ' nat' : ' minor'}`);
        c.append('rect').attr('x', x).attr('y', y + 26).attr('width', w).attr('height', 15).attr('rx', 3);
        c.append('text').attr('x', x + 5).attr('y', y + 37).text(text);
        if (text !== chip.text) c.append('title').text(chip.text);
        x += w + 6;
    }
    const meta = [
        balanced,
        row.firstInHop ? lane.namespace : undefined,
        devicesText(step),
        step.mtu !== undefined ? `mtu ${step.mtu}` : undefined,
        decidedByText(step) ? `by ${decidedByText(step)}` : undefined,
        step.generated ? 'generated' : 'declared',
    ].filter(Boolean).join('  ·  ');
    r.append('text').attr('class', 'meta').attr('x', x).attr('y', y + 37).text(m.fit(meta, right - x, S.meta));

    if (row.packetChanged) drawPacketStrip(r, row, y + ROW_BASE - 2, g, m);
}

/** The header stack as nested boxes on one line; falls back to short tags when narrow. */
function drawPacketStrip(parent: G, row: StepRow, y: number, g: Geometry, m: TextMeasure): void {
    const step = row.step;
    const box = nestPacket(step.packet.headers);
    const natChanged = new Set<number>();
    if (step.before && step.kind === 'nat') {
        const diff = diffPackets(step.before, step.packet);
        for (const key of diff.changedAfter) {
            const [index, field] = key.split(':');
            if (/^(src|dst|srcPort|dstPort)$/.test(field)) natChanged.add(Number(index));
        }
    }
    const lenText = `${step.packet.length} B`;
    const available = g.width - PAD - g.textX - m.width(lenText, S.hdr) - 10;
    const detail = (['full', 'medium'] as const).find(d => boxWidth(box, d, m) <= available) ?? 'compact';
    const strip = parent.append('g').attr('class', 'packet-strip mono');
    const w = drawBox(strip, box, g.textX, y, 20, detail, natChanged, m);
    strip.append('text').attr('class', 'muted pkt-length').attr('x', g.textX + w + 8).attr('y', y + 14).text(lenText);
}

const BOX_PAD = 5, HDR_GAP = 9;

function labelOf(h: PacketBox['headers'][number]['header'], detail: LabelDetail): string {
    return headerLabelAt(h, detail);
}

function boxWidth(box: PacketBox, compact: LabelDetail, m: TextMeasure): number {
    let w = BOX_PAD;
    for (const { header } of box.headers) w += m.width(labelOf(header, compact), S.hdr) + HDR_GAP;
    if (box.inner) w += boxWidth(box.inner, compact, m) + 3;
    return w + BOX_PAD - (box.inner ? 0 : HDR_GAP - 2);
}

function drawBox(parent: G, box: PacketBox, x: number, y: number, h: number, compact: LabelDetail,
    natChanged: Set<number>, m: TextMeasure): number {
    const g = parent.append('g').attr('class', `pkt depth-${Math.min(box.depth, 2)}`).attr('data-depth', box.depth);
    const rect = g.append('rect').attr('x', x).attr('y', y).attr('height', h).attr('rx', 3);
    let cx = x + BOX_PAD;
    box.headers.forEach(({ index, header }, i) => {
        const label = labelOf(header, compact);
        const encapUdp = header.kind === 'udp' && box.inner !== undefined;
        const hg = g.append('g').attr('class', `hdr hdr-${header.kind}${encapUdp ? ' encap' : ''}${natChanged.has(index) ? ' nat-changed' : ''}`)
            .attr('data-header', index);
        hg.append('text').attr('x', cx).attr('y', y + h / 2 + 3.5).text(label);
        cx += m.width(label, S.hdr) + HDR_GAP;
        if (i < box.headers.length - 1 || box.inner) {
            hg.append('line').attr('x1', cx - HDR_GAP / 2).attr('x2', cx - HDR_GAP / 2).attr('y1', y + 3).attr('y2', y + h - 3);
        }
    });
    if (box.inner) {
        const w = drawBox(g, box.inner, cx - 2, y + 2.5, h - 5, compact, natChanged, m);
        cx += w + 1;
    } else {
        cx -= HDR_GAP - 2;
    }
    const width = cx - x + BOX_PAD - 2;
    rect.attr('width', width);
    return width;
}

function drawEnding(g: G, e: Ending, y: number, geo: Geometry, m: TextMeasure): void {
    g.attr('class', `ending ${e.success ? 'success' : 'failure'}`).attr('data-path', e.path).attr('data-disposition', e.disposition);
    const x = geo.laneX(e.lane);
    g.append('circle').attr('class', 'end-mark').attr('cx', x).attr('cy', y + 20).attr('r', 9);
    g.append('text').attr('class', 'end-glyph').attr('x', x).attr('y', y + 24).attr('text-anchor', 'middle').text(e.success ? '✓' : '✕');
    const badge = e.disposition;
    g.append('text').attr('class', 'badge').attr('x', geo.textX).attr('y', y + 20).text(badge);
    const words = `${dispositionWords(e.disposition)}${e.at ? ` at ${e.at}` : ''} · path MTU ${e.pathMtu}`;
    const bx = geo.textX + m.width(badge, S.badge) + 10;
    g.append('text').attr('class', 'muted').attr('x', bx).attr('y', y + 20).text(m.fit(words, geo.width - PAD - bx, S.meta));
    g.append('text').attr('class', 'reason').attr('x', geo.textX).attr('y', y + 37).text(m.fit(e.reason, geo.width - PAD - geo.textX, S.meta));
}

