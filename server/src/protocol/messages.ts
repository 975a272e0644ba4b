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

/** Shallow shape check of a trace: enough that drawing it cannot throw on a missing list. */
export function isTraceLike(x: unknown): x is Trace {
    return isObject(x) && isObject(x.flow) && typeof x.disposition === 'string' && Array.isArray(x.hops)
        && x.hops.every(h => isObject(h) && typeof h.namespace === 'string' && Array.isArray(h.steps)
            && h.steps.every(s => isObject(s) && typeof s.kind === 'string' && isObject(s.packet)
                && Array.isArray((s.packet as Record<string, unknown>).headers)))
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
