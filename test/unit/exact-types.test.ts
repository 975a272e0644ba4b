/**
 * The model builder tests node items, pod options and route attributes by exact `$type`;
 * that agrees with Langium's `isX` only while none of those types has a subtype.
 */
import { describe, expect, it } from 'vitest';
import { reflection } from '../../server/src/language/generated/ast';
import { exact } from '../../server/src/language/build-model';

describe('exact type guards', () => {
    it('cover only types without subtypes, and agree with the reflection', () => {
        for (const [type, guard] of Object.entries(exact)) {
            expect(reflection.getAllSubTypes(type), type).toEqual([type]);
            expect(guard({ $type: type })).toBe(reflection.isInstance({ $type: type }, type));
            expect(guard({ $type: 'Cluster' })).toBe(false);
        }
    });
});
