import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { Patient, PatientUpdate, patients } from '../../../src/domain/collections/patients.ts';
import { refusalOf, rightOf } from '../expect-either.ts';

const patient = {
  fullName: 'Amina Kato',
  sex: 'F',
  dateOfBirth: '2024-02-29',
  facilityId: 'fac-kampala-01',
};

describe('Patient', () => {
  test('a patient with the required fields decodes to itself', () => {
    expect(rightOf(Patient.decode(patient))).toEqual(patient);
  });

  test('a patient with every optional field, some cleared, decodes to itself', () => {
    const full = {
      ...patient,
      motherName: 'Sarah Kato',
      contactPhone: '+256 700 000000',
      address: null,
      townVillage: 'Mukono',
      healthWorkerId: 'hw-7',
    };
    expect(rightOf(Patient.decode(full))).toEqual(full);
  });

  test.each([
    ['a missing fullName', { sex: 'F', dateOfBirth: '2024-02-29', facilityId: 'f' }, 'fullName'],
    ['a missing facilityId', { fullName: 'A', sex: 'F', dateOfBirth: '2024-02-29' }, 'facilityId'],
    ['a fullName that is a number', { ...patient, fullName: 7 }, 'fullName'],
    ['a blank fullName', { ...patient, fullName: '  ' }, 'fullName'],
    ['a fullName of 201 characters', { ...patient, fullName: 'x'.repeat(201) }, 'fullName'],
    ["sex 'Q'", { ...patient, sex: 'Q' }, 'sex'],
    ["sex 'f'", { ...patient, sex: 'f' }, 'sex'],
    ["dateOfBirth '2024-02-30'", { ...patient, dateOfBirth: '2024-02-30' }, 'dateOfBirth'],
    ["dateOfBirth '2023-02-29'", { ...patient, dateOfBirth: '2023-02-29' }, 'dateOfBirth'],
    ['a facilityId that is not a row id', { ...patient, facilityId: 'fac 1' }, 'facilityId'],
    [
      'a healthWorkerId that is not a row id',
      { ...patient, healthWorkerId: '-hw' },
      'healthWorkerId',
    ],
    [
      'a contactPhone of 41 characters',
      { ...patient, contactPhone: '1'.repeat(41) },
      'contactPhone',
    ],
    ['an unknown nickname', { ...patient, nickname: 'Mimi' }, 'nickname'],
    ['an unknown name (the field is fullName)', { ...patient, name: 'Amina' }, 'name'],
  ])('a patient with %s fails at data.%s', (_what, value, path) => {
    expect(refusalOf(Patient, value, 'data')).toMatchObject({
      code: 'invalid',
      path: `data.${path}`,
    });
  });

  test.each([
    [{ sex: 'Q' }, 'sex'],
    [{ dateOfBirth: '2024-13-01' }, 'dateOfBirth'],
    [{ motherName: '' }, 'motherName'],
    [{ nickname: 'x' }, 'nickname'],
    [{}, ''],
  ])('the update %j fails at data.%s', (value, path) => {
    expect(refusalOf(PatientUpdate, value, 'data').path).toBe(
      path === '' ? 'data' : `data.${path}`,
    );
  });

  test.prop([patients.arbitrary.update], { numRuns: 200 })(
    'an arbitrary patient update writes only patient fields',
    (update) => {
      expect(Object.keys(update).length).toBeGreaterThan(0);
      for (const field of Object.keys(update)) expect(patients.fieldNames).toContain(field);
    },
  );
});

describe('the patients declaration', () => {
  test('patients merge with server priority', () => {
    expect(patients.policy).toBe('merge_server_priority');
  });

  test('facilityId and healthWorkerId are server-only; identity fields are under review', () => {
    expect(patients.fields).toEqual({
      facilityId: 'server_only',
      healthWorkerId: 'server_only',
      fullName: 'review',
      dateOfBirth: 'review',
      sex: 'review',
      motherName: 'review',
    });
  });

  test("a patient's scope is its facility, which must exist", () => {
    expect(patients.scope).toEqual({ kind: 'facility', field: 'facilityId' });
    expect(patients.references).toEqual({ facilityId: 'facilities' });
    expect([...patients.writers].sort()).toEqual(['admin', 'health_worker', 'supervisor']);
  });

  test.prop([fc.constantFrom('F', 'M', 'X')], { numRuns: 200 })(
    'every recorded sex is accepted',
    (sex) => {
      expect(rightOf(Patient.decode({ ...patient, sex }))).toEqual({ ...patient, sex });
    },
  );
});
