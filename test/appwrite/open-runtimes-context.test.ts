/** Translating the open-runtimes request into the handlers' `HttpRequest`, and row event names. */
import { describe, expect, it } from 'vitest';
import { parseRowEvent } from '../../src/adapters/appwrite/row-event.ts';
import { httpRequestOf } from '../../src/functions/appwrite/open-runtimes-context.ts';

const req = (overrides: Partial<Parameters<typeof httpRequestOf>[0]> = {}) =>
  httpRequestOf({
    bodyBinary: Buffer.from('{"a":1}'),
    headers: {},
    method: 'get',
    path: '/v1/pull',
    queryString: '',
    ...overrides,
  });

describe('the request a function hands to the handlers', () => {
  it('URL-decodes the query, which the runtime leaves encoded, keeping a repeated key first value', () => {
    const request = req({ queryString: 'after=c%3Aabc%2Fdef&limit=10&limit=20' });
    expect(request.query).toEqual({ after: 'c:abc/def', limit: '10' });
  });

  it('upper-cases the method, keeps the raw body, and drops accept-encoding', () => {
    const request = req({ headers: { 'accept-encoding': 'br', 'x-appwrite-user-id': 'u1' } });
    expect(request.method).toBe('GET');
    expect(new TextDecoder().decode(request.body)).toBe('{"a":1}');
    expect(request.headers).toEqual({ 'x-appwrite-user-id': 'u1' });
  });

  it('reads an empty path as /', () => {
    expect(req({ path: '' }).path).toBe('/');
  });
});

describe('row event names', () => {
  it('reads the tables form and the collections form alike', () => {
    const expected = { databaseId: 'db', tableId: 'patients', rowId: 'p-1', action: 'create' };
    expect(parseRowEvent('databases.db.tables.patients.rows.p-1.create')).toEqual(expected);
    expect(parseRowEvent('databases.db.collections.patients.documents.p-1.create')).toEqual(
      expected,
    );
  });

  it('reads no row event in other events or in a wildcard', () => {
    expect(parseRowEvent('users.u1.create')).toBeUndefined();
    expect(parseRowEvent('databases.db.tables.patients.rows.p-1')).toBeUndefined();
    expect(parseRowEvent('')).toBeUndefined();
  });
});
