import { type CstNode, type GrammarAST, type ValueType, DefaultValueConverter } from 'langium';

/**
 * `ip link` prints a veth as `NAME@PEER`; like `ip` itself we accept the `@…` and drop it,
 * so `iface veth78b826c3@if2` and `dev veth78b826c3` name one device.
 */
export class KnetValueConverter extends DefaultValueConverter {
    protected override runConverter(rule: GrammarAST.AbstractRule, input: string, cstNode: CstNode): ValueType {
        if (rule.name === 'ID' || rule.name === 'Name') {
            const at = input.indexOf('@');
            return at > 0 ? input.slice(0, at) : input;
        }
        return super.runConverter(rule, input, cstNode);
    }
}
