import type { ClusterModel, Netns, Route } from '../model/types';
import { formatRoute } from '../model/route-table';
import { loadFile } from './main';
import { UsageError } from './usage';

/** Finds a node or pod by name (`node02`, `busybox1`, `NS/NAME`). */
export function findNamespace(model: ClusterModel, name: string): Netns | undefined {
    const node = model.nodeByName.get(name);
    if (node) return node.netns();
    const pod = model.podByKey.get(name.includes('/') ? name : `default/${name}`)
        ?? model.pods.find(p => p.name === name);
    if (pod) return pod.netns();
    const host = model.hostByName.get(name);
    return host?.netns();
}

/** A routing table as `ip route` prints it, generated lines marked by a trailing comment. */
export function formatTable(routes: readonly Route[], options: { showTable?: boolean; mark?: boolean } = {}): string {
    const mark = options.mark ?? true;
    return routes.map(r => {
        const text = formatRoute(r, { showTable: options.showTable });
        return mark && r.origin.generated ? `${text}    # generated: ${r.origin.by}` : text;
    }).join('\n');
}

/** `knet routes FILE NODE_OR_POD [--table main|local|all]` */
export async function routesCommand(args: string[], options: Map<string, string | true>, out: (s: string) => void): Promise<number> {
    const [file, name] = args;
    if (!file || !name) throw new UsageError('routes needs FILE and a NODE or POD name (knet routes FILE NAME)');
    const table = options.get('table') ?? 'main';
    if (table !== 'main' && table !== 'local' && table !== 'all') throw new UsageError(`--table takes main, local or all, not '${table}'`);
    const { result } = await loadFile(file, false);
    const model = result.model;
    const ns = findNamespace(model, name);
    if (!ns) {
        const known = [...model.nodeByName.keys()].slice(0, 8).join(', ');
        throw new UsageError(`no node, pod or host named '${name}' in ${file}${known ? ` (nodes: ${known}${model.nodes.length > 8 ? ', …' : ''})` : ''}`);
    }
    let routes: readonly Route[];
    if (table === 'main') routes = ns.main.routes;
    else if (table === 'local') routes = ns.local.routes;
    else routes = [...ns.local.routes, ...ns.main.routes, ...[...ns.tables.values()].flatMap(t => t.routes)];
    const text = formatTable(routes, { showTable: table !== 'main' });
    out(text + (text ? '\n' : ''));
    return 0;
}
