/**
 * Opaque, versioned, signed tokens (cursors, snapshot pages, conflict pages). A token is
 * `<kind><version>.<payload>.<mac>`: the payload is base64url text whose first field is the
 * log's epoch, the mac a truncated HMAC-SHA256 of everything before it with the log's secret.
 *
 * Invariants:
 * 1. A token whose shape, version or mac is wrong is `bad_cursor`: nobody can forge a position.
 * 2. A well-formed token of another epoch is `reset_required`, whatever its mac (that log's
 *    secret is not ours to check it with); a restored or reset server never misreads one.
 */
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { type SyncError, syncError } from '../domain/errors.ts';
import type { LogIdentity } from './log-identity.ts';

/** The version of every token format; bump it when a payload changes. */
export const TOKEN_VERSION = 1;

const MAC_BYTES = 16;
const FIELD_SEPARATOR = '\u001f';

export type TokenError = SyncError<'bad_cursor' | 'reset_required'>;

/**
 * Each identity's secret as a key object, made once: an append signs a cursor per op, and a key
 * given as bytes would be imported again for every one.
 */
const keys = new WeakMap<LogIdentity, KeyObject>();

const keyOf = (identity: LogIdentity): KeyObject => {
  const known = keys.get(identity);
  if (known !== undefined) return known;
  const key = createSecretKey(identity.secret);
  keys.set(identity, key);
  return key;
};

const macOf = (identity: LogIdentity, signed: string): Buffer =>
  createHmac('sha256', keyOf(identity)).update(signed).digest().subarray(0, MAC_BYTES);

/** Signs `fields` (no field may contain U+001F) as a token of `kind` (one letter). */
export const signToken = (
  identity: LogIdentity,
  kind: string,
  fields: readonly string[],
): string => {
  const payload = Buffer.from([identity.epoch, ...fields].join(FIELD_SEPARATOR)).toString(
    'base64url',
  );
  const signed = `${kind}${TOKEN_VERSION}.${payload}`;
  return `${signed}.${macOf(identity, signed).toString('base64url')}`;
};

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The fields of a token of `kind`, or why it cannot be read. */
export const verifyToken = (
  identity: LogIdentity,
  kind: string,
  token: string,
  what = 'cursor',
): E.Either<TokenError, readonly string[]> => {
  const bad = E.left(syncError('bad_cursor', `the ${what} is not one this server issued`));
  const parts = token.split('.');
  if (parts.length !== 3) return bad;
  const [head, payload, mac] = parts;
  if (head !== `${kind}${TOKEN_VERSION}` || payload === undefined || mac === undefined) return bad;
  if (!BASE64URL.test(payload) || !BASE64URL.test(mac)) return bad;
  const fields = Buffer.from(payload, 'base64url').toString('utf8').split(FIELD_SEPARATOR);
  const [epoch, ...rest] = fields;
  if (epoch === undefined || epoch === '') return bad;
  if (epoch !== identity.epoch) {
    return E.left(
      syncError(
        'reset_required',
        `the ${what} belongs to another epoch of the log (a reset or restored server): bootstrap again from a snapshot`,
      ),
    );
  }
  // Compared as text: base64url has several spellings of the same bytes, and a token is
  // authentic only in the one spelling this server writes.
  const expected = Buffer.from(macOf(identity, `${head}.${payload}`).toString('base64url'));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return bad;
  return E.right(rest);
};
