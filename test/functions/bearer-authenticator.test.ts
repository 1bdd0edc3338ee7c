/** The standalone authenticator: bearer tokens from the principals file. */
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { bearerAuthenticator, facilitiesByUser } from '../../src/functions/bearer-authenticator.ts';
import { PRINCIPAL_ENTRIES, TOKENS } from './sync-fixtures.ts';

const authenticator = bearerAuthenticator(PRINCIPAL_ENTRIES);

describe('bearerAuthenticator', () => {
  it('names the principal of a known token, never the token', async () => {
    const result = await authenticator.authenticate({
      authorization: `Bearer ${TOKENS.supervisor}`,
    });
    expect(result).toEqual(
      E.right({
        userId: 'supervisor',
        role: 'supervisor',
        facilityIds: ['fac-north', 'fac-south'],
      }),
    );
  });

  it('accepts the scheme in any case', async () => {
    const result = await authenticator.authenticate({ authorization: `bearer ${TOKENS.admin}` });
    expect(E.isRight(result)).toBe(true);
  });

  it.each([
    [{}],
    [{ authorization: '' }],
    [{ authorization: 'Bearer' }],
    [{ authorization: `Basic ${TOKENS.admin}` }],
    [{ authorization: `Bearer ${TOKENS.admin}x` }],
    [{ authorization: `Bearer ${TOKENS.admin} extra` }],
  ])('refuses %j with unauthenticated', async (headers) => {
    const result = await authenticator.authenticate(headers);
    expect(E.isLeft(result) && result.left.code).toBe('unauthenticated');
  });
});

describe('facilitiesByUser', () => {
  it("gives each user's facilities, and none to a stranger", () => {
    const of = facilitiesByUser(PRINCIPAL_ENTRIES);
    expect(of('hw-north')).toEqual(['fac-north']);
    expect(of('nobody')).toEqual([]);
  });
});
