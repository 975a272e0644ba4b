import { UsageError } from './usage';

/** `knet lab` arrives with the namespace lab (server/src/lab). */
export async function labCommand(_args: string[], _options: Map<string, string | true>, _out: (s: string) => void): Promise<number> {
    throw new UsageError('lab: not built yet');
}
