/**
 * The whole-cluster checks of LANGUAGE.md, each in its own module, run over the model.
 */
import type { ClusterModel } from '../model/types';
import type { Finding } from './finding';

export type Check = (model: ClusterModel) => Finding[];

/** Registered checks, in the order their findings are listed. */
export const CHECKS: Check[] = [];

export function runChecks(model: ClusterModel): Finding[] {
    const out: Finding[] = [];
    for (const check of CHECKS) out.push(...check(model));
    return out;
}
