/**
 * Custom requests and notifications between the language server, the VS Code client and
 * the trace webview. Method names and payloads are declared once, here, and imported on
 * every side, so a rename cannot leave one side talking to nobody.
 *
 * Plain data only (no vscode or Langium types): the webview bundle imports this too.
 */
import type { Disposition, Trace } from './trace';

/** 0-based, as LSP counts. */
export interface Position {
    line: number;
    character: number;
}

/**
 * `knet/trace`: the trace of one flow, from the model of the document's current version.
 * Either the flow at `position` (on any token of a `flow` line), or the flow named `flow`
 * (its name, or for an unnamed flow the `SRC -> DST:PORT/PROTO` text the model gives it).
 * `choice` follows another load-balancer branch (an `Alternative.choice`).
 * Answers null when there is no such document or flow.
 */
export const TraceRequest = 'knet/trace';
export interface TraceParams {
    uri: string;
    position?: Position;
    flow?: string;
    choice?: number;
}
export type TraceResult = Trace | null;

/** `knet/flows`: every flow of a document with its outcome, in file order (for pickers and the panel). */
export const FlowsRequest = 'knet/flows';
export interface FlowsParams {
    uri: string;
}
export interface FlowOutcome {
    name: string;
    /** As written, without its name. */
    text: string;
    /** The line of the `flow` keyword (0-based). */
    line: number;
    disposition?: Disposition;
    pathMtu?: number;
    /** Where it ended, in words, when it failed. */
    dispositionAt?: string;
}
export type FlowsResult = FlowOutcome[];

/** `knet/flowAt`: the name of the flow declared on the line at `position`, or null. Cheap: the client calls it as the cursor moves. */
export const FlowAtRequest = 'knet/flowAt';
export interface FlowAtParams {
    uri: string;
    position: Position;
}
export type FlowAtResult = { name: string } | null;

/**
 * `knet/documentValidated` (server → client notification): a document's new version has
 * been checked, so traces of it are ready; the panel re-asks for its flow.
 */
export const DocumentValidatedNotification = 'knet/documentValidated';
export interface DocumentValidatedParams {
    uri: string;
    version: number;
}

/**
 * The command a CodeLens carries; the client opens (or focuses) the trace panel on that
 * flow. Arguments, positional: the document URI, the 0-based line of the flow, its name.
 */
export const ShowTraceCommand = 'knet.showTrace';
export type ShowTraceArguments = [uri: string, line: number, flow: string];
