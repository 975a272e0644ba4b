/**
 * Short parser messages. Because keywords are also names, chevrotain's defaults list every
 * token that could follow (a hundred of them); a user wants the few that make sense here.
 */
import type { IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';

const TERMINALS: Record<string, string> = {
    PREFIX: 'a prefix (10.244.0.0/16)',
    IPV4: 'an address (10.244.1.2)',
    INT: 'a number',
    ID: 'a name',
    KV: 'key=value',
    EOF: 'end of file',
};

/** What a rule expects, in words, when the list of tokens would be long. */
const CONTEXT: Record<string, string> = {
    Document: "'cluster NAME { … }'",
    Cluster: 'a cluster item: podNetwork, serviceNetwork, clusterDomain, nodePortRange, cni, proxy, network, node, service, host or flow',
    ClusterItem: 'a cluster item: podNetwork, serviceNetwork, clusterDomain, nodePortRange, cni, proxy, network, node, service, host or flow',
    Node: 'a node item: address, podCIDR, block, link, sysctl, routes or pod',
    NodeItem: 'a node item: address, podCIDR, block, link, sysctl, routes or pod',
    Link: 'a link option: mtu, address, master, peer, vni, port, dev, id, local or remote',
    LinkOption: 'a link option: mtu, address, master, peer, vni, port, dev, id, local or remote',
    Routes: "a route ('default', a prefix or an address, optionally after blackhole, unreachable, prohibit, local, broadcast or throw) or '}'",
    Route: 'a route attribute: via, dev, proto, scope, src, metric, table, mtu, pref, expires, onlink, linkdown, dead or nexthop',
    RouteAttribute: 'a route attribute: via, dev, proto, scope, src, metric, table, mtu, pref, expires, onlink, linkdown, dead or nexthop',
    Pod: 'a pod option: mtu, iface, labels, namespace, hostNetwork, network none, hostPort or containers',
    PodOption: 'a pod option: mtu, iface, labels, namespace, hostNetwork, network none, hostPort or containers',
    Service: 'a service item: type, namespace, clusterIP, port, selector, endpoints, externalTrafficPolicy or sessionAffinity',
    ServiceItem: 'a service item: type, namespace, clusterIP, port, selector, endpoints, externalTrafficPolicy or sessionAffinity',
    Network: 'a network option: mtu, gateway, kind or routeLimit',
    NetworkOption: 'a network option: mtu, gateway, kind or routeLimit',
    Flow: "a flow: 'flow [NAME:] SRC -> DST[:PORT[/PROTO]] [icmp] [size N] [df|nodf]'",
    FlowDestination: 'a destination: a pod, service, node, host or address',
    FlowSource: 'a source: a pod, node or host',
    Name: 'a name',
    QualifiedName: 'a name',
    Cni: 'a cni setting: vni, port, ipMasq, blockSize, ipipMode or natOutgoing',
};

function describe(t: TokenType): string {
    return TERMINALS[t.name] ?? `'${t.name}'`;
}

function shown(token: IToken): string {
    if (token.tokenType?.name === 'EOF') return 'end of file';
    return `'${token.image.length > 40 ? token.image.slice(0, 40) + '…' : token.image}'`;
}

function expectedList(paths: TokenType[][][] | TokenType[][], rawRuleName: string): string {
    // Langium marks rule names with a zero-width suffix.
    const ruleName = rawRuleName.replace(/[^A-Za-z]/g, '');
    const firsts = new Set<string>();
    const flat = (paths as unknown[]).flat(1) as TokenType[][];
    for (const p of flat) if (p.length > 0) firsts.add(describe(p[0]));
    if (firsts.size > 0 && firsts.size <= 6) return [...firsts].join(', ');
    return CONTEXT[ruleName] ?? (firsts.size > 0 ? [...firsts].slice(0, 6).join(', ') + ', …' : `more of this ${ruleName.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}`);
}

export class KnetParserErrorMessageProvider implements IParserErrorMessageProvider {
    buildMismatchTokenMessage(options: { expected: TokenType; actual: IToken; previous: IToken; ruleName: string }): string {
        return `Unexpected ${shown(options.actual)}: expected ${describe(options.expected)}.`;
    }
    buildNotAllInputParsedMessage(options: { firstRedundant: IToken; ruleName: string }): string {
        return `Unexpected ${shown(options.firstRedundant)} after the cluster: one cluster per file.`;
    }
    buildNoViableAltMessage(options: { expectedPathsPerAlt: TokenType[][][]; actual: IToken[]; previous: IToken; customUserDescription?: string; ruleName: string }): string {
        return `Unexpected ${shown(options.actual[0])}: expected ${expectedList(options.expectedPathsPerAlt, options.ruleName)}.`;
    }
    buildEarlyExitMessage(options: { expectedIterationPaths: TokenType[][]; actual: IToken[]; previous: IToken; customUserDescription?: string; ruleName: string }): string {
        return `Unexpected ${shown(options.actual[0])}: expected ${expectedList(options.expectedIterationPaths, options.ruleName)}.`;
    }
}
