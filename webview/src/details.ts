/**
 * The selected step in full, like Packet Tracer's PDU view: the header stack before and
 * after the step as nested boxes with every field, changed fields highlighted, the rules
 * hit, devices, MTU, and a link that reveals the deciding declaration in the editor.
 */
import { select, type Selection } from 'd3';
import type { Packet, Step } from '../../server/src/protocol/trace';
import {
    decidedByText, describeChanges, devicesText, diffPackets, headerFields, headerTitle, nestPacket,
    type PacketBox, type StepRow, type TraceLayout,
} from './layout';

type Div = Selection<HTMLElement, unknown, null, undefined>;

export interface DetailHandlers {
    reveal(step: Step): void;
}

export function drawDetails(el: HTMLElement, layout: TraceLayout, row: StepRow | undefined, handlers: DetailHandlers): void {
    const root = select(el);
    root.selectAll('*').remove();
    if (!row) {
        root.append('p').attr('class', 'muted').text('Select a step to see its packet.');
        return;
    }
    const step = row.step;
    const lane = layout.lanes[row.lane];
    const total = layout.rows.filter(r => r.path === row.path).length;
    const ordinal = layout.rows.filter(r => r.path === row.path && r.index <= row.index).length;
    const h2 = root.append('h2');
    h2.append('span').attr('class', 'kind').text(step.kind);
    h2.append('span').text(`${row.path === 'reply' ? 'Reply step' : 'Step'} ${ordinal} of ${total} · ${lane.namespace}`);
    root.append('p').attr('class', 'summary').text(step.summary);

    const chips = describeChanges(step.changes, step);
    if (chips.length) {
        const c = root.append('div').attr('class', 'chips');
        for (const chip of chips) c.append('span').attr('class', `chip${chip.nat ? ' nat' : ''}`).text(chip.text);
    }

    const dl = root.append('dl');
    const item = (k: string, v: string | undefined) => {
        if (v === undefined || v === '') return;
        dl.append('dt').text(k);
        dl.append('dd').text(v);
    };
    item('namespace', `${lane.namespace} (${lane.kind}${lane.node ? ` on ${lane.node}` : ''})`);
    item('devices', devicesText(step));
    item('MTU out', step.mtu !== undefined ? String(step.mtu) : undefined);
    item('decided by', decidedByText(step) ?? step.decidedBy);
    item('length', `${step.packet.length} bytes`);
    dl.append('dt').text('source');
    const dd = dl.append('dd');
    dd.append('span').attr('class', 'generated-note')
        .text(step.generated ? 'generated (CNI / kube-proxy defaults) ' : 'declared in the file ');
    if (step.source) {
        dd.append('button').attr('class', 'reveal').attr('type', 'button')
            .text(`line ${step.source.start.line + 1}`).on('click', () => handlers.reveal(step));
    }
    if (step.details?.length) {
        const ul = root.append('ul').attr('class', 'rules');
        for (const line of step.details) ul.append('li').text(line);
    }

    const pdu = root.append('div').attr('class', 'pdu');
    if (step.before) {
        const diff = diffPackets(step.before, step.packet);
        drawPacket(pdu.append<HTMLElement>('div').attr('class', 'pdu-col before'), 'Before', step.before, diff.changedBefore, new Set(), diff.removed);
        drawPacket(pdu.append<HTMLElement>('div').attr('class', 'pdu-col after'), 'After', step.packet, diff.changedAfter, diff.added, new Set());
    } else {
        drawPacket(pdu.append<HTMLElement>('div').attr('class', 'pdu-col after'), 'Packet', step.packet, new Set(), new Set(), new Set());
    }
}

function drawPacket(col: Div, caption: string, packet: Packet, changed: Set<string>, added: Set<number>, removed: Set<number>): void {
    col.append('h3').text(caption);
    drawBox(col, nestPacket(packet.headers), changed, added, removed);
    col.append('div').attr('class', 'pkt-len').text(`${packet.length} bytes (outermost IP packet)`);
}

function drawBox(parent: Div, box: PacketBox, changed: Set<string>, added: Set<number>, removed: Set<number>): void {
    const div = parent.append<HTMLElement>('div').attr('class', `pkt-box depth-${Math.min(box.depth, 2)}`).attr('data-depth', box.depth);
    div.append('div').attr('class', 'pkt-caption').text(box.depth === 0 ? 'packet' : 'inner packet (encapsulated)');
    for (const { index, header } of box.headers) {
        const h = div.append('div').attr('class', `hdr-box hdr-${header.kind}${added.has(index) ? ' added' : ''}${removed.has(index) ? ' removed' : ''}`)
            .attr('data-header', index);
        h.append('span').attr('class', 'hdr-name').text(headerTitle(header) + (added.has(index) ? ' (pushed)' : removed.has(index) ? ' (popped)' : ''));
        for (const f of headerFields(header)) {
            const span = h.append('span').attr('class', `field${changed.has(`${index}:${f.key}`) ? ' changed' : ''}`).attr('data-field', f.key);
            span.append('span').attr('class', 'k').text(f.label);
            span.append('span').attr('class', 'v').text(f.value);
        }
    }
    if (box.inner) drawBox(div, box.inner, changed, added, removed);
}
