import { type LinkingError, type ReferenceInfo, type AstNodeDescription, DefaultLinker } from 'langium';

const WHAT: Record<string, string> = {
    network: 'network',
    endpoints: 'pod',
};

/** Linking errors that say what was looked for, in the user's words. */
export class KnetLinker extends DefaultLinker {
    protected override createLinkingError(refInfo: ReferenceInfo, targetDescription?: AstNodeDescription): LinkingError {
        const error = super.createLinkingError(refInfo, targetDescription);
        const name = refInfo.reference.$refText;
        const container = refInfo.container.$type;
        const what = WHAT[refInfo.property]
            ?? (container === 'FlowSource' ? 'pod, node or host' : container === 'FlowDestination' ? 'service, pod, node or host' : 'declaration');
        return { ...error, message: `no ${what} named '${name}'` };
    }
}
