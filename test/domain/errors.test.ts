import { fc, test } from '@fast-check/vitest';
import * as t from 'io-ts';
import { describe, expect } from 'vitest';
import { ImmunizationRecord } from '../../src/domain/collections/immunization-records.ts';
import { Patient } from '../../src/domain/collections/patients.ts';
import {
  type ErrorCode,
  forbidden,
  httpStatusOf,
  invalid,
  joinPath,
  reportValidation,
  syncError,
} from '../../src/domain/errors.ts';
import { Hlc } from '../../src/domain/hlc.ts';
import { Principal } from '../../src/domain/principal.ts';
import { nullable, strictStruct } from '../../src/domain/strict-struct.ts';
import { VersionVector } from '../../src/domain/version-vector.ts';
import { leftOf, refusalOf } from './expect-either.ts';

const record = {
  patientId: 'p-1',
  vaccineId: 'bcg',
  doseNumber: 1,
  dateAdministered: '2024-03-01',
  facilityId: 'f-1',
};

const patient = { fullName: 'Amina K.', sex: 'F', dateOfBirth: '2024-01-15', facilityId: 'f-1' };

describe('reportValidation paths', () => {
  test('a bad field of a collection document is reported at data.<field>', () => {
    const error = refusalOf(
      ImmunizationRecord,
      { ...record, dateAdministered: '2024-02-30' },
      'data',
    );
    expect(error.code).toBe('invalid');
    expect(error.path).toBe('data.dateAdministered');
    expect(error.message).toContain('data.dateAdministered');
  });

  test('a bad optional (nullable) field is reported at its name, without union indices', () => {
    expect(refusalOf(Patient, { ...patient, motherName: 5 }, 'data').path).toBe('data.motherName');
  });

  test('a bad required field is reported at its name, without intersection indices', () => {
    expect(refusalOf(Patient, { ...patient, sex: 'Q' }, 'data').path).toBe('data.sex');
  });

  test('a bad entry of a causal context is reported at ctx.<device>', () => {
    expect(refusalOf(VersionVector, { foo: -1 }, 'ctx').path).toBe('ctx.foo');
  });

  test('a bad clock is reported at hlc.ms', () => {
    expect(refusalOf(Hlc, { ms: 1.5, n: 0 }, 'hlc').path).toBe('hlc.ms');
  });

  test('array indices stay in the path: ops.3.seq', () => {
    const Ops = t.array(t.type({ seq: t.number }));
    expect(refusalOf(Ops, [{ seq: 1 }, { seq: 2 }, { seq: 3 }, { seq: 'x' }], 'ops').path).toBe(
      'ops.3.seq',
    );
  });

  test('an element of an array of unions is reported at its index', () => {
    expect(
      refusalOf(Principal, { userId: 'u1', role: 'admin', facilityIds: ['f1', '*', '!'] }).path,
    ).toBe('facilityIds.2');
  });

  test('members of a bare union or intersection add no segments', () => {
    const Both = t.intersection([t.type({ a: t.string }), t.partial({ b: t.number })]);
    expect(refusalOf(Both, { a: 'x', b: 'y' }).path).toBe('b');
    const Either = t.type({ v: t.union([t.type({ x: t.string }), t.type({ y: t.number })]) });
    expect(refusalOf(Either, { v: { x: 1 } }).path).toBe('v.x');
  });

  test('members of an exact intersection add no segments', () => {
    const Exact = t.exact(t.intersection([t.type({ a: t.string }), t.partial({ b: t.number })]));
    expect(refusalOf(Exact, { a: 1 }).path).toBe('a');
    expect(refusalOf(Exact, { a: 'x', b: 'y' }, 'data').path).toBe('data.b');
  });

  test('nested strict structs report the full dotted path', () => {
    const Inner = strictStruct('Inner', { when: Hlc }, { note: nullable(t.string) });
    const Outer = strictStruct('Outer', { inner: Inner }, {});
    expect(refusalOf(Outer, { inner: { when: { ms: 1, n: -1 } } }).path).toBe('inner.when.n');
    expect(refusalOf(Outer, { inner: { when: { ms: 1, n: 1 }, note: 3 } }).path).toBe('inner.note');
    expect(refusalOf(Outer, { inner: { when: { ms: 1, n: 1 }, extra: 3 } }).path).toBe(
      'inner.extra',
    );
  });

  test('a numeric key of an object is kept in the path', () => {
    expect(refusalOf(VersionVector, { '123': 'x' }, 'ctx').path).toBe('ctx.123');
  });

  test('a refusal of the root value has the prefix as its path', () => {
    expect(refusalOf(Hlc, 'noon', 'hlc').path).toBe('hlc');
  });

  test('a refusal of the root value without a prefix has no path', () => {
    const error = refusalOf(Hlc, 'noon');
    expect(error.path).toBeUndefined();
    expect(Object.hasOwn(error, 'path')).toBe(false);
  });

  test('the code given is the code reported', () => {
    const error = reportValidation('bad_request', leftOf(Hlc.decode(null)), 'body');
    expect(error).toMatchObject({ code: 'bad_request', path: 'body' });
  });

  test('no io-ts errors still give an error, at the prefix', () => {
    expect(reportValidation('invalid', [], 'data')).toEqual({
      code: 'invalid',
      message: 'invalid input',
      path: 'data',
    });
  });

  test('a codec without a message of its own says what it expected and what it got', () => {
    const error = refusalOf(t.type({ n: t.number }), { n: 'seven' });
    expect(error.message).toBe('expected number, got the string "seven" at n');
  });
});

describe('syncError', () => {
  test('syncError leaves out an undefined path', () => {
    expect(syncError('not_found', 'no such op')).toEqual({
      code: 'not_found',
      message: 'no such op',
    });
    expect(Object.hasOwn(syncError('not_found', 'no such op'), 'path')).toBe(false);
  });

  test('invalid and forbidden build op errors with their code and path', () => {
    expect(invalid('bad date', 'data.dueDate')).toEqual({
      code: 'invalid',
      message: 'bad date',
      path: 'data.dueDate',
    });
    expect(forbidden('not yours')).toEqual({ code: 'forbidden', message: 'not yours' });
  });
});

describe('joinPath', () => {
  test('joinPath joins segments with dots and skips empty ones', () => {
    expect(joinPath('ops', 3, 'seq')).toBe('ops.3.seq');
    expect(joinPath(undefined, 'data', '', 'fullName')).toBe('data.fullName');
    expect(joinPath()).toBe('');
    expect(joinPath('ops', 0)).toBe('ops.0');
  });

  test.prop([fc.array(fc.stringMatching(/^[a-z]{1,8}$/), { maxLength: 6 })], { numRuns: 200 })(
    'joinPath of plain segments is their dotted join',
    (segments) => {
      expect(joinPath(...segments)).toBe(segments.join('.'));
    },
  );
});

describe('httpStatusOf', () => {
  const STATUS: Readonly<Record<ErrorCode, number>> = {
    bad_request: 400,
    invalid: 400,
    bad_cursor: 400,
    unsupported_schema: 400,
    unauthenticated: 401,
    forbidden: 403,
    not_found: 404,
    reset_required: 409,
    not_resolvable: 409,
    already_resolved: 409,
    stale: 409,
    too_large: 413,
    unsupported_encoding: 415,
    internal: 500,
    unavailable: 503,
  };
  const codes = Object.keys(STATUS).filter((code): code is ErrorCode =>
    Object.hasOwn(STATUS, code),
  );

  test.each(codes)('the code %s has its fixed HTTP status', (code) => {
    expect(httpStatusOf(code)).toBe(STATUS[code]);
  });

  test('every code has an error status', () => {
    for (const code of codes) {
      expect(httpStatusOf(code)).toBeGreaterThanOrEqual(400);
      expect(httpStatusOf(code)).toBeLessThan(600);
    }
    expect(codes).toHaveLength(15);
  });
});
