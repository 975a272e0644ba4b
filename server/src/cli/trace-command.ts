import { UsageError } from './usage';

/** `knet trace` arrives with the simulator (server/src/sim). */
export async function traceCommand(_args: string[], _options: Map<string, string | true>, _out: (s: string) => void): Promise<number> {
    throw new UsageError('trace: the packet simulator is not built yet');
}
