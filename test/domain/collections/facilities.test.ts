import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  Facility,
  FacilityUpdate,
  facilities,
} from '../../../src/domain/collections/facilities.ts';
import { refusalOf, rightOf } from '../expect-either.ts';

const facility = { name: 'Mukono HC IV', district: 'Mukono', region: 'Central' };

describe('Facility', () => {
  test.prop([fc.option(fc.constantFrom('hospital', 'health_centre', 'dispensary'))], {
    numRuns: 200,
  })('a facility with or without a type decodes to itself', (type) => {
    const value = type === null ? facility : { ...facility, type };
    expect(rightOf(Facility.decode(value))).toEqual(value);
  });

  test('a facility type may be cleared with null', () => {
    expect(rightOf(Facility.decode({ ...facility, type: null }))).toEqual({
      ...facility,
      type: null,
    });
  });

  test.each([
    ['a missing region', { name: 'A', district: 'B' }, 'region'],
    ['an empty name', { ...facility, name: '' }, 'name'],
    ['a district that is a number', { ...facility, district: 3 }, 'district'],
    ['a type of 101 characters', { ...facility, type: 't'.repeat(101) }, 'type'],
    ['an unknown field', { ...facility, beds: 40 }, 'beds'],
  ])('a facility with %s fails at data.%s', (_what, value, path) => {
    expect(refusalOf(Facility, value, 'data')).toMatchObject({
      code: 'invalid',
      path: `data.${path}`,
    });
  });

  test('an update of a facility needs at least one known field', () => {
    expect(refusalOf(FacilityUpdate, {}, 'data').path).toBe('data');
    expect(refusalOf(FacilityUpdate, { beds: 4 }, 'data').path).toBe('data.beds');
    expect(rightOf(FacilityUpdate.decode({ region: 'East' }))).toEqual({ region: 'East' });
  });

  test('facilities are reference data that only admins write, and the server wins', () => {
    expect(facilities.policy).toBe('server_wins');
    expect(facilities.writers).toEqual(['admin']);
    expect(facilities.scope).toEqual({ kind: 'everyone' });
    expect(facilities.fields).toEqual({});
  });
});
