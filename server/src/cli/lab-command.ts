/**
 * `knet lab up|run|down FILE [--flow NAME] [--keep] [--format text|json]`: the cluster built
 * in network namespaces, its flows sent for real and compared with the simulator.
 * Exit 0 when every flow sent agrees, 1 when one disagrees, 2 on misuse or a machine
 * that cannot host the lab (not root, no `ip netns`).
 */
import { labDown, labUp } from '../lab/lifecycle';
import { labPrefix } from '../lab/names';
import { formatOutcome, formatSummary, formatUp } from '../lab/report';
import { type FlowOutcome, runFlows } from '../lab/run';
import { stopProbes } from '../lab/probe';
import { labAvailable } from '../lab/shell';
import { loadFile } from './main';
import { UsageError } from './usage';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export async function labCommand(args: string[], options: Map<string, string | true>, out: (s: string) => void): Promise<number> {
    const [verb, file] = args;
    if (verb !== 'up' && verb !== 'run' && verb !== 'down') throw new UsageError(`lab takes up, run or down, not '${verb ?? ''}' (knet lab up|run|down FILE)`);
    if (!file) throw new UsageError(`lab ${verb} needs a FILE`);
    const format = options.get('format') ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`--format takes text or json, not '${format}'`);
    const available = labAvailable();
    if (!available.ok) throw new UsageError(`lab: ${available.reason}`);
    const prefix = labPrefix(file);

    if (verb === 'down') {
        const removed = labDown(prefix);
        out(format === 'json' ? JSON.stringify({ removed }) + '\n' : `lab ${prefix.slice(0, -1)}: removed ${removed.length} namespace${removed.length === 1 ? '' : 's'}\n`);
        return 0;
    }

    const { result } = await loadFile(file, false);
    const model = result.model;
    const wanted = options.get('flow');
    let flows = model.flows;
    if (typeof wanted === 'string') {
        const f = model.flowByName.get(wanted);
        if (!f) throw new UsageError(`no flow named '${wanted}' in ${file} (flows: ${model.flows.map(x => x.name).slice(0, 10).join(', ') || 'none'})`);
        flows = [f];
    }
    const keep = verb === 'up' || options.has('keep');
    // Whatever ends this process, the namespaces go with it unless asked to stay.
    const onSignal = (signal: NodeJS.Signals) => {
        stopProbes();
        if (!keep) labDown(prefix);
        process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    };
    for (const s of SIGNALS) process.on(s, onSignal);
    try {
        const state = labUp(model, prefix);
        if (verb === 'up') {
            out(format === 'json' ? JSON.stringify(upJson(state)) + '\n' : formatUp(state));
            return 0;
        }
        if (format === 'text') out(formatUp(state));
        const outcomes: FlowOutcome[] = await runFlows(model, state, flows, o => { if (format === 'text') out(formatOutcome(o)); });
        if (format === 'json') out(JSON.stringify({ lab: upJson(state), flows: outcomes }, null, 2) + '\n');
        else out(formatSummary(outcomes));
        return outcomes.some(o => o.disagreements.length > 0) ? 1 : 0;
    } finally {
        if (!keep) labDown(prefix);
        for (const s of SIGNALS) process.off(s, onSignal);
    }
}

function upJson(state: ReturnType<typeof labUp>) {
    return {
        prefix: state.plan.prefix,
        namespaces: state.plan.namespaces,
        missing: state.missing,
        failures: state.failures,
        notes: state.notes,
        rulesLoaded: [...state.rulesLoaded],
    };
}
