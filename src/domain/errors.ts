/**
 * Errors as values. Every refusal the engine gives carries one of PROTOCOL.md's codes, a message
 * for people and, where it applies, the dotted path to the bad input (`ops.3.seq`,
 * `data.dateAdministered`).
 *
 * Invariants:
 * 1. `code` is the tag: a `switch` over it is exhaustive.
 * 2. The HTTP status of a code is fixed here, once, so every host answers alike.
 * 3. Nothing here throws; `throw` is kept for bugs.
 */
import type * as t from 'io-ts';

/** Codes a whole request can fail with (PROTOCOL.md). */
export type RequestErrorCode =
  | 'bad_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'too_large'
  | 'unsupported_encoding'
  | 'unavailable'
  | 'bad_cursor'
  | 'reset_required'
  | 'not_resolvable'
  | 'already_resolved'
  | 'stale'
  | 'internal';

/** Codes one op of a push can be rejected with (PROTOCOL.md, per-op rejection codes). */
export type OpErrorCode = 'invalid' | 'forbidden' | 'unsupported_schema';

export type ErrorCode = RequestErrorCode | OpErrorCode;

/** A refusal: the tag `code`, a message for people, and the path to the bad input if any. */
export interface SyncError<C extends ErrorCode = ErrorCode> {
  readonly code: C;
  readonly message: string;
  readonly path?: string;
}

/** The error a single op is rejected with. */
export type OpError = SyncError<OpErrorCode>;

/** Builds an error; `path` is left out when undefined so the wire shape stays exact. */
export const syncError = <C extends ErrorCode>(
  code: C,
  message: string,
  path?: string,
): SyncError<C> => (path === undefined ? { code, message } : { code, message, path });

export const invalid = (message: string, path?: string): OpError =>
  syncError('invalid', message, path);

export const forbidden = (message: string, path?: string): SyncError<'forbidden'> =>
  syncError('forbidden', message, path);

/** The HTTP status every host answers a request error with. */
export const httpStatusOf = (code: ErrorCode): number => {
  switch (code) {
    case 'bad_request':
    case 'invalid':
    case 'bad_cursor':
    case 'unsupported_schema':
      return 400;
    case 'unauthenticated':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'reset_required':
    case 'not_resolvable':
    case 'already_resolved':
    case 'stale':
      return 409;
    case 'too_large':
      return 413;
    case 'unsupported_encoding':
      return 415;
    case 'unavailable':
      return 503;
    case 'internal':
      return 500;
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
};

/** Joins path segments with dots, skipping empty ones: `joinPath('ops', 3, 'seq')` is `ops.3.seq`. */
export const joinPath = (...segments: ReadonlyArray<string | number | undefined>): string =>
  segments.filter((s) => s !== undefined && s !== '').join('.');

const describe = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `the string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
};

/** Tags of io-ts combinators whose context keys are member indices, not input keys. */
const TRANSPARENT = new Set(['UnionType', 'IntersectionType']);

const tagOf = (decoder: t.Decoder<unknown, unknown>): string | undefined => {
  if ('_tag' in decoder && typeof decoder._tag === 'string') return decoder._tag;
  return undefined;
};

/**
 * True for the context entry of a union or intersection member. Wrappers (`t.exact`,
 * `strictStruct`) add no entry of their own, so the combinator may be missing from the context;
 * a member is then known by its index key and by validating the very value its parent did (a
 * property or an element is a different value than its object).
 */
const isMemberEntry = (entry: t.ContextEntry, parent: t.ContextEntry | undefined): boolean => {
  if (parent === undefined) return false;
  const parentTag = tagOf(parent.type);
  if (parentTag !== undefined && TRANSPARENT.has(parentTag)) return true;
  return /^\d+$/.test(entry.key) && entry.actual === parent.actual;
};

/** The dotted path of one io-ts error, relative to the decoded value's root. */
export const pathOfValidationError = (error: t.ValidationError): string => {
  const keys: string[] = [];
  error.context.forEach((entry, i) => {
    const parent = i > 0 ? error.context[i - 1] : undefined;
    if (entry.key === '') return;
    if (isMemberEntry(entry, parent)) return;
    keys.push(entry.key);
  });
  return keys.join('.');
};

/**
 * Turns io-ts errors into one `SyncError`: the first failure, with its path under `prefix`.
 * io-ts reports every member of a failed union; the first error is the most specific one.
 */
export const reportValidation = <C extends ErrorCode>(
  code: C,
  errors: t.Errors,
  prefix?: string,
): SyncError<C> => {
  const first = errors[0];
  if (first === undefined) return syncError(code, 'invalid input', prefix);
  const inner = pathOfValidationError(first);
  const path = joinPath(prefix, inner);
  const expected = first.context[first.context.length - 1]?.type.name ?? 'a valid value';
  const what = first.message ?? `expected ${expected}, got ${describe(first.value)}`;
  const message = path === '' ? what : `${what} at ${path}`;
  return syncError(code, message, path === '' ? undefined : path);
};
