/**
 * Principals the server acts as for itself: the metrics collector reading device lag, the
 * seeding of reference data, the command line operating on a database. They are decoded like
 * any other principal.
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { reportValidation, type SyncError } from '../domain/errors.ts';
import { ALL_FACILITIES, Principal, type Role } from '../domain/principal.ts';

/** A principal of every facility with `role`, named `userId`; `bad_request` for a bad id. */
export const decodeSystemPrincipal = (userId: string, role: Role): E.Either<SyncError, Principal> =>
  pipe(
    Principal.decode({ userId, role, facilityIds: [ALL_FACILITIES] }),
    E.mapLeft((errors) => reportValidation('bad_request', errors)),
  );

/** `decodeSystemPrincipal` for ids written in the code: a bad one is a bug. */
export const systemPrincipal = (userId: string, role: Role): Principal => {
  const decoded = decodeSystemPrincipal(userId, role);
  if (E.isLeft(decoded)) throw new Error(`bug: ${userId} is not a valid user id`);
  return decoded.right;
};
