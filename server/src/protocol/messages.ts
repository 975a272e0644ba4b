/**
 * Messages between the VS Code extension (client/src/trace-panel.ts) and the trace panel's
 * webview (webview/src/main.ts): one discriminated union each way. The webview starts by
 * sending `ready`; the extension holds what it has to say until then, because a message
 * posted before the webview's script listens is lost.
 *
 * Both sides validate what they receive with the guards below: a webview is a browser page
 * that renders text from the user's document, so nothing it posts is trusted blindly.
 */
import type { SourceRange, Trace } from './trace';

/** Extension → webview. */
export type ToWebview =
    /** Draw this trace. `current` is false when it is shown for a flow the cursor has left. */
    | { type: 'trace'; uri: string; flow: string; trace: Trace; current: boolean; choice?: number }
    /** The cursor is on no flow (or the flow is gone): keep the last trace, marked not current. */
    | { type: 'stale'; reason: string }
    /** The trace could not be produced (server not ready, flow does not parse, request failed). */
    | { type: 'error'; message: string; uri?: string; flow?: string }
    /** Outcome of an `exportSvg` request, shown briefly in the toolbar. */
    | { type: 'exported'; ok: boolean; message: string };

/** Webview → extension. */
export type FromWebview =
    /** The script runs and listens: send the current trace. */
    | { type: 'ready' }
    /** Reveal and select the declaration that decided a step. */
    | { type: 'reveal'; uri: string; range: SourceRange }
    /** Follow another load-balancing choice (index of `Alternative.choice`). */
    | { type: 'choose'; uri: string; flow: string; choice: number }
    /** Save the drawn diagram; the extension asks where with a save dialog. */
    | { type: 'exportSvg'; svg: string; fileName: string };

/** Largest SVG the extension accepts for export (a 5,000-step trace stays far below). */
export const MAX_EXPORT_SVG_CHARS = 20_000_000;

function isObject(x: unknown): x is Record<string, unknown> {
    return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isPosition(x: unknown): boolean {
    return isObject(x) && Number.isInteger(x.line) && Number.isInteger(x.character)
        && (x.line as number) >= 0 && (x.character as number) >= 0;
}

export function isSourceRange(x: unknown): x is SourceRange {
    return isObject(x) && isPosition(x.start) && isPosition(x.end);
}

const isStr = (x: unknown): x is string => typeof x === 'string';
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const optional = (x: unknown, test: (y: unknown) => boolean) => x === undefined || test(x);
const isArrayOf = (x: unknown, test: (y: unknown) => boolean) => Array.isArray(x) && x.every(test);

function isPacket(x: unknown): boolean {
    return isObject(x) && isNum(x.length) && isArrayOf(x.headers, h => isObject(h) && isStr(h.kind));
}

function isStep(x: unknown): boolean {
    return isObject(x) && isStr(x.kind) && isStr(x.summary) && isPacket(x.packet)
        && optional(x.namespace, isStr) && optional(x.inDevice, isStr) && optional(x.outDevice, isStr)
        && optional(x.before, isPacket) && optional(x.mtu, isNum) && optional(x.decidedBy, isStr)
        && optional(x.details, d => isArrayOf(d, isStr)) && optional(x.source, isSourceRange)
        && optional(x.changes, c => isArrayOf(c, f => isObject(f) && isStr(f.field) && isStr(f.from) && isStr(f.to)));
}

/**
 * Shape check of a trace, to the depth the panel reads it: a message that passes can be
 * drawn without a missing list or a non-string label throwing half-way.
 */
export function isTraceLike(x: unknown): x is Trace {
    return isObject(x) && isObject(x.flow) && isStr(x.flow.name) && optional(x.flow.text, isStr)
        && isStr(x.disposition) && optional(x.dispositionReason, isStr) && optional(x.dispositionAt, isStr)
        && isNum(x.pathMtu)
        && isArrayOf(x.hops, h => isObject(h) && isStr(h.namespace) && isStr(h.kind) && optional(h.node, isStr) && isArrayOf(h.steps, isStep))
        && optional(x.alternatives, a => isArrayOf(a, y => isObject(y) && isStr(y.description) && Number.isInteger(y.choice)
            && typeof y.chosen === 'boolean' && optional(y.probability, isNum) && optional(y.rule, isStr)))
        && (x.reply === undefined || isTraceLike(x.reply));
}

export function isFromWebview(x: unknown): x is FromWebview {
    if (!isObject(x)) return false;
    switch (x.type) {
        case 'ready': return true;
        case 'reveal': return typeof x.uri === 'string' && isSourceRange(x.range);
        case 'choose': return typeof x.uri === 'string' && typeof x.flow === 'string'
            && Number.isInteger(x.choice) && (x.choice as number) >= 0;
        case 'exportSvg': return typeof x.svg === 'string' && x.svg.length <= MAX_EXPORT_SVG_CHARS
            && typeof x.fileName === 'string';
        default: return false;
    }
}

export function isToWebview(x: unknown): x is ToWebview {
    if (!isObject(x)) return false;
    switch (x.type) {
        case 'trace': return typeof x.uri === 'string' && typeof x.flow === 'string'
            && typeof x.current === 'boolean' && isTraceLike(x.trace);
        case 'stale': return typeof x.reason === 'string';
        case 'error': return typeof x.message === 'string';
        case 'exported': return typeof x.ok === 'boolean' && typeof x.message === 'string';
        default: return false;
    }
}
