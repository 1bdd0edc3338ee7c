/**
 * What a thrown error means to a client. Handlers answer refusals as values; a throw comes from
 * below (the database). Where the store is out of reach, busy or shutting down, the answer is
 * `503 unavailable`, which clients retry with backoff (DESIGN.md section 5, Recovery); anything
 * else is a bug, `500 internal`.
 */
import { type SyncError, syncError } from '../domain/errors.ts';

/** Node's network errors. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

/**
 * Postgres SQLSTATE classes of a store that cannot serve now: 08 connection exception, 40
 * transaction rollback (serialization, deadlock), 53 insufficient resources, 57 operator
 * intervention (shutdown, cancel); and 55P03, lock not available.
 */
const isTransientSqlState = (code: string): boolean =>
  /^[0-9A-Z]{5}$/.test(code) &&
  (['08', '40', '53', '57'].includes(code.slice(0, 2)) || code === '55P03');

/** SQLite's busy and locked results (extended codes included). */
const isSqliteBusy = (code: string): boolean =>
  code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');

/** node-postgres reports a lost or refused connection by message only. */
const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection error/i,
  /cannot use a pool after calling end/i,
  /the database connection is not open/i,
];

const stringProperty = (value: unknown, key: string): string | undefined => {
  if (typeof value !== 'object' || value === null || !(key in value)) return undefined;
  const property: unknown = Reflect.get(value, key);
  return typeof property === 'string' ? property : undefined;
};

/** True when a thrown error says the store cannot serve now (retrying later may succeed). */
export const isUnavailable = (error: unknown): boolean => {
  const code = stringProperty(error, 'code');
  if (
    code !== undefined &&
    (NETWORK_CODES.has(code) || isSqliteBusy(code) || isTransientSqlState(code))
  ) {
    return true;
  }
  const message = stringProperty(error, 'message') ?? '';
  if (TRANSIENT_MESSAGES.some((pattern) => pattern.test(message))) return true;
  const cause =
    typeof error === 'object' && error !== null ? Reflect.get(error, 'cause') : undefined;
  return cause !== undefined && cause !== error && isUnavailable(cause);
};

/** The refusal a thrown error is answered with. */
export const refusalOfThrow = (error: unknown): SyncError =>
  isUnavailable(error)
    ? syncError('unavailable', 'the store cannot serve right now: retry with backoff')
    : syncError('internal', 'an internal error; it has been logged');
