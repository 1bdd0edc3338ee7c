import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  ImmunizationRecord,
  ImmunizationRecordUpdate,
  immunizationRecords,
} from '../../../src/domain/collections/immunization-records.ts';
import { refusalOf, rightOf } from '../expect-either.ts';

const record = {
  patientId: '0193a1b2-0c4d-7e8f-9a0b-1c2d3e4f5a6b',
  vaccineId: 'opv',
  doseNumber: 2,
  dateAdministered: '2024-03-01',
  facilityId: 'fac-1',
};

describe('ImmunizationRecord', () => {
  test.prop([fc.integer({ min: 1, max: 10 })], { numRuns: 200 })(
    'a record of dose 1 to 10 decodes to itself',
    (doseNumber) => {
      expect(rightOf(ImmunizationRecord.decode({ ...record, doseNumber }))).toEqual({
        ...record,
        doseNumber,
      });
    },
  );

  test('the optional fields may be set or cleared', () => {
    const value = { ...record, administeredBy: 'Nurse A.', batchNumber: 'B-2291', notes: null };
    expect(rightOf(ImmunizationRecord.decode(value))).toEqual(value);
  });

  test.each([
    ['doseNumber: 0', { ...record, doseNumber: 0 }, 'doseNumber'],
    ['doseNumber: -1', { ...record, doseNumber: -1 }, 'doseNumber'],
    ['doseNumber: 11', { ...record, doseNumber: 11 }, 'doseNumber'],
    ['doseNumber: 2.5', { ...record, doseNumber: 2.5 }, 'doseNumber'],
    [
      "dateAdministered: '2024-02-30'",
      { ...record, dateAdministered: '2024-02-30' },
      'dateAdministered',
    ],
    [
      "dateAdministered: '2024-3-01'",
      { ...record, dateAdministered: '2024-3-01' },
      'dateAdministered',
    ],
    ['a patientId with a space', { ...record, patientId: 'p 1' }, 'patientId'],
    ['a missing vaccineId', { ...record, vaccineId: undefined }, 'vaccineId'],
    ['a batchNumber of 65 characters', { ...record, batchNumber: 'B'.repeat(65) }, 'batchNumber'],
    ['notes with a NUL', { ...record, notes: 'a\u0000b' }, 'notes'],
    ['an unknown site field', { ...record, site: 'left arm' }, 'site'],
  ])('a record with %s fails at data.%s', (_what, value, path) => {
    expect(refusalOf(ImmunizationRecord, value, 'data')).toMatchObject({
      code: 'invalid',
      path: `data.${path}`,
    });
  });

  test.each([
    [{ doseNumber: 0 }, 'data.doseNumber'],
    [{ batchNumber: '' }, 'data.batchNumber'],
    [{}, 'data'],
  ])('the update %j fails at %s', (value, path) => {
    expect(refusalOf(ImmunizationRecordUpdate, value, 'data').path).toBe(path);
  });
});

describe('the immunization_records declaration', () => {
  test('the server wins, and the clinical fields go to review', () => {
    expect(immunizationRecords.policy).toBe('server_wins');
    expect(immunizationRecords.fields).toEqual({
      vaccineId: 'review',
      doseNumber: 'review',
      dateAdministered: 'review',
      batchNumber: 'review',
    });
  });

  test("a record refers to its patient, vaccine and facility, and follows its patient's scope", () => {
    expect(immunizationRecords.references).toEqual({
      patientId: 'patients',
      vaccineId: 'vaccines',
      facilityId: 'facilities',
    });
    expect(immunizationRecords.scope).toEqual({ kind: 'patient', field: 'patientId' });
  });
});
