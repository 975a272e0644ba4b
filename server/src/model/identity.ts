/**
 * Telling what one version of the model kept from the last: objects an edit left alone are
 * the same objects, so lists of them are compared element by element, by identity.
 */

/** The same elements, in the same order. */
export function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
}
