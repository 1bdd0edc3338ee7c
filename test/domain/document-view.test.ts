import { test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { DocumentData } from '../../src/domain/collection.ts';
import { COLLECTIONS } from '../../src/domain/collections.ts';
import { effectiveData, numberField, stringField } from '../../src/domain/document-view.ts';
import { anOp, patientData, viewOf } from './fixtures.ts';

const current = viewOf('patients', 'pat-a', {
  ...patientData,
  motherName: 'Akinyi Otieno',
  healthWorkerId: 'hw-1',
});

describe('effectiveData', () => {
  test('a create gives its own data and ignores any current document', () => {
    const op = anOp({
      collection: 'patients',
      docId: 'pat-a',
      kind: 'create',
      data: { ...patientData, fullName: 'Someone Else' },
    });
    expect(effectiveData(op, current)).toEqual({ ...patientData, fullName: 'Someone Else' });
    expect(effectiveData(op, undefined)).toEqual({ ...patientData, fullName: 'Someone Else' });
  });

  test('an update overlays its fields on the current ones and keeps the others', () => {
    const op = anOp({
      collection: 'patients',
      docId: 'pat-a',
      kind: 'update',
      data: { fullName: 'Achieng Auma', contactPhone: '+254 700 000 000' },
    });
    expect(effectiveData(op, current)).toEqual({
      ...patientData,
      motherName: 'Akinyi Otieno',
      healthWorkerId: 'hw-1',
      fullName: 'Achieng Auma',
      contactPhone: '+254 700 000 000',
    });
  });

  test('an update that clears an optional field with null gives null for it', () => {
    const op = anOp({
      collection: 'patients',
      docId: 'pat-a',
      kind: 'update',
      data: { motherName: null },
    });
    expect(effectiveData(op, current).motherName).toBeNull();
  });

  test('an update of a document that does not exist gives only its own fields', () => {
    const op = anOp({
      collection: 'patients',
      docId: 'pat-new',
      kind: 'update',
      data: { fullName: 'Achieng Auma' },
    });
    expect(effectiveData(op, undefined)).toEqual({ fullName: 'Achieng Auma' });
  });

  test.each(['delete', 'restore'] as const)(
    'a %s leaves the current fields as they are',
    (kind) => {
      const op = anOp({ collection: 'patients', docId: 'pat-a', kind });
      expect(effectiveData(op, current)).toEqual(current.data);
    },
  );

  test.each(['delete', 'restore'] as const)(
    'a %s of a document that does not exist gives no fields',
    (kind) => {
      const op = anOp({ collection: 'patients', docId: 'pat-new', kind });
      expect(effectiveData(op, undefined)).toEqual({});
    },
  );

  test('effectiveData does not change the current document', () => {
    const before = { ...current.data };
    effectiveData(
      anOp({ collection: 'patients', docId: 'pat-a', kind: 'update', data: { fullName: 'X Y' } }),
      current,
    );
    expect(current.data).toEqual(before);
  });

  test.prop([COLLECTIONS.patients.arbitrary.create, COLLECTIONS.patients.arbitrary.update], {
    numRuns: 200,
  })('an update wins on every field it writes and keeps every field it does not', (doc, update) => {
    const merged = effectiveData(
      { kind: 'update', data: update },
      viewOf('patients', 'pat-a', doc),
    );
    for (const [field, value] of Object.entries(update)) expect(merged[field]).toEqual(value);
    for (const [field, value] of Object.entries(doc)) {
      if (!Object.hasOwn(update, field)) expect(merged[field]).toEqual(value);
    }
    expect(new Set(Object.keys(merged))).toEqual(
      new Set([...Object.keys(doc), ...Object.keys(update)]),
    );
  });
});

const data: DocumentData = {
  name: 'Pentavalent',
  empty: '',
  doses: 3,
  zero: 0,
  flag: true,
  cleared: null,
};

describe('stringField', () => {
  test.each([
    ['name', 'Pentavalent'],
    ['empty', ''],
  ] as const)('gives the text of the string field %s', (field, expected) => {
    expect(stringField(data, field)).toBe(expected);
  });

  test.each(['doses', 'zero', 'flag', 'cleared', 'missing'])(
    'gives undefined for %s, which holds no string',
    (field) => {
      expect(stringField(data, field)).toBeUndefined();
    },
  );

  test('ignores properties that the object only inherits', () => {
    expect(stringField({}, 'toString')).toBeUndefined();
    expect(stringField({}, 'constructor')).toBeUndefined();
  });
});

describe('numberField', () => {
  test.each([
    ['doses', 3],
    ['zero', 0],
  ] as const)('gives the value of the number field %s', (field, expected) => {
    expect(numberField(data, field)).toBe(expected);
  });

  test.each(['name', 'empty', 'flag', 'cleared', 'missing'])(
    'gives undefined for %s, which holds no number',
    (field) => {
      expect(numberField(data, field)).toBeUndefined();
    },
  );

  test('ignores properties that the object only inherits', () => {
    expect(numberField({}, 'valueOf')).toBeUndefined();
  });
});
