/**
 * The trace panel's page. It receives traces from the extension (see
 * server/src/protocol/messages.ts), draws them, lets the user step through them like a
 * simulator, and asks the extension to reveal declarations, follow another load-balancing
 * choice, or save the diagram. What it shows is kept with `setState`, so hiding and
 * re-showing the panel (or reloading the window) brings back the same trace and step.
 */
import { select } from 'd3';
import { isToWebview, type FromWebview, type ToWebview } from '../../server/src/protocol/messages';
import type { Step, Trace } from '../../server/src/protocol/trace';
import { drawBody, drawHead, formatProbability, geometry, type Drawn } from './diagram';
import { drawDetails } from './details';
import { clampRow, flowTitle, layoutTrace, type TraceLayout } from './layout';
import { TextMeasure } from './measure';
import { DIAGRAM_CSS, PAGE_CSS } from './style';

interface VsCodeApi {
    postMessage(message: unknown): void;
    getState(): unknown;
    setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** What survives the panel being hidden: the trace on screen and where the user was. */
interface PanelState {
    uri?: string;
    flow?: string;
    trace?: Trace;
    current: boolean;
    selected: number;
    showReply: boolean;
    choice?: number;
    staleReason?: string;
}

// The nonce the extension put on this script also admits our <style> (CSP: no inline styles otherwise).
const NONCE = (document.currentScript as HTMLScriptElement | null)?.nonce ?? '';
const PLAY_INTERVAL_MS = 900;

const vscode = acquireVsCodeApi();
const post = (m: FromWebview) => vscode.postMessage(m);

function restoreState(): PanelState {
    const s = vscode.getState() as Partial<PanelState> | undefined;
    const base: PanelState = { current: false, selected: 0, showReply: false };
    if (!s || typeof s !== 'object') return base;
    return {
        ...base,
        uri: typeof s.uri === 'string' ? s.uri : undefined,
        flow: typeof s.flow === 'string' ? s.flow : undefined,
        trace: isToWebview({ type: 'trace', uri: '', flow: '', current: false, trace: s.trace }) ? s.trace : undefined,
        // A restored trace was computed before the panel was hidden or the window reloaded:
        // not current until the extension answers with a fresh one.
        current: false,
        staleReason: 'shown as it was before the panel was hidden; waiting for the language server',
        selected: typeof s.selected === 'number' ? s.selected : 0,
        showReply: s.showReply === true,
        choice: typeof s.choice === 'number' ? s.choice : undefined,
    };
}

let state = restoreState();
let layout: TraceLayout | undefined;
let drawn: Drawn | undefined;
let playTimer: number | undefined;
let statusTimer: number | undefined;
let lastWidth = 0;

// ---- page skeleton -----------------------------------------------------------------

const style = document.createElement('style');
style.nonce = NONCE;
style.textContent = PAGE_CSS + DIAGRAM_CSS;
document.head.appendChild(style);

const app = select(document.body).append('div').attr('id', 'app');
const toolbar = app.append('div').attr('id', 'toolbar').attr('role', 'toolbar').attr('aria-label', 'Trace controls');
const btnPrev = toolbar.append('button').attr('id', 'prev').attr('type', 'button').attr('title', 'Previous step (← or ↑)').text('◀ Back');
const btnPlay = toolbar.append('button').attr('id', 'play').attr('type', 'button').attr('title', 'Play the packet\'s path (Space)').text('▶ Play');
const btnNext = toolbar.append('button').attr('id', 'next').attr('type', 'button').attr('title', 'Next step (→ or ↓)').text('Forward ▶');
const counter = toolbar.append('span').attr('class', 'counter').attr('aria-live', 'polite');
toolbar.append('span').attr('class', 'sep');
const choiceLabel = toolbar.append('label').attr('id', 'choice-label');
choiceLabel.append('span').text('Endpoint');
const choiceSelect = choiceLabel.append('select').attr('id', 'choice').attr('title', 'Where kube-proxy balances: follow another endpoint');
const replyLabel = toolbar.append('label').attr('id', 'reply-label').attr('title', 'Show the reply (conntrack reverses the NAT)');
const replyBox = replyLabel.append('input').attr('type', 'checkbox').attr('id', 'reply');
replyLabel.append('span').text('Reply path');
toolbar.append('span').attr('class', 'spacer');
const btnExport = toolbar.append('button').attr('id', 'export').attr('type', 'button').attr('title', 'Save the diagram as an SVG file').text('Export SVG');
const status = app.append('div').attr('id', 'status').attr('role', 'status');
const headWrap = app.append('div').attr('id', 'head');
const headSvg = headWrap.append('svg').node()!;
const diagram = app.append('div').attr('id', 'diagram').attr('tabindex', -1);
const empty = diagram.append('div').attr('id', 'empty');
const bodySvg = diagram.append('svg').node()!;
const details = app.append('section').attr('id', 'details').attr('aria-label', 'Selected step');

const measure = new TextMeasure(document);

// ---- state and drawing ---------------------------------------------------------------

function save(): void {
    vscode.setState(state);
}

function setStatus(kind: 'stale' | 'error' | 'info' | '', text: string, clearAfterMs?: number): void {
    if (statusTimer !== undefined) window.clearTimeout(statusTimer);
    statusTimer = undefined;
    status.attr('class', kind).text(text);
    if (clearAfterMs) statusTimer = window.setTimeout(() => showStaleness(), clearAfterMs);
}

function showStaleness(): void {
    if (state.trace && !state.current) {
        setStatus('stale', `Not current: ${state.staleReason ?? 'the cursor is on no flow'}. Showing the last trace, of ${state.flow ?? state.trace.flow.name}.`);
    } else {
        setStatus('', '');
    }
    diagram.classed('stale', !!state.trace && !state.current);
}

function render(): void {
    const trace = state.trace;
    app.classed('no-trace', !trace);
    if (!trace) {
        layout = undefined;
        drawn = undefined;
        select(headSvg).selectAll('*').remove();
        select(bodySvg).selectAll('*').remove();
        select(bodySvg).attr('width', 0).attr('height', 0);
        empty.style('display', '').text('Put the cursor on a flow in a .knet file to see its packet trace here.');
        details.selectAll('*').remove();
        updateControls();
        showStaleness();
        return;
    }
    empty.style('display', 'none').text('');
    layout = layoutTrace(trace, state.showReply && !!trace.reply);
    const width = Math.floor((diagram.node()!.clientWidth || window.innerWidth) - 2);
    lastWidth = width;
    const g = geometry(width, layout.lanes.length);
    drawHead(headSvg, trace, layout, g, measure);
    drawn = drawBody(bodySvg, trace, layout, g, measure, { select: i => selectStep(i, { reveal: true, focus: false }) });
    state.selected = clampRow(state.selected, layout);
    updateChoices(trace);
    updateSelection(false);
    showStaleness();
}

function updateChoices(trace: Trace): void {
    const alts = trace.alternatives ?? [];
    choiceLabel.style('display', alts.length > 1 ? '' : 'none');
    const opts = choiceSelect.selectAll<HTMLOptionElement, unknown>('option').data(alts);
    opts.exit().remove();
    opts.enter().append('option').merge(opts)
        .attr('value', a => String(a.choice))
        .property('selected', a => a.chosen)
        .text(a => `${a.description}${a.probability !== undefined ? ` · p=${formatProbability(a.probability)}` : ''}${a.rule ? ` · ${a.rule}` : ''}`);
    replyBox.property('checked', state.showReply).property('disabled', !trace.reply);
    replyLabel.classed('disabled', !trace.reply).attr('title', trace.reply ? 'Show the reply (conntrack reverses the NAT)' : 'No reply: the forward path did not succeed');
}

function updateControls(): void {
    const n = layout?.rows.length ?? 0;
    btnPrev.property('disabled', n === 0 || state.selected <= 0);
    btnNext.property('disabled', n === 0 || state.selected >= n - 1);
    btnPlay.property('disabled', n === 0).text(playTimer !== undefined ? '❚❚ Pause' : '▶ Play');
    btnExport.property('disabled', n === 0 && !state.trace);
    const row = layout?.rows[state.selected];
    const inPath = row ? layout!.rows.filter(r => r.path === row.path) : [];
    counter.text(row ? `${row.path === 'reply' ? 'Reply step' : 'Step'} ${inPath.indexOf(row) + 1} / ${inPath.length}` : '');
    if (!state.trace) {
        choiceLabel.style('display', 'none');
        replyBox.property('disabled', true);
    }
}

/** Marks the selected row, lights its incoming connector, fills the details pane. */
function updateSelection(scroll: boolean): void {
    if (!layout) return updateControls();
    const sel = state.selected;
    const body = select(bodySvg);
    body.selectAll<SVGGElement, unknown>('g.step').each(function () {
        const i = Number(this.getAttribute('data-index'));
        select(this).classed('selected', i === sel).classed('future', playTimer !== undefined && i > sel)
            .attr('tabindex', i === sel ? 0 : -1).attr('aria-current', i === sel ? 'step' : null);
    });
    body.selectAll<SVGRectElement, unknown>('rect.row-bg').classed('selected', function () {
        return Number(this.getAttribute('data-index')) === sel;
    });
    body.selectAll<SVGPathElement, unknown>('path.connector').classed('lit', function () {
        return Number(this.getAttribute('data-to')) === sel;
    });
    drawDetails(details.node()!, layout, layout.rows[sel], { reveal });
    if (scroll && drawn && drawn.rowY[sel] !== undefined) {
        const el = diagram.node()!;
        const top = drawn.rowY[sel], bottom = drawn.rowBottom[sel];
        if (top < el.scrollTop) el.scrollTop = Math.max(0, top - 8);
        else if (bottom > el.scrollTop + el.clientHeight) el.scrollTop = Math.min(top - 8, bottom - el.clientHeight + 8);
    }
    updateControls();
    save();
}

function rowElement(i: number): SVGGElement | null {
    return bodySvg.querySelector(`g.step[data-index="${i}"]`);
}

function selectStep(i: number, how: { reveal: boolean; focus: boolean }): void {
    if (!layout || !layout.rows.length) return;
    state.selected = clampRow(i, layout);
    updateSelection(true);
    if (how.focus) rowElement(state.selected)?.focus({ preventScroll: true });
    if (how.reveal) reveal(layout.rows[state.selected].step);
}

function reveal(step: Step): void {
    if (step.source && state.uri) post({ type: 'reveal', uri: state.uri, range: step.source });
}

function stopPlaying(): void {
    if (playTimer !== undefined) window.clearInterval(playTimer);
    playTimer = undefined;
    updateSelection(false);
}

function togglePlay(): void {
    if (!layout?.rows.length) return;
    if (playTimer !== undefined) return stopPlaying();
    if (state.selected >= layout.rows.length - 1) state.selected = 0;
    playTimer = window.setInterval(() => {
        if (!layout || state.selected >= layout.rows.length - 1) return stopPlaying();
        selectStep(state.selected + 1, { reveal: true, focus: false });
    }, PLAY_INTERVAL_MS);
    selectStep(state.selected, { reveal: true, focus: false });
}

// ---- export --------------------------------------------------------------------------

/** The head and body as one self-contained SVG, theme colours resolved to their current values. */
function exportSvg(): string {
    const ns = 'http://www.w3.org/2000/svg';
    const width = Number(bodySvg.getAttribute('width')) || lastWidth;
    const headH = Number(headSvg.getAttribute('height')) || 0;
    const bodyH = Number(bodySvg.getAttribute('height')) || 0;
    const out = document.createElementNS(ns, 'svg');
    out.setAttribute('xmlns', ns);
    out.setAttribute('class', 'knet-diagram');
    out.setAttribute('width', String(width));
    out.setAttribute('height', String(headH + bodyH));
    out.setAttribute('viewBox', `0 0 ${width} ${headH + bodyH}`);
    const computed = getComputedStyle(document.body);
    const vars = [...new Set(DIAGRAM_CSS.match(/--vscode-[\w-]+/g) ?? [])]
        .map(v => [v, computed.getPropertyValue(v).trim()] as const)
        .filter(([, value]) => value && !/[<>{}]/.test(value))
        .map(([v, value]) => `${v}: ${value};`).join(' ');
    // Never connected to this document, so the CSP's style rules do not apply to it.
    const css = document.createElementNS(ns, 'style');
    css.textContent = `svg.knet-diagram { ${vars} } ${DIAGRAM_CSS}`;
    out.appendChild(css);
    const bg = document.createElementNS(ns, 'rect');
    bg.setAttribute('width', '100%');
    bg.setAttribute('height', '100%');
    bg.setAttribute('fill', computed.getPropertyValue('--vscode-editor-background').trim() || '#1e1e1e');
    out.appendChild(bg);
    const head = document.createElementNS(ns, 'g');
    head.setAttribute('class', 'knet-diagram');
    for (const child of Array.from(headSvg.childNodes)) head.appendChild(child.cloneNode(true));
    const body = document.createElementNS(ns, 'g');
    body.setAttribute('class', 'knet-diagram');
    body.setAttribute('transform', `translate(0,${headH})`);
    for (const child of Array.from(bodySvg.childNodes)) body.appendChild(child.cloneNode(true));
    // The file shows the path, not where the user happened to be in it.
    for (const el of Array.from(body.querySelectorAll('.future, .selected, .lit'))) el.classList.remove('future', 'selected', 'lit');
    out.append(head, body);
    return new XMLSerializer().serializeToString(out);
}

// ---- wiring ----------------------------------------------------------------------------

btnPrev.on('click', () => selectStep(state.selected - 1, { reveal: true, focus: false }));
btnNext.on('click', () => selectStep(state.selected + 1, { reveal: true, focus: false }));
btnPlay.on('click', togglePlay);
btnExport.on('click', () => {
    if (!state.trace) return;
    const name = (state.flow ?? state.trace.flow.name ?? 'trace').replace(/[^\w.-]+/g, '_').slice(0, 80) || 'trace';
    post({ type: 'exportSvg', svg: exportSvg(), fileName: `${name}.svg` });
});
replyBox.on('change', function () {
    state.showReply = (this as HTMLInputElement).checked;
    render();
});
choiceSelect.on('change', function () {
    const choice = Number((this as HTMLSelectElement).value);
    if (!state.uri || !state.flow || !Number.isInteger(choice)) return;
    state.choice = choice;
    save();
    setStatus('info', 'Following another endpoint…');
    post({ type: 'choose', uri: state.uri, flow: state.flow, choice });
});

document.addEventListener('keydown', e => {
    const target = e.target as Element | null;
    const inControl = !!target?.closest('select, input, textarea');
    const onButton = !!target?.closest('button');
    if (inControl || e.altKey || e.ctrlKey || e.metaKey) return;
    const n = layout?.rows.length ?? 0;
    if (!n) return;
    let handled = true;
    switch (e.key) {
        case 'ArrowDown': case 'ArrowRight': case 'j':
            stopIfPlaying(); selectStep(state.selected + 1, { reveal: true, focus: !onButton }); break;
        case 'ArrowUp': case 'ArrowLeft': case 'k':
            stopIfPlaying(); selectStep(state.selected - 1, { reveal: true, focus: !onButton }); break;
        case 'Home': stopIfPlaying(); selectStep(0, { reveal: true, focus: !onButton }); break;
        case 'End': stopIfPlaying(); selectStep(n - 1, { reveal: true, focus: !onButton }); break;
        case ' ': case 'p':
            if (onButton && e.key === ' ') { handled = false; break; }
            togglePlay(); break;
        case 'Enter':
            if (onButton) { handled = false; break; }
            if (layout) reveal(layout.rows[state.selected].step); break;
        case 'r':
            if (state.trace?.reply) { state.showReply = !state.showReply; render(); } break;
        default: handled = false;
    }
    if (handled) e.preventDefault();
});

function stopIfPlaying(): void {
    if (playTimer !== undefined) stopPlaying();
}

window.addEventListener('message', (event: MessageEvent) => {
    const msg: unknown = event.data;
    if (!isToWebview(msg)) return;
    handle(msg);
});

function handle(msg: ToWebview): void {
    switch (msg.type) {
        case 'trace': {
            const sameFlow = msg.uri === state.uri && msg.flow === state.flow;
            stopIfPlaying();
            state = {
                ...state,
                uri: msg.uri, flow: msg.flow, trace: msg.trace, current: msg.current,
                // Editing or choosing keeps the user's place; another flow starts at its first step.
                selected: sameFlow ? state.selected : 0,
                showReply: sameFlow ? state.showReply : false,
                choice: msg.choice,
                staleReason: undefined,
            };
            render();
            if (!msg.current) showStaleness();
            return;
        }
        case 'stale':
            state.current = false;
            state.staleReason = msg.reason;
            save();
            showStaleness();
            return;
        case 'error':
            if (state.trace) {
                state.current = false;
                state.staleReason = msg.message;
                save();
                diagram.classed('stale', true);
            }
            setStatus('error', msg.flow ? `${msg.flow}: ${msg.message}` : msg.message);
            return;
        case 'exported':
            setStatus(msg.ok ? 'info' : 'error', msg.message, 5000);
            return;
    }
}

// Redraw on resize (the SVG is laid out to the panel's width), at most once per frame.
let resizeFrame: number | undefined;
new ResizeObserver(() => {
    if (resizeFrame !== undefined) return;
    resizeFrame = window.requestAnimationFrame(() => {
        resizeFrame = undefined;
        const w = Math.floor(diagram.node()!.clientWidth - 2);
        if (state.trace && Math.abs(w - lastWidth) >= 2) render();
    });
}).observe(diagram.node()!);

render();
if (state.trace) document.title = flowTitle(state.trace);
post({ type: 'ready' });
