/**
 * Decoded ops kept by position (`readRecentOpRow`): a kept op is exactly what decoding its row
 * gives, and it is given again only for a row of the same position and the same chain hash, of
 * the same log.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { LoggedOp } from '../../src/domain/operation.ts';
import { chainHash, GENESIS_HASH } from '../../src/log/hash-chain.ts';
import { identityOf } from '../../src/log/log-identity.ts';
import {
  type OpRow,
  opRowOf,
  RECENT_OPS,
  readOpRow,
  readRecentOpRow,
} from '../../src/log/op-rows.ts';
import { CorruptRowError } from '../../src/log/stored-json.ts';
import { loggedOpArb } from '../domain/op-arbitraries.ts';

const rowOf = (op: LoggedOp, position: number, previous = GENESIS_HASH): OpRow =>
  opRowOf(op, position, [], chainHash(previous, op));

describe('recent ops', () => {
  test.prop([loggedOpArb, fc.integer({ min: 1, max: 10_000_000 })], { numRuns: 300 })(
    'are what decoding the row gives, and the same object the second time',
    (op, position) => {
      const identity = identityOf('epoch-a', 'aa'.repeat(32));
      const row = rowOf(op, position);
      const first = readRecentOpRow(identity, row);
      expect(first).toEqual(readOpRow(identity, row));
      expect(readRecentOpRow(identity, { ...row })).toBe(first);
    },
  );

  test.prop([loggedOpArb, loggedOpArb], { numRuns: 300 })(
    'a position taken again by another op (after a rolled-back append) gives the new op',
    (before, after) => {
      const identity = identityOf('epoch-b', 'bb'.repeat(32));
      readRecentOpRow(identity, rowOf(before, 7));
      const row = rowOf(after, 7, 'f'.repeat(64));
      expect(readRecentOpRow(identity, row)).toEqual(readOpRow(identity, row));
    },
  );

  test.prop([loggedOpArb], { numRuns: 100 })(
    'are kept per log: another log decodes its own row (its cursors are its own)',
    (op) => {
      const a = identityOf('epoch-c', 'cc'.repeat(32));
      const b = identityOf('epoch-d', 'dd'.repeat(32));
      const row = rowOf(op, 3);
      const fromA = readRecentOpRow(a, row);
      const fromB = readRecentOpRow(b, row);
      expect(fromB).toEqual(readOpRow(b, row));
      expect(fromB.cursor).not.toBe(fromA.cursor);
    },
  );

  test.prop([loggedOpArb], { numRuns: 50 })(
    'a position RECENT_OPS later takes the slot, and the older one is decoded again',
    (op) => {
      const identity = identityOf('epoch-e', 'ee'.repeat(32));
      const old = rowOf(op, 5);
      const kept = readRecentOpRow(identity, old);
      readRecentOpRow(identity, rowOf(op, 5 + RECENT_OPS));
      const again = readRecentOpRow(identity, old);
      expect(again).not.toBe(kept);
      expect(again).toEqual(kept);
    },
  );

  it('keeps nothing of a row without a hash, nor of a row that does not decode', () => {
    const identity = identityOf('epoch-f', 'ff'.repeat(32));
    fc.assert(
      fc.property(loggedOpArb, (op) => {
        const row = { ...rowOf(op, 9), hash: '' };
        expect(readRecentOpRow(identity, row)).not.toBe(readRecentOpRow(identity, row));
      }),
      { numRuns: 20 },
    );
    const broken = { ...rowOf(fc.sample(loggedOpArb, 1)[0] as LoggedOp, 11), body: '{' };
    expect(() => readRecentOpRow(identity, broken)).toThrow(CorruptRowError);
    expect(() => readRecentOpRow(identity, broken)).toThrow(CorruptRowError);
  });
});
