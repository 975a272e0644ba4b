import { nodeRuleset } from '../sim/netfilter';
import { loadFile } from './main';
import { UsageError } from './usage';

/** `knet rules FILE NODE [--table nat|filter]`: the node's generated netfilter rules. */
export async function rulesCommand(args: string[], options: Map<string, string | true>, out: (s: string) => void): Promise<number> {
    const [file, name] = args;
    if (!file || !name) throw new UsageError('rules needs FILE and a NODE name (knet rules FILE NODE [--table nat|filter])');
    const table = options.get('table');
    if (table !== undefined && table !== 'nat' && table !== 'filter') throw new UsageError(`--table takes nat or filter, not '${table}'`);
    const { result } = await loadFile(file, false);
    const model = result.model;
    const node = model.nodeByName.get(name);
    if (!node) {
        const known = [...model.nodeByName.keys()].slice(0, 8).join(', ');
        throw new UsageError(`no node named '${name}' in ${file}${known ? ` (nodes: ${known}${model.nodes.length > 8 ? ', …' : ''})` : ''}`);
    }
    out(nodeRuleset(model, node, { table }));
    return 0;
}
