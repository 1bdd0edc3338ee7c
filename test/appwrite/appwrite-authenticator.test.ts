/** The Appwrite authenticator: `x-appwrite-user-id` and the user's row in `users`. */
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import type { UserDirectory, UserRow } from '../../src/adapters/appwrite/user-directory.ts';
import type { Principal } from '../../src/domain/principal.ts';
import { appwriteAuthenticator } from '../../src/functions/appwrite/appwrite-authenticator.ts';

const directory = (
  rows: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
): UserDirectory => ({
  userRow: async (userId): Promise<UserRow> => {
    const columns = rows[userId];
    return columns === undefined ? { found: false } : { found: true, columns };
  },
});

const ROWS = {
  'hw-1': { role: 'health_worker', facilityIds: ['fac-1'], name: null, email: null },
  'bad-role': { role: 'janitor', facilityIds: [] },
};

const JWTS: Readonly<Record<string, string>> = { 'jwt-hw-1': 'hw-1' };
const verifyJwt = async (jwt: string): Promise<string | undefined> => JWTS[jwt];

const authenticate = (headers: Record<string, string>, dir: UserDirectory = directory(ROWS)) =>
  appwriteAuthenticator({ directoryFor: () => dir, verifyJwt }).authenticate(headers);

const codeOf = (result: E.Either<{ code: string }, unknown>): string =>
  E.isLeft(result) ? result.left.code : 'ok';

describe('the Appwrite authenticator', () => {
  it('resolves the user of x-appwrite-user-id to the role and facilities of its users row', async () => {
    const seen: Principal[] = [];
    const result = await appwriteAuthenticator({
      directoryFor: () => directory(ROWS),
      observe: (p) => seen.push(p),
    }).authenticate({ 'x-appwrite-user-id': 'hw-1' });
    expect(result).toEqual(
      E.right({ userId: 'hw-1', role: 'health_worker', facilityIds: ['fac-1'] }),
    );
    expect(seen.map((p) => p.userId)).toEqual(['hw-1']);
  });

  it.each([
    ['no header', {}],
    ['an empty header (API key, guest or function-domain caller)', { 'x-appwrite-user-id': '' }],
    ['an id that is not a row id', { 'x-appwrite-user-id': '$bad id' }],
  ])('refuses %s with unauthenticated', async (_what, headers) => {
    expect(codeOf(await authenticate(headers))).toBe('unauthenticated');
  });

  it('takes the user of a request through the function domain from its verified JWT', async () => {
    const result = await authenticate({
      'x-appwrite-user-id': '',
      'x-immune-sync-jwt': 'jwt-hw-1',
    });
    expect(E.isRight(result) && result.right.userId).toBe('hw-1');
  });

  it('refuses a JWT that Appwrite does not accept with unauthenticated', async () => {
    const result = await authenticate({ 'x-immune-sync-jwt': 'forged' });
    expect(E.isLeft(result) && [result.left.code, result.left.message]).toEqual([
      'unauthenticated',
      'the x-immune-sync-jwt JWT is invalid or expired',
    ]);
  });

  it('refuses a user without a users row with forbidden', async () => {
    const result = await authenticate({ 'x-appwrite-user-id': 'ghost' });
    expect(codeOf(result)).toBe('forbidden');
  });

  it('refuses a users row with an unknown role with forbidden, at the role', async () => {
    const result = await authenticate({ 'x-appwrite-user-id': 'bad-role' });
    expect(E.isLeft(result) && [result.left.code, result.left.path]).toEqual(['forbidden', 'role']);
  });

  it('answers unavailable when the users table cannot be read', async () => {
    const broken: UserDirectory = {
      userRow: async () => Promise.reject(new Error('ECONNREFUSED')),
    };
    expect(codeOf(await authenticate({ 'x-appwrite-user-id': 'hw-1' }, broken))).toBe(
      'unavailable',
    );
  });
});
