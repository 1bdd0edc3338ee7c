import { fc, test } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { describe, expect } from 'vitest';
import { Patient, PatientUpdate } from '../../src/domain/collections/patients.ts';
import { text } from '../../src/domain/scalars.ts';
import { nullable, strictStruct } from '../../src/domain/strict-struct.ts';
import { leftOf, refusalOf, rightOf } from './expect-either.ts';

const Note = strictStruct('Note', { title: text(20) }, { body: nullable(text(100)) });
const NoteUpdate = strictStruct(
  'NoteUpdate',
  {},
  { title: text(20), body: nullable(text(100)) },
  {
    nonEmpty: true,
  },
);

const patient = { fullName: 'Amina K.', sex: 'F', dateOfBirth: '2024-01-15', facilityId: 'f-1' };

describe('strictStruct', () => {
  test('a known document decodes to itself', () => {
    expect(rightOf(Note.decode({ title: 'hi', body: 'there' }))).toEqual({
      title: 'hi',
      body: 'there',
    });
    expect(rightOf(Note.decode({ title: 'hi' }))).toEqual({ title: 'hi' });
  });

  test('an unknown key fails at its own path', () => {
    expect(refusalOf(Note, { title: 'hi', colour: 'red' })).toEqual({
      code: 'invalid',
      message: 'unknown field at colour',
      path: 'colour',
    });
  });

  test('decoding a Patient with a nickname fails at nickname', () => {
    expect(refusalOf(Patient, { ...patient, nickname: 'x' }).path).toBe('nickname');
    expect(refusalOf(Patient, { ...patient, nickname: 'x' }, 'data').path).toBe('data.nickname');
  });

  test('an unknown key is reported before a bad known one', () => {
    expect(refusalOf(Note, { title: 5, colour: 'red' }).path).toBe('colour');
  });

  test.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'an own %s key from JSON.parse is refused as an unknown field',
    (key) => {
      const value: unknown = JSON.parse(`{"title":"hi",${JSON.stringify(key)}:{"polluted":true}}`);
      expect(refusalOf(Note, value)).toEqual({
        code: 'invalid',
        message: `unknown field at ${key}`,
        path: key,
      });
      expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
    },
  );

  test('a missing required field fails at its name', () => {
    expect(refusalOf(Note, { body: 'there' }).path).toBe('title');
  });

  test('a present undefined required field fails like a missing one', () => {
    expect(refusalOf(Note, { title: undefined }).path).toBe('title');
  });

  test('a nullable optional field accepts null', () => {
    expect(rightOf(Note.decode({ title: 'hi', body: null }))).toEqual({ title: 'hi', body: null });
    expect(rightOf(Patient.decode({ ...patient, motherName: null }))).toEqual({
      ...patient,
      motherName: null,
    });
  });

  test('a required field does not accept null', () => {
    expect(refusalOf(Note, { title: null }).path).toBe('title');
  });

  test.each([null, [], 'note', 3, undefined])('a non-object %j is refused at the root', (value) => {
    const error = refusalOf(Note, value, 'data');
    expect(error.path).toBe('data');
    expect(error.message).toBe('expected an object (Note) at data');
  });

  test('a nonEmpty update refuses {}', () => {
    expect(refusalOf(NoteUpdate, {}, 'data')).toEqual({
      code: 'invalid',
      message: 'expected at least one field at data',
      path: 'data',
    });
    expect(E.isLeft(PatientUpdate.decode({}))).toBe(true);
  });

  test('a nonEmpty update accepts one field, or one field set to null', () => {
    expect(rightOf(NoteUpdate.decode({ body: null }))).toEqual({ body: null });
    expect(rightOf(NoteUpdate.decode({ title: 'x' }))).toEqual({ title: 'x' });
  });

  test('a struct without nonEmpty accepts {} when nothing is required', () => {
    const Anything = strictStruct('Anything', {}, { a: t.string });
    expect(rightOf(Anything.decode({}))).toEqual({});
  });

  test('is() agrees with decode on known and unknown keys', () => {
    expect(Note.is({ title: 'hi' })).toBe(true);
    expect(Note.is({ title: '' })).toBe(false);
  });

  test('decoding stops at the first unknown key', () => {
    const errors = leftOf(Note.decode({ title: 'hi', a: 1, b: 2 }));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toBe('unknown field');
  });

  test.prop(
    [
      fc.record(
        {
          title: fc.stringMatching(/^[a-z]{1,20}$/),
          body: fc.option(fc.stringMatching(/^[a-z]{1,100}$/)),
        },
        { requiredKeys: ['title'] },
      ),
    ],
    { numRuns: 200 },
  )('a valid document round-trips through decode and encode', (note) => {
    const decoded = rightOf(Note.decode(note));
    expect(decoded).toEqual(note);
    expect(Note.encode(decoded)).toEqual(note);
  });

  test.prop([fc.stringMatching(/^[a-z]{1,12}$/)], { numRuns: 200 })(
    'any key other than the declared ones fails at its own path',
    (key) => {
      fc.pre(key !== 'title' && key !== 'body');
      expect(refusalOf(Note, { title: 'hi', [key]: 1 }, 'data').path).toBe(`data.${key}`);
    },
  );
});

describe('nullable', () => {
  test('nullable accepts the value and null, and names both', () => {
    const MaybeText = nullable(text(5));
    expect(rightOf(MaybeText.decode(null))).toBeNull();
    expect(rightOf(MaybeText.decode('abc'))).toBe('abc');
    expect(E.isLeft(MaybeText.decode(undefined))).toBe(true);
    expect(MaybeText.name).toBe('Text(5) | null');
  });
});
