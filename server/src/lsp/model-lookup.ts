/**
 * From an AST declaration to the model object built from it (`origin.ast`), through one
 * Map per model built on first use: a hover costs a lookup, not a scan of 150,000 pods.
 */
import type { AstNode } from 'langium';
import type { ClusterModel, Flow, Host, Network, Node, Pod, Route, Service } from '../model/types';

export type ModelObject =
    | { kind: 'node'; node: Node }
    | { kind: 'pod'; pod: Pod }
    | { kind: 'service'; service: Service }
    | { kind: 'host'; host: Host }
    | { kind: 'network'; network: Network }
    | { kind: 'flow'; flow: Flow }
    | { kind: 'route'; route: Route; owner: { kind: 'node'; node: Node } | { kind: 'pod'; pod: Pod } };

const maps = new WeakMap<ClusterModel, Map<unknown, ModelObject>>();

function build(model: ClusterModel): Map<unknown, ModelObject> {
    const m = new Map<unknown, ModelObject>();
    const put = (ast: unknown, o: ModelObject) => { if (ast && !m.has(ast)) m.set(ast, o); };
    for (const node of model.nodes) {
        put(node.origin.ast, { kind: 'node', node });
        for (const route of node.declaredRoutes ?? []) put(route.origin.ast, { kind: 'route', route, owner: { kind: 'node', node } });
    }
    for (const pod of model.pods) {
        put(pod.origin.ast, { kind: 'pod', pod });
        for (const route of pod.declaredRoutes ?? []) put(route.origin.ast, { kind: 'route', route, owner: { kind: 'pod', pod } });
    }
    for (const service of model.services) put(service.origin.ast, { kind: 'service', service });
    for (const host of model.hosts) put(host.origin.ast, { kind: 'host', host });
    for (const network of model.networks) put(network.origin.ast, { kind: 'network', network });
    for (const flow of model.flows) put(flow.origin.ast, { kind: 'flow', flow });
    return m;
}

export function modelObject(model: ClusterModel, ast: AstNode | undefined): ModelObject | undefined {
    if (!ast) return undefined;
    let m = maps.get(model);
    if (!m) maps.set(model, m = build(model));
    return m.get(ast);
}
