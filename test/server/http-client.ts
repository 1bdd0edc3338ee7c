/**
 * Requests to a running server with `fetch`, as a client would send them, and assertions on the
 * error bodies of PROTOCOL.md.
 */
import { expect } from 'vitest';
import { type TestUser, TOKENS } from '../functions/sync-fixtures.ts';

/** A property of a JSON value, for assertions without casts. */
export const prop = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null && key in value ? Reflect.get(value, key) : undefined;

export interface Call {
  readonly as?: TestUser;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A client of one server. */
export const clientOf = (url: string) => {
  const send = (method: string, path: string, call: Call = {}): Promise<Response> => {
    const body =
      call.body === undefined
        ? undefined
        : call.body instanceof Uint8Array
          ? call.body
          : JSON.stringify(call.body);
    return fetch(`${url}${path}`, {
      method,
      headers: {
        ...(call.as === undefined ? {} : { authorization: `Bearer ${TOKENS[call.as]}` }),
        ...(body === undefined || body instanceof Uint8Array
          ? {}
          : { 'content-type': 'application/json' }),
        ...call.headers,
      },
      ...(body === undefined ? {} : { body }),
    });
  };
  return {
    send,
    get: (path: string, call: Call = {}) => send('GET', path, call),
    post: (path: string, call: Call = {}) => send('POST', path, call),
    /** Status and JSON, for the conflict scenario. */
    json: async (method: 'GET' | 'POST', path: string, as: TestUser, body?: unknown) => {
      const response = await send(method, path, { as, ...(body === undefined ? {} : { body }) });
      return { status: response.status, json: await response.json() };
    },
  };
};

export type Client = ReturnType<typeof clientOf>;

/**
 * Checks an error answer: its status, and a body of exactly `{"error": {"code", "message",
 * "path"?}}` with the given code (and path, if given).
 */
export const expectError = async (
  response: Response,
  status: number,
  code: string,
  path?: string,
): Promise<void> => {
  const body: unknown = await response.json();
  expect({ status: response.status, code: prop(prop(body, 'error'), 'code') }).toEqual({
    status,
    code,
  });
  expect(Object.keys(typeof body === 'object' && body !== null ? body : {})).toEqual(['error']);
  const error = prop(body, 'error');
  const keys = Object.keys(typeof error === 'object' && error !== null ? error : {}).sort();
  expect(keys).toEqual(
    path === undefined ? expect.arrayContaining(['code', 'message']) : ['code', 'message', 'path'],
  );
  expect(keys.every((k) => ['code', 'message', 'path'].includes(k))).toBe(true);
  expect(typeof prop(error, 'message')).toBe('string');
  if (path !== undefined) expect(prop(error, 'path')).toBe(path);
};
