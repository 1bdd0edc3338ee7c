import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { Vaccine, VaccineUpdate, vaccines } from '../../../src/domain/collections/vaccines.ts';
import { refusalOf, rightOf } from '../expect-either.ts';

const vaccine = { name: 'Oral polio vaccine', code: 'OPV', doses: 4 };

describe('Vaccine', () => {
  test.prop([fc.integer({ min: 1, max: 10 }), fc.option(fc.integer({ min: 0, max: 3650 }))], {
    numRuns: 200,
  })('a vaccine of 1 to 10 doses and an interval of 0 to 3650 days decodes', (doses, interval) => {
    const value = { ...vaccine, doses, minIntervalDays: interval };
    expect(rightOf(Vaccine.decode(value))).toEqual(value);
  });

  test.each([
    ['doses: 0', { ...vaccine, doses: 0 }, 'doses'],
    ['doses: 11', { ...vaccine, doses: 11 }, 'doses'],
    ['doses: 1.5', { ...vaccine, doses: 1.5 }, 'doses'],
    ["doses: '2'", { ...vaccine, doses: '2' }, 'doses'],
    ['minIntervalDays: -1', { ...vaccine, minIntervalDays: -1 }, 'minIntervalDays'],
    ['minIntervalDays: 3651', { ...vaccine, minIntervalDays: 3651 }, 'minIntervalDays'],
    ['a missing code', { name: 'BCG', doses: 1 }, 'code'],
    ['a code of 33 characters', { ...vaccine, code: 'C'.repeat(33) }, 'code'],
    ['an unknown schedule', { ...vaccine, schedule: [0, 6, 10] }, 'schedule'],
  ])('a vaccine with %s fails at data.%s', (_what, value, path) => {
    expect(refusalOf(Vaccine, value, 'data')).toMatchObject({
      code: 'invalid',
      path: `data.${path}`,
    });
  });

  test.each([
    [{ doses: 0 }, 'data.doses'],
    [{ doses: 11 }, 'data.doses'],
    [{}, 'data'],
  ])('the update %j fails at %s', (value, path) => {
    expect(refusalOf(VaccineUpdate, value, 'data').path).toBe(path);
  });

  test('vaccines are reference data that only admins write, and the server wins', () => {
    expect(vaccines.policy).toBe('server_wins');
    expect(vaccines.writers).toEqual(['admin']);
    expect(vaccines.scope).toEqual({ kind: 'everyone' });
    expect(vaccines.fields).toEqual({});
    expect(vaccines.references).toEqual({});
  });
});
