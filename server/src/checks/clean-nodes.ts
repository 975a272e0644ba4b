/**
 * A check's verdict on one node, kept for the next version of the file. An edit changes one
 * node block, and build-model keeps every other node (the same object, pods and all), so a
 * check's per-node part need not walk 4,999 untouched nodes and their 150,000 pods again
 * when all it reads is the node itself and the cluster's settings (`ClusterSettings`).
 *
 * Only a verdict clean on its own account is kept: no finding, no fault, nothing silenced by a
 * fault or an error found before (mended elsewhere, it would let the node speak), and no look
 * at other nodes (`CheckContext.volatileReads`). A node with findings is checked again on
 * every run: its quick fixes take free addresses in run order.
 */
import type { Node } from '../model/types';
import type { CheckContext } from './context';
import type { Finding } from './finding';

export class CleanNodes {
    /** Parts run and parts answered from before, over every check, since start (for tests). */
    static readonly counts = { run: 0, kept: 0 };
    private readonly clean = new WeakMap<Node, object>();

    /**
     * Runs `part` (which pushes its findings to `out`) for `node`, unless the node was found
     * clean under the same settings before. Kept nodes and settings are compared by identity.
     */
    check(ctx: CheckContext, node: Node, out: Finding[], part: () => void): void {
        if (this.clean.get(node) === ctx.settings.token) {
            CleanNodes.counts.kept++;
            return;
        }
        CleanNodes.counts.run++;
        const findings = out.length;
        const faults = ctx.faultCount;
        const volatile = ctx.volatileReads;
        part();
        if (out.length === findings && ctx.faultCount === faults && ctx.volatileReads === volatile && ctx.settings.keepsVerdictsOf(node)) {
            this.clean.set(node, ctx.settings.token);
        } else {
            this.clean.delete(node);
        }
    }
}
