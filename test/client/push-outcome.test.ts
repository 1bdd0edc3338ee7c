import { fc, test } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { outcomeOfPush } from '../../src/client/push-outcome.ts';
import type { PushAnswer, PushResult } from '../../src/client/transports/wire-answers.ts';

const RUNS = { numRuns: 300 };

const answerOf = (results: readonly PushResult[], ackedSeq = 0): PushAnswer => ({
  results,
  ackedSeq,
  head: 'h',
});

const INVALID = { code: 'invalid' as const, message: 'bad date', path: 'data.dateOfBirth' };

describe('push outcomes', () => {
  it('acts on every kind of result of the protocol’s example answer', () => {
    const outcome = outcomeOfPush(
      [12, 13, 14, 16, 17],
      answerOf(
        [
          { seq: 12, status: 'accepted', cursor: 'c12' },
          { seq: 13, status: 'duplicate', cursor: 'c13' },
          { seq: 14, status: 'rejected', error: INVALID },
          { seq: 16, status: 'gap', expected: 15 },
          { seq: 17, status: 'gap', expected: 15 },
        ],
        14,
      ),
    );
    expect(outcome).toEqual(
      E.right({
        answered: [
          { seq: 12, cursor: 'c12' },
          { seq: 13, cursor: 'c13' },
        ],
        rejected: [{ seq: 14, error: INVALID }],
        resendFrom: 15,
        ackedSeq: 14,
      }),
    );
  });

  it('does not believe an answer with fewer results than ops sent', () => {
    const outcome = outcomeOfPush([1, 2], answerOf([{ seq: 1, status: 'accepted', cursor: 'c' }]));
    expect(E.isLeft(outcome)).toBe(true);
  });

  it('does not believe results out of the order of the ops sent', () => {
    const outcome = outcomeOfPush(
      [1, 2],
      answerOf([
        { seq: 2, status: 'accepted', cursor: 'c' },
        { seq: 1, status: 'accepted', cursor: 'c' },
      ]),
    );
    expect(E.isLeft(outcome)).toBe(true);
  });

  it('does not believe a gap that expects its own seq or a later one', () => {
    const outcome = outcomeOfPush([3], answerOf([{ seq: 3, status: 'gap', expected: 3 }]));
    expect(E.isLeft(outcome)).toBe(true);
  });

  const resultArb = (seq: number): fc.Arbitrary<PushResult> =>
    fc.oneof(
      fc.constant<PushResult>({ seq, status: 'accepted', cursor: `c${seq}` }),
      fc.constant<PushResult>({ seq, status: 'duplicate', cursor: `c${seq}` }),
      fc.constant<PushResult>({ seq, status: 'rejected', error: INVALID }),
    );

  test.prop(
    [
      fc.integer({ min: 1, max: 100 }).chain((first) =>
        fc.tuple(
          fc.constant(first),
          fc
            .integer({ min: 1, max: 30 })
            .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => resultArb(first + i)))),
          fc.option(fc.nat({ max: 29 }), { nil: null }),
        ),
      ),
    ],
    RUNS,
  )(
    'every op sent before a gap is either answered or rejected, and none after it',
    ([first, results, gapAt]) => {
      const withGap =
        gapAt === null || gapAt >= results.length
          ? results
          : results.map(
              (r, i): PushResult =>
                i >= gapAt ? { seq: r.seq, status: 'gap', expected: first + gapAt - 1 } : r,
            );
      const sent = withGap.map((r) => r.seq);
      const outcome = outcomeOfPush(sent, answerOf(withGap));
      expect(E.isRight(outcome)).toBe(true);
      if (E.isLeft(outcome)) return;
      const acted = [...outcome.right.answered, ...outcome.right.rejected]
        .map((r) => r.seq)
        .sort((a, b) => a - b);
      const processed = withGap.filter((r) => r.status !== 'gap').map((r) => r.seq);
      expect(acted).toEqual(processed);
      const gap = withGap.find((r) => r.status === 'gap');
      expect(outcome.right.resendFrom).toBe(gap?.status === 'gap' ? gap.expected : null);
    },
  );
});
