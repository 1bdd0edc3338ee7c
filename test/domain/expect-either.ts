/**
 * Small assertions over `Either` for the domain tests: they unwrap the side a test expects and
 * fail the test, with the other side shown, when the result is on the wrong side.
 */
import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { reportValidation, type SyncError } from '../../src/domain/errors.ts';

/** The value of a `Right`; fails the test on a `Left`. */
export const rightOf = <L, R>(result: E.Either<L, R>): R => {
  if (E.isLeft(result)) {
    throw new Error(`expected a Right, got the Left ${JSON.stringify(result.left)}`);
  }
  return result.right;
};

/** The error of a `Left`; fails the test on a `Right`. */
export const leftOf = <L, R>(result: E.Either<L, R>): L => {
  if (E.isRight(result)) {
    throw new Error(`expected a Left, got the Right ${JSON.stringify(result.right)}`);
  }
  return result.left;
};

/** The reported error of a value that `codec` refuses, with its path under `prefix`. */
export const refusalOf = (
  codec: t.Decoder<unknown, unknown>,
  value: unknown,
  prefix?: string,
): SyncError<'invalid'> => reportValidation('invalid', leftOf(codec.decode(value)), prefix);
