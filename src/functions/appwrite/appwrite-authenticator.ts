/**
 * Authentication inside an Appwrite function (DESIGN.md section 6; APPWRITE.md section 1): the
 * executor's `x-appwrite-user-id` names the calling user, and the user's row in the `users`
 * table gives the role and the facilities. Nothing of the request body is trusted.
 *
 * Requests through the function's own domain carry no user (Appwrite sets the header to ''):
 * there, the app sends its user's JWT (`Account.createJWT()`) in `x-immune-sync-jwt`, and the
 * user is the one Appwrite's `Account.get()` answers for that JWT.
 *
 * Refusals:
 * - no user (an API-key or guest caller, or a domain request without a JWT), an id that is not a
 *   valid user id, or a JWT that Appwrite does not accept: `unauthenticated`;
 * - a user without a row in `users`, or whose row has no valid role and facilities: `forbidden`
 *   (Appwrite knows the user, immune-sync gives them no rights);
 * - the table or the JWT cannot be checked now: `unavailable` (the client retries with backoff).
 */
import * as E from 'fp-ts/lib/Either.js';
import { hasAppwriteStatus } from '../../adapters/appwrite/appwrite-connection.ts';
import type { UserDirectory, UserRow } from '../../adapters/appwrite/user-directory.ts';
import type { Authenticator } from '../../adapters/http/authenticator.ts';
import { reportValidation, type SyncError, syncError } from '../../domain/errors.ts';
import { UserId } from '../../domain/ids.ts';
import { type Principal, UserProfile } from '../../domain/principal.ts';

/** The header in which the executor names the calling user. */
export const USER_ID_HEADER = 'x-appwrite-user-id';

/** The header in which a request through the function's domain carries its user's JWT. */
export const JWT_HEADER = 'x-immune-sync-jwt';

/** The user id a JWT belongs to, or undefined when Appwrite refuses the JWT; throws if unsure. */
export type JwtVerifier = (jwt: string) => Promise<string | undefined>;

/** Called with each principal authenticated, e.g. to remember users' facilities. */
export type PrincipalObserver = (principal: Principal) => void;

/** What an Appwrite authenticator reads users and JWTs with. */
export interface AppwriteIdentitySources {
  /** The `users` table, read with the credentials of a request (its `x-appwrite-key`). */
  readonly directoryFor: (headers: Readonly<Record<string, string>>) => UserDirectory;
  /** Absent: domain requests are refused. */
  readonly verifyJwt?: JwtVerifier;
  readonly observe?: PrincipalObserver;
}

const unavailable = (what: string, error: unknown): SyncError =>
  hasAppwriteStatus(error, 401)
    ? syncError(
        'unavailable',
        `${what} cannot be checked with the execution's key: give the function the scope rows.read`,
      )
    : syncError(
        'unavailable',
        `${what} cannot be checked now (${error instanceof Error ? error.message : String(error)}): retry with backoff`,
      );

/** The raw id of the calling user, from the executor's header or a verified JWT. */
const callerOf = async (
  headers: Readonly<Record<string, string>>,
  verifyJwt: JwtVerifier | undefined,
): Promise<E.Either<SyncError, string>> => {
  const header = headers[USER_ID_HEADER]?.trim() ?? '';
  if (header !== '') return E.right(header);
  const jwt = headers[JWT_HEADER]?.trim() ?? '';
  if (jwt === '' || verifyJwt === undefined) {
    return E.left(
      syncError(
        'unauthenticated',
        `no ${USER_ID_HEADER} header: call the function as a signed-in user (API keys and guests carry no user; through the function's domain, send the user's JWT in ${JWT_HEADER})`,
      ),
    );
  }
  try {
    const userId = await verifyJwt(jwt);
    return userId === undefined
      ? E.left(syncError('unauthenticated', `the ${JWT_HEADER} JWT is invalid or expired`))
      : E.right(userId);
  } catch (error) {
    return E.left(unavailable('the JWT', error));
  }
};

/** The principal of a users row (see the module's refusals). */
const principalOf = (userId: UserId, row: UserRow): E.Either<SyncError, Principal> => {
  if (!row.found) {
    return E.left(
      syncError('forbidden', `user ${userId} has no row in the users table (role, facilities)`),
    );
  }
  const profile = UserProfile.decode({
    role: row.columns.role,
    facilityIds: row.columns.facilityIds,
  });
  if (E.isLeft(profile)) {
    const reported = reportValidation('forbidden', profile.left);
    return E.left(
      syncError(
        'forbidden',
        `the users row of ${userId} is not a valid profile: ${reported.message}`,
        reported.path,
      ),
    );
  }
  return E.right({ userId, role: profile.right.role, facilityIds: profile.right.facilityIds });
};

/**
 * An authenticator on Appwrite's users (see the module).
 *
 * @example
 * const auth = appwriteAuthenticator({
 *   directoryFor: (h) => tablesDbUserDirectory(tablesDbOf({ ...conn, apiKey: h['x-appwrite-key'] ?? '' }), db),
 * });
 */
export const appwriteAuthenticator = (sources: AppwriteIdentitySources): Authenticator => ({
  authenticate: async (headers) => {
    const caller = await callerOf(headers, sources.verifyJwt);
    if (E.isLeft(caller)) return caller;
    const userId = UserId.decode(caller.right);
    if (E.isLeft(userId)) {
      return E.left(syncError('unauthenticated', `${USER_ID_HEADER} is not a valid user id`));
    }
    let row: UserRow;
    try {
      row = await sources.directoryFor(headers).userRow(userId.right);
    } catch (error) {
      return E.left(unavailable('the users table', error));
    }
    const principal = principalOf(userId.right, row);
    if (E.isRight(principal)) sources.observe?.(principal.right);
    return principal;
  },
});
