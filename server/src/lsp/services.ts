/**
 * The services the editor features add to the language's: the trace cache shared by
 * hover, CodeLens and the trace request.
 */
import type { KnetServices } from '../language/knet-module';
import type { TraceCache } from './traces';

export interface KnetLspAddedServices {
    traces: {
        TraceCache: TraceCache;
    };
}

export type KnetLspServices = KnetServices & KnetLspAddedServices;
