/**
 * The standalone server's authenticator: `Authorization: Bearer <token>`, with tokens from the
 * principals file (PROTOCOL.md, Authentication).
 *
 * Tokens are kept as SHA-256 digests, so that looking one up compares digests, not the secrets
 * themselves character by character.
 */
import { createHash } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import type { Authenticator } from '../adapters/http/authenticator.ts';
import { syncError } from '../domain/errors.ts';
import type { Principal, PrincipalEntry } from '../domain/principal.ts';

const digestOf = (token: string): string => createHash('sha256').update(token).digest('hex');

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

/** An authenticator over the entries of a principals file. */
export const bearerAuthenticator = (entries: readonly PrincipalEntry[]): Authenticator => {
  const principals = new Map<string, Principal>();
  for (const entry of entries) {
    principals.set(digestOf(entry.token), {
      userId: entry.userId,
      role: entry.role,
      facilityIds: entry.facilityIds,
    });
  }
  return {
    authenticate: async (headers) => {
      const header = headers.authorization;
      if (header === undefined || header.trim() === '') {
        return E.left(
          syncError('unauthenticated', 'send your token as Authorization: Bearer <token>'),
        );
      }
      const token = BEARER.exec(header)?.[1];
      if (token === undefined) {
        return E.left(
          syncError('unauthenticated', 'the Authorization header is not Bearer <token>'),
        );
      }
      const principal = principals.get(digestOf(token));
      return principal === undefined
        ? E.left(syncError('unauthenticated', 'the token is not known to this server'))
        : E.right(principal);
    },
  };
};

/**
 * The facilities of each user of the entries: the log's `userFacilities` option (where a
 * notification without a patient is visible). A user listed twice gets the union.
 */
export const facilitiesByUser = (
  entries: readonly PrincipalEntry[],
): ((userId: string) => readonly string[]) => {
  const byUser = new Map<string, Set<string>>();
  for (const entry of entries) {
    const set = byUser.get(entry.userId) ?? new Set<string>();
    for (const facility of entry.facilityIds) set.add(facility);
    byUser.set(entry.userId, set);
  }
  return (userId) => [...(byUser.get(userId) ?? [])];
};
