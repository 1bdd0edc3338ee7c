/** Routing by method and path, for hosts that route by themselves (Appwrite functions). */
import { describe, expect, it } from 'vitest';
import type { HttpRoute } from '../../src/adapters/http/http-exchange.ts';
import { matchPattern, matchRoute } from '../../src/adapters/http/route-matching.ts';

const handle: HttpRoute['handle'] = async () => ({
  status: 200,
  headers: {},
  body: new Uint8Array(),
});
const routes: HttpRoute[] = [
  { method: 'GET', pattern: '/v1/ops/:collection/:docId', handle },
  { method: 'POST', pattern: '/v1/conflicts/:id/resolve', handle },
  { method: 'GET', pattern: '/v1/conflicts', handle },
];

describe('matchPattern', () => {
  it('captures URL-decoded parameters', () => {
    expect(matchPattern('/v1/ops/:collection/:docId', '/v1/ops/patients/a%2Eb')).toEqual({
      collection: 'patients',
      docId: 'a.b',
    });
  });

  it('does not match other lengths, literals, or empty captures', () => {
    expect(matchPattern('/v1/ops/:collection/:docId', '/v1/ops/patients')).toBeUndefined();
    expect(matchPattern('/v1/ops/:collection/:docId', '/v1/op/patients/x')).toBeUndefined();
    expect(
      matchPattern('/v1/conflicts/:id/resolve', '/v1/conflicts/%E0%A4%A/resolve'),
    ).toBeUndefined();
  });
});

describe('matchRoute', () => {
  it('finds the route of a method and path', () => {
    const { match } = matchRoute(routes, 'post', '/v1/conflicts/c-1/resolve');
    expect(match?.route.pattern).toBe('/v1/conflicts/:id/resolve');
    expect(match?.params).toEqual({ id: 'c-1' });
  });

  it('tells a known path with another method from an unknown path', () => {
    expect(matchRoute(routes, 'DELETE', '/v1/conflicts')).toEqual({
      match: undefined,
      pathKnown: true,
    });
    expect(matchRoute(routes, 'GET', '/v1/nothing')).toEqual({
      match: undefined,
      pathKnown: false,
    });
  });
});
