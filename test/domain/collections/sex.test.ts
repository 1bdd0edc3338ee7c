import { fc, test } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect } from 'vitest';
import { Sex } from '../../../src/domain/collections/sex.ts';
import { refusalOf, rightOf } from '../expect-either.ts';

describe('Sex', () => {
  test.each(['F', 'M', 'X'])('Sex accepts %s', (value) => {
    expect(rightOf(Sex.decode(value))).toBe(value);
  });

  test.each(['Q', 'f', 'm', '', 'female', 'F ', null, 0])('Sex refuses %j', (value) => {
    expect(refusalOf(Sex, value, 'data.sex').path).toBe('data.sex');
  });

  test.prop([fc.string({ maxLength: 3 })], { numRuns: 200 })(
    'Sex accepts a string exactly when it is F, M or X',
    (value) => {
      expect(E.isRight(Sex.decode(value))).toBe(['F', 'M', 'X'].includes(value));
    },
  );
});
