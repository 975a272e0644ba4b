/**
 * Semantic highlighting: addresses and prefixes, and names by what they name (nodes,
 * pods, services, networks, hosts, flows, devices), declarations marked; the words a
 * setting takes (`vxlan`, `iptables`, `NodePort`) as enum members. Standard LSP token
 * types only, so every theme colours them.
 */
import type { AstNode } from 'langium';
import { AbstractSemanticTokenProvider, type SemanticTokenAcceptor } from 'langium/lsp';
import { SemanticTokenModifiers, SemanticTokenTypes } from 'vscode-languageserver';
import * as ast from '../language/generated/ast';

const KIND_TYPE: Record<string, string> = {
    Node: SemanticTokenTypes.class,
    Pod: SemanticTokenTypes.variable,
    Service: SemanticTokenTypes.interface,
    Network: SemanticTokenTypes.namespace,
    Host: SemanticTokenTypes.struct,
    Flow: SemanticTokenTypes.event,
    Cluster: SemanticTokenTypes.namespace,
};

const ADDRESS = SemanticTokenTypes.number;
const PREFIX = SemanticTokenTypes.regexp;
const DEVICE = SemanticTokenTypes.property;
const VALUE = SemanticTokenTypes.enumMember;

/** Properties holding an address, a prefix, a device or a value word, by AST type. */
const PROPERTIES: Record<string, readonly [string, string][]> = {
    PodNetwork: [['cidr', PREFIX]],
    ServiceNetwork: [['cidr', PREFIX]],
    Network: [['cidr', PREFIX]],
    NetworkGateway: [['address', ADDRESS]],
    NetworkKind: [['kind', VALUE]],
    NodeAddress: [['address', ADDRESS], ['dev', DEVICE], ['network', KIND_TYPE.Network]],
    PodCidr: [['cidr', PREFIX]],
    Block: [['cidr', PREFIX]],
    Link: [['name', DEVICE], ['kind', VALUE]],
    LinkAddress: [['cidr', PREFIX]],
    LinkMaster: [['bridge', DEVICE]],
    LinkParent: [['parent', DEVICE]],
    LinkLocal: [['address', ADDRESS]],
    LinkRemote: [['address', ADDRESS]],
    Route: [['destination', PREFIX]],
    RouteVia: [['gateway', ADDRESS]],
    RouteDev: [['dev', DEVICE]],
    RouteSrc: [['address', ADDRESS]],
    RouteProto: [['proto', VALUE]],
    RouteScope: [['scope', VALUE]],
    Pod: [['address', ADDRESS]],
    PodIface: [['iface', DEVICE]],
    ServiceClusterIp: [['address', ADDRESS], ['word', VALUE]],
    ServiceType: [['type', VALUE]],
    ServicePort: [['protocol', VALUE]],
    ServiceTrafficPolicy: [['policy', VALUE]],
    ServiceAffinity: [['affinity', VALUE]],
    Host: [['address', ADDRESS], ['network', KIND_TYPE.Network]],
    Cni: [['plugin', VALUE], ['backend', VALUE]],
    KubeProxy: [['mode', VALUE]],
    ProxyScheduler: [['scheduler', VALUE]],
    FlowDestination: [['address', ADDRESS], ['protocol', VALUE]],
};

export class KnetSemanticTokenProvider extends AbstractSemanticTokenProvider {
    protected override highlightElement(node: AstNode, acceptor: SemanticTokenAcceptor): void {
        const record = node as unknown as Record<string, unknown>;
        const declared = KIND_TYPE[node.$type];
        if (declared && typeof record.name === 'string') {
            acceptor({ node, property: 'name', type: declared, modifier: SemanticTokenModifiers.declaration });
        }
        for (const [property, type] of PROPERTIES[node.$type] ?? []) {
            const value = record[property];
            if (value === undefined || (property === 'name' && declared)) continue;
            if (type === PREFIX && typeof value === 'string' && !value.includes('/')) {
                if (value !== 'default') acceptor({ node, property, type: ADDRESS });
                continue;
            }
            acceptor({ node, property, type });
        }
        if (ast.isFlowSource(node) || ast.isFlowDestination(node)) {
            const target = node.endpoint?.ref;
            if (node.endpoint) acceptor({ node, property: 'endpoint', type: (target && KIND_TYPE[target.$type]) ?? SemanticTokenTypes.variable });
        } else if (ast.isServiceEndpoints(node)) {
            node.endpoints.forEach((_, index) => acceptor({ node, property: 'endpoints', index, type: KIND_TYPE.Pod }));
        }
    }
}
