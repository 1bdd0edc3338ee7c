/**
 * Decoding query parameters and route parameters: a codec over the strings a URL carries, and
 * its failure as `400 bad_request` at the parameter's name.
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as t from 'io-ts';
import { reportValidation, type SyncError } from '../../domain/errors.ts';

/** A whole number written in decimal, from `min` to `max` (a `limit`). */
export const IntParam = (min: number, max: number, name: string): t.Type<number, string, unknown> =>
  new t.Type<number, string, unknown>(
    name,
    (u): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= min && u <= max,
    (u, c) => {
      if (typeof u !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(u)) {
        return t.failure(u, c, `expected a whole number from ${min} to ${max}`);
      }
      const n = Number(u);
      return n >= min && n <= max
        ? t.success(n)
        : t.failure(u, c, `expected a whole number from ${min} to ${max}`);
    },
    String,
  );

/** Decodes `value` with `codec`; a failure is `bad_request` with the path of the bad parameter. */
export const decodeParams = <A, O>(
  codec: t.Type<A, O, unknown>,
  value: unknown,
): E.Either<SyncError, A> =>
  pipe(
    codec.decode(value),
    E.mapLeft((errors) => reportValidation('bad_request', errors)),
  );

/** A cursor or token parameter: an empty one (`after=`) counts as absent. */
export const presentOrUndefined = (value: string | undefined): string | undefined =>
  value === undefined || value === '' ? undefined : value;
