/**
 * Authentication, as each host does it (DESIGN.md section 6): identity comes from the request's
 * credentials, never from its body. The standalone server reads bearer tokens
 * (`functions/bearer-authenticator.ts`); Appwrite functions read the executor's
 * `x-appwrite-user-id` and the user's row (`adapters/appwrite`). It lives beside the exchange
 * types so that every host's adapter can implement it.
 */
import type * as E from 'fp-ts/lib/Either.js';
import type { SyncError } from '../../domain/errors.ts';
import type { Principal } from '../../domain/principal.ts';

/** Resolves a request's headers (lower-case names) to a principal, or refuses. */
export interface Authenticator {
  /**
   * The principal the credentials name; `unauthenticated` when there are none or they are
   * unknown (a host may also answer `unavailable` when it cannot check them now).
   */
  authenticate(headers: Readonly<Record<string, string>>): Promise<E.Either<SyncError, Principal>>;
}
