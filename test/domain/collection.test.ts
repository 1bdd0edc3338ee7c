import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { fieldPolicyOf, isReviewField, isServerOnlyField } from '../../src/domain/collection.ts';
import { COLLECTION_NAMES, COLLECTIONS } from '../../src/domain/collections.ts';

const { patients, immunization_records: records, notifications } = COLLECTIONS;

describe('field policies', () => {
  test('fieldPolicyOf reads the policy declared for a field', () => {
    expect(fieldPolicyOf(patients, 'facilityId')).toBe('server_only');
    expect(fieldPolicyOf(patients, 'fullName')).toBe('review');
    expect(fieldPolicyOf(patients, 'address')).toBeUndefined();
    expect(fieldPolicyOf(notifications, 'read')).toBeUndefined();
  });

  test('isReviewField and isServerOnlyField follow the declaration', () => {
    expect(isReviewField(records, 'batchNumber')).toBe(true);
    expect(isReviewField(records, 'notes')).toBe(false);
    expect(isServerOnlyField(patients, 'healthWorkerId')).toBe(true);
    expect(isServerOnlyField(patients, 'fullName')).toBe(false);
    expect(isServerOnlyField(records, 'facilityId')).toBe(false);
  });

  test.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'a field named %s has no policy, whatever Object.prototype holds',
    (field) => {
      for (const name of COLLECTION_NAMES) {
        expect(fieldPolicyOf(COLLECTIONS[name], field)).toBeUndefined();
        expect(isReviewField(COLLECTIONS[name], field)).toBe(false);
        expect(isServerOnlyField(COLLECTIONS[name], field)).toBe(false);
      }
    },
  );

  test.prop([fc.constantFrom(...COLLECTION_NAMES), fc.string({ maxLength: 20 })], { numRuns: 200 })(
    'a field is under review or server-only exactly as its declared policy says',
    (name, field) => {
      const spec = COLLECTIONS[name];
      const declared = Object.hasOwn(spec.fields, field) ? spec.fields[field] : undefined;
      expect(fieldPolicyOf(spec, field)).toBe(declared);
      expect(isReviewField(spec, field)).toBe(declared === 'review');
      expect(isServerOnlyField(spec, field)).toBe(declared === 'server_only');
    },
  );

  test('no field is both under review and server-only', () => {
    for (const name of COLLECTION_NAMES) {
      for (const field of COLLECTIONS[name].fieldNames) {
        const spec = COLLECTIONS[name];
        expect(isReviewField(spec, field) && isServerOnlyField(spec, field)).toBe(false);
      }
    }
  });
});
