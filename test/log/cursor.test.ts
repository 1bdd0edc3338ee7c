/**
 * Cursors as tokens: each log keeps the cursors of recent positions once signed, and a kept
 * cursor is exactly the one signing would give, for its own log only.
 */
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, RECENT_CURSORS } from '../../src/log/cursor.ts';
import { identityOf } from '../../src/log/log-identity.ts';
import { signToken } from '../../src/log/signed-token.ts';

const signed = (identity: ReturnType<typeof identityOf>, at: number, op: number): string =>
  signToken(identity, 'c', [String(at), String(op)]);

describe('cursors', () => {
  it('gives the signed cursor of a position, the first time and every time after', () => {
    const identity = identityOf('epoch-a', 'aa'.repeat(32));
    for (const position of [1, 2, 3, 1, 2, 3]) {
      const cursor = encodeCursor(identity, { at: position, op: position });
      expect(cursor).toBe(signed(identity, position, position));
      expect(decodeCursor(identity, cursor, 10)).toEqual(E.right({ at: position, op: position }));
    }
    expect(encodeCursor(identity, { at: 9, op: 4 })).toBe(signed(identity, 9, 4));
  });

  it('keeps the cursors of each log apart', () => {
    const first = identityOf('epoch-a', 'aa'.repeat(32));
    const second = identityOf('epoch-a', 'bb'.repeat(32));
    const cursor = encodeCursor(first, { at: 7, op: 7 });
    expect(encodeCursor(second, { at: 7, op: 7 })).toBe(signed(second, 7, 7));
    expect(encodeCursor(second, { at: 7, op: 7 })).not.toBe(cursor);
    expect(E.isLeft(decodeCursor(second, cursor, 10))).toBe(true);
  });

  it('stays right past the number of cursors it keeps', () => {
    const identity = identityOf('epoch-b', 'cc'.repeat(32));
    const last = RECENT_CURSORS + 100;
    for (let position = 1; position <= last; position++) {
      encodeCursor(identity, { at: position, op: position });
    }
    for (const position of [1, 50, RECENT_CURSORS, last]) {
      expect(encodeCursor(identity, { at: position, op: position })).toBe(
        signed(identity, position, position),
      );
    }
  });

  it('gives each of two positions that share a kept slot its own cursor', () => {
    const identity = identityOf('epoch-c', 'dd'.repeat(32));
    const older = 100;
    const newer = older + RECENT_CURSORS;
    for (const position of [older, newer, older, newer, 0, RECENT_CURSORS]) {
      expect(encodeCursor(identity, { at: position, op: position })).toBe(
        signed(identity, position, position),
      );
    }
  });
});
