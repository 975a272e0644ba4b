/**
 * The whole-cluster checks of LANGUAGE.md, each in its own module, run over the model in
 * an order where root causes come first: a later check skips what an earlier one (or the
 * model builder) already reported, so one fault yields one diagnostic.
 */
import { interruptAndCheck, isOperationCancelled } from 'langium';
import type { CancellationToken } from 'vscode-languageserver';
import type { ClusterModel } from '../model/types';
import type { Finding } from './finding';
import { CheckContext } from './context';
import { checkDeclarations } from './declarations';
import { checkAddressRanges } from './address-range';
import { checkOverlaps } from './overlaps';
import { checkDuplicateAddresses } from './duplicates';
import { checkDevices } from './devices';
import { checkOverlay } from './overlay';
import { checkMtu } from './mtu';
import { checkMissingRoutes } from './missing-route';
import { checkRouteLimit } from './route-limit';
import { checkNodePorts } from './node-ports';
import { checkEndpoints } from './endpoints';
import { checkFlows, checkFlowsAsync } from './flows';

export type Check = (ctx: CheckContext) => Finding[];

/** Registered checks, in the order they run and their findings are listed. */
export const CHECKS: Check[] = [
    checkDeclarations,
    checkAddressRanges,
    checkOverlaps,
    checkDuplicateAddresses,
    checkDevices,
    checkOverlay,
    checkMtu,
    checkMissingRoutes,
    checkRouteLimit,
    checkNodePorts,
    checkEndpoints,
    checkFlows,
];

/**
 * Runs every check. `prior` are the model builder's own findings: a flow or pod that
 * already carries one of those errors is not reported again by a later check.
 */
export function runChecks(model: ClusterModel, prior: readonly Finding[] = []): Finding[] {
    const ctx = new CheckContext(model, prior);
    const out: Finding[] = [];
    for (const check of CHECKS) runCheck(ctx, check, out);
    return out;
}

/**
 * As `runChecks`, giving way to the event loop between checks: when a newer edit cancels
 * `cancelToken`, the run stops at the next check (or within a few flows inside the flow
 * check) with `OperationCancelled`.
 */
export async function runChecksAsync(model: ClusterModel, prior: readonly Finding[], cancelToken: CancellationToken): Promise<Finding[]> {
    const ctx = new CheckContext(model, prior);
    const out: Finding[] = [];
    for (const check of CHECKS) {
        await interruptAndCheck(cancelToken);
        const givingWay = GIVING_WAY.get(check);
        if (!givingWay) {
            runCheck(ctx, check, out);
            continue;
        }
        let found: Finding[];
        try {
            found = await givingWay(ctx, cancelToken);
        } catch (e) {
            if (isOperationCancelled(e)) throw e;
            found = failed(check, e);
        }
        keep(ctx, found, out);
    }
    return out;
}

/** Checks long enough to give way inside themselves too (they trace every flow), by their variant that does. */
const GIVING_WAY = new Map<Check, (ctx: CheckContext, cancelToken: CancellationToken) => Promise<Finding[]>>([
    [checkFlows, checkFlowsAsync],
]);

function runCheck(ctx: CheckContext, check: Check, out: Finding[]): void {
    let found: Finding[];
    try {
        found = check(ctx);
    } catch (e) {
        found = failed(check, e);
    }
    keep(ctx, found, out);
}

/** A check that trips over a model it did not expect must not take the others down. */
function failed(check: Check, e: unknown): Finding[] {
    console.error(`knet: check ${check.name} failed: ${(e as Error)?.stack ?? e}`);
    return [];
}

function keep(ctx: CheckContext, found: Finding[], out: Finding[]): void {
    ctx.record(found);
    out.push(...found);
}
