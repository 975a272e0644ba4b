/**
 * A diagnostic as the checks produce it: plain data with offsets, turned into LSP
 * diagnostics by the language server and into `FILE:LINE:COL` lines by the CLI.
 */
import type { Span } from '../model/types';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface Related {
    readonly span: Span;
    readonly message: string;
}

export interface TextEdit {
    readonly span: Span;
    readonly newText: string;
}

/** A quick fix whose repair is obvious: applying `edits` removes the finding. */
export interface Fix {
    readonly title: string;
    readonly edits: readonly TextEdit[];
}

export interface Finding {
    readonly code: string;
    readonly severity: Severity;
    readonly message: string;
    readonly span: Span;
    readonly related?: readonly Related[];
    readonly fixes?: readonly Fix[];
}

/** Stable codes (LANGUAGE.md, "Checks the language server makes"). */
export const Codes = {
    overlappingCidr: 'overlapping-cidr',
    addressOutsideRange: 'address-outside-range',
    duplicateAddress: 'duplicate-address',
    missingRoute: 'missing-route',
    mtuMismatch: 'mtu-mismatch',
    routeLimit: 'route-limit',
    nodeportRange: 'nodeport-range',
    noEndpoints: 'no-endpoints',
    overlayMismatch: 'overlay-mismatch',
    unknownDevice: 'unknown-device',
    unreachableFlow: 'unreachable-flow',
    invalidDeclaration: 'invalid-declaration',
    /** An address or prefix literal that is not one (octet over 255, prefix over /32). */
    invalidAddress: 'invalid-address',
    /** A name that refers to nothing. */
    unresolvedName: 'unresolved-name',
    /** The file does not parse. */
    syntaxError: 'syntax-error',
} as const;
