import { fc, test } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect } from 'vitest';
import type { CollectionName, FieldValue } from '../../src/domain/collection.ts';
import {
  COLLECTION_NAMES,
  COLLECTIONS,
  CollectionNameCodec,
  specOf,
} from '../../src/domain/collections.ts';
import { Role } from '../../src/domain/principal.ts';
import { refusalOf, rightOf } from './expect-either.ts';

const RUNS = { numRuns: 200 };

/** PROTOCOL.md, Collections (schema 1): the required and the optional fields of each. */
const PROTOCOL_FIELDS: Readonly<
  Record<
    CollectionName,
    { readonly required: readonly string[]; readonly optional: readonly string[] }
  >
> = {
  facilities: { required: ['name', 'district', 'region'], optional: ['type'] },
  vaccines: { required: ['name', 'code', 'doses'], optional: ['minIntervalDays'] },
  patients: {
    required: ['fullName', 'sex', 'dateOfBirth', 'facilityId'],
    optional: ['motherName', 'contactPhone', 'address', 'townVillage', 'healthWorkerId'],
  },
  immunization_records: {
    required: ['patientId', 'vaccineId', 'doseNumber', 'dateAdministered', 'facilityId'],
    optional: ['administeredBy', 'batchNumber', 'notes'],
  },
  notifications: {
    required: ['userId', 'type', 'message', 'read'],
    optional: ['patientId', 'dueDate'],
  },
};

/** Copies a document without one field. */
const without = (doc: Readonly<Record<string, unknown>>, field: string): Record<string, unknown> =>
  Object.fromEntries(Object.entries(doc).filter(([key]) => key !== field));

describe('the collection registry', () => {
  test('COLLECTION_NAMES lists every collection once, reference data first', () => {
    expect([...COLLECTION_NAMES].sort()).toEqual(Object.keys(COLLECTIONS).sort());
    expect(new Set(COLLECTION_NAMES).size).toBe(COLLECTION_NAMES.length);
    expect(COLLECTION_NAMES.slice(0, 2)).toEqual(['facilities', 'vaccines']);
  });

  test.each(COLLECTION_NAMES)('the spec of %s is registered under its own name', (name) => {
    expect(COLLECTIONS[name].name).toBe(name);
    expect(specOf(name)).toBe(COLLECTIONS[name]);
    expect(rightOf(CollectionNameCodec.decode(name))).toBe(name);
  });

  test.each(['users', 'Patients', '', 'patients ', 'constructor', '__proto__', 5, null])(
    'CollectionNameCodec refuses %j',
    (value) => {
      expect(refusalOf(CollectionNameCodec, value, 'collection').path).toBe('collection');
    },
  );
});

describe.each(COLLECTION_NAMES)('the %s collection', (name) => {
  const spec = COLLECTIONS[name];
  const fieldNames = new Set(spec.fieldNames);
  const protocol = PROTOCOL_FIELDS[name];

  /** A valid value of every field, taken from documents of the create arbitrary. */
  let sampled: ReadonlyMap<string, FieldValue> | undefined;
  const sampleValues = (): ReadonlyMap<string, FieldValue> => {
    if (sampled !== undefined) return sampled;
    const values = new Map<string, FieldValue>();
    for (const doc of fc.sample(spec.arbitrary.create, { numRuns: 300, seed: 7 })) {
      for (const [field, value] of Object.entries(doc)) {
        if (value !== null && !values.has(field)) values.set(field, value);
      }
    }
    sampled = values;
    return values;
  };

  test.prop([spec.arbitrary.create], RUNS)(
    'every arbitrary create decodes and round-trips',
    (doc) => {
      expect(rightOf(spec.create.decode(doc))).toEqual(doc);
      expect(rightOf(spec.create.decode(JSON.parse(JSON.stringify(doc))))).toEqual(doc);
    },
  );

  test.prop([spec.arbitrary.update], RUNS)(
    'every arbitrary update decodes and round-trips',
    (doc) => {
      expect(rightOf(spec.update.decode(doc))).toEqual(doc);
      expect(rightOf(spec.update.decode(JSON.parse(JSON.stringify(doc))))).toEqual(doc);
    },
  );

  test.prop([spec.arbitrary.create], RUNS)('a whole document is also a valid update', (doc) => {
    expect(rightOf(spec.update.decode(doc))).toEqual(doc);
  });

  test.prop([spec.arbitrary.create, fc.constantFrom(...protocol.required)], RUNS)(
    'a create without a required field fails at the field name',
    (doc, field) => {
      expect(refusalOf(spec.create, without(doc, field)).path).toBe(field);
      expect(refusalOf(spec.create, without(doc, field), 'data').path).toBe(`data.${field}`);
    },
  );

  test.prop([spec.arbitrary.create, fc.stringMatching(/^[a-zA-Z]{1,12}$/)], RUNS)(
    'a field the collection does not declare fails at its own path, on create and update',
    (doc, field) => {
      fc.pre(!fieldNames.has(field));
      expect(refusalOf(spec.create, { ...doc, [field]: 'x' }, 'data').path).toBe(`data.${field}`);
      expect(refusalOf(spec.update, { [field]: 'x' }, 'data').path).toBe(`data.${field}`);
    },
  );

  test.prop([spec.arbitrary.create, fc.constantFrom(...spec.fieldNames)], RUNS)(
    'a field of the wrong type fails at the field name',
    (doc, field) => {
      const valid = sampleValues().get(field);
      const wrong =
        typeof valid === 'number' ? 'not a number' : typeof valid === 'boolean' ? 'yes' : 42;
      expect(refusalOf(spec.create, { ...doc, [field]: wrong }, 'data').path).toBe(`data.${field}`);
      expect(refusalOf(spec.update, { [field]: wrong }, 'data').path).toBe(`data.${field}`);
    },
  );

  test('the declared fields are the ones PROTOCOL.md lists', () => {
    expect([...spec.fieldNames].sort()).toEqual(
      [...protocol.required, ...protocol.optional].sort(),
    );
    expect(fieldNames.size).toBe(spec.fieldNames.length);
  });

  test('every optional field may be left out of a create or cleared with null', () => {
    const doc = Object.fromEntries(sampleValues());
    for (const field of protocol.optional) {
      expect(E.isRight(spec.create.decode(without(doc, field)))).toBe(true);
      expect(E.isRight(spec.create.decode({ ...doc, [field]: null }))).toBe(true);
      expect(E.isRight(spec.update.decode({ [field]: null }))).toBe(true);
    }
  });

  test('every required field refuses null', () => {
    const doc = Object.fromEntries(sampleValues());
    for (const field of protocol.required) {
      expect(refusalOf(spec.create, { ...doc, [field]: null }).path).toBe(field);
    }
  });

  test('every field named by a policy or a reference is a declared field', () => {
    for (const field of Object.keys(spec.fields)) expect(fieldNames).toContain(field);
    for (const field of Object.keys(spec.references)) expect(fieldNames).toContain(field);
  });

  test('every reference names a registered collection', () => {
    for (const target of Object.values(spec.references)) {
      expect(COLLECTION_NAMES).toContain(target);
    }
  });

  test('the scope names declared fields and the writers are roles', () => {
    if (spec.scope.kind !== 'everyone') {
      expect(fieldNames).toContain(spec.scope.field);
      if (spec.scope.kind === 'patient' && spec.scope.recipientField !== undefined) {
        expect(fieldNames).toContain(spec.scope.recipientField);
      }
    }
    for (const role of spec.writers) expect(Role.is(role)).toBe(true);
  });

  test('every declared field is accepted by the update codec with a valid value', () => {
    const values = sampleValues();
    for (const field of spec.fieldNames) {
      expect(values.has(field), `the create arbitrary writes ${field}`).toBe(true);
      const value = values.get(field);
      expect(rightOf(spec.update.decode({ [field]: value }))).toEqual({ [field]: value });
    }
  });

  test('an update with no field is refused at its root', () => {
    expect(refusalOf(spec.update, {}, 'data').path).toBe('data');
  });
});
