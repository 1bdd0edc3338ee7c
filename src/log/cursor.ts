/**
 * Cursors: positions in the log's visibility order, as opaque signed tokens (see
 * `signed-token.ts`).
 *
 * A position is a pair `(at, op)`: op `op` became visible at log position `at`. Ordinary ops
 * have `at = op`; the history a transfer reveals has `at` = the transfer's position and `op` =
 * the revealed op's own position. Readers go in `(at, op)` order, so a revealed op comes after
 * everything the reader had already seen and before the transfer itself.
 *
 * Invariants:
 * 1. `op <= at`, both whole numbers; `(0, 0)` is the start of the log.
 * 2. A cursor beyond the log's head was issued by a later state of this log (the store was
 *    restored from a backup): `reset_required`, like a cursor of another epoch.
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { syncError } from '../domain/errors.ts';
import type { LogIdentity } from './log-identity.ts';
import { signToken, type TokenError, verifyToken } from './signed-token.ts';

/** A position in visibility order. */
export interface LogPosition {
  readonly at: number;
  readonly op: number;
}

/** The start of the log: before every op. */
export const START: LogPosition = { at: 0, op: 0 };

/** The position of an op in its own place (not revealed). */
export const positionOf = (position: number): LogPosition => ({ at: position, op: position });

/** Orders positions: by `at`, then by `op`. */
export const comparePositions = (a: LogPosition, b: LogPosition): number =>
  a.at !== b.at ? a.at - b.at : a.op - b.op;

const CURSOR_KIND = 'c';
const DIGITS = /^(0|[1-9][0-9]{0,15})$/;

const signCursor = (identity: LogIdentity, position: LogPosition): string =>
  signToken(identity, CURSOR_KIND, [String(position.at), String(position.op)]);

/**
 * How many cursors of ordinary positions each log keeps once signed. A cursor depends only on
 * the log's identity and the position, and an op is read by every device of its facility soon
 * after it is appended (each pull page signs a cursor per op): the newest ones are kept, the
 * oldest dropped first. About 6 MiB at most.
 */
export const RECENT_CURSORS = 50_000;

/**
 * The kept cursors of one log, by position modulo `RECENT_CURSORS`: positions are consecutive
 * whole numbers, so a slot holds the newest of the positions that share it, and writing one
 * drops the position `RECENT_CURSORS` before it, the oldest. (A `Map` used as a queue was
 * tried first: V8 leaves the deleted entries in place until the table is rebuilt, so finding
 * the oldest key walked over tens of thousands of them once a log held more than
 * `RECENT_CURSORS` ops: 15 µs per new cursor, 3.7 of them the HMAC, a fifth of a pull's time.)
 */
class RecentCursors {
  readonly #positions = new Float64Array(RECENT_CURSORS);
  readonly #cursors: (string | undefined)[] = new Array<string | undefined>(RECENT_CURSORS);

  get(position: number): string | undefined {
    const slot = position % RECENT_CURSORS;
    return this.#positions[slot] === position ? this.#cursors[slot] : undefined;
  }

  set(position: number, cursor: string): void {
    const slot = position % RECENT_CURSORS;
    this.#positions[slot] = position;
    this.#cursors[slot] = cursor;
  }
}

const recentCursors = new WeakMap<LogIdentity, RecentCursors>();

/** The cursor of a position. */
export const encodeCursor = (identity: LogIdentity, position: LogPosition): string => {
  // A revealed op's position (`op < at`) is read once, by the devices of the transfer.
  if (position.at !== position.op) return signCursor(identity, position);
  let recent = recentCursors.get(identity);
  if (recent === undefined) {
    recent = new RecentCursors();
    recentCursors.set(identity, recent);
  }
  const known = recent.get(position.at);
  if (known !== undefined) return known;
  const cursor = signCursor(identity, position);
  recent.set(position.at, cursor);
  return cursor;
};

/** Reads the whole numbers of a verified payload. */
const positionOfFields = (fields: readonly string[]): LogPosition | undefined => {
  const [at, op] = fields;
  if (fields.length !== 2 || at === undefined || op === undefined) return undefined;
  if (!DIGITS.test(at) || !DIGITS.test(op)) return undefined;
  const position = { at: Number(at), op: Number(op) };
  return Number.isSafeInteger(position.at) && position.op <= position.at ? position : undefined;
};

/**
 * The position a cursor names, checked against the log's `head` position:
 * `bad_cursor` if tampered with or malformed, `reset_required` if of another epoch or beyond
 * the head.
 */
export const decodeCursor = (
  identity: LogIdentity,
  cursor: string,
  head: number,
): E.Either<TokenError, LogPosition> =>
  pipe(
    verifyToken(identity, CURSOR_KIND, cursor),
    E.chain((fields) => {
      const position = positionOfFields(fields);
      if (position === undefined) {
        return E.left(syncError('bad_cursor', 'the cursor is not one this server issued'));
      }
      if (position.at > head) {
        return E.left(
          syncError(
            'reset_required',
            'the cursor lies beyond the head of the log (a restored server): bootstrap again from a snapshot',
          ),
        );
      }
      return E.right(position);
    }),
  );

/**
 * The position a cursor names, without checking its signature: for tools and tests that compare
 * cursors they were handed (never for deciding what to serve).
 */
export const peekCursor = (cursor: string): LogPosition | undefined => {
  const payload = cursor.split('.')[1];
  if (payload === undefined) return undefined;
  const fields = Buffer.from(payload, 'base64url').toString('utf8').split('\u001f').slice(1);
  return positionOfFields(fields);
};
