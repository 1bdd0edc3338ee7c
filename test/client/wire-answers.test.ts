/**
 * The snapshot page's fast path: a body its codec accepts is taken as it is, and that must be
 * exactly what `decode` gives; a body it refuses gets `decode`'s error.
 */
import { fc, test } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect } from 'vitest';
import {
  decodeSnapshotAnswer,
  isSnapshotAnswer,
  SnapshotAnswerCodec,
} from '../../src/client/transports/wire-answers.ts';
import { reportValidation } from '../../src/domain/errors.ts';

const fieldValueArb = fc.oneof(
  fc.string(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
);

const docArb = fc.record({
  collection: fc.constantFrom('patients', 'immunization_records', 'facilities', 'vaccines'),
  docId: fc.string(),
  data: fc.dictionary(fc.string(), fieldValueArb),
  deleted: fc.boolean(),
  meta: fc.jsonValue(),
});

const answerArb = fc.record({
  docs: fc.array(docArb, { maxLength: 5 }),
  cursor: fc.string(),
  nextPage: fc.option(fc.string(), { nil: null }),
});

/**
 * A page with one value somewhere in it replaced (a field of a doc's data, a doc's field, or a
 * key of the page).
 */
const damagedArb = fc
  .tuple(
    answerArb,
    fc.constantFrom('collection', 'docId', 'data', 'deleted', 'meta', 'extra'),
    fc.constantFrom('docs', 'cursor', 'nextPage', 'extra'),
    fc.jsonValue(),
    fc.constantFrom('page', 'doc', 'data'),
  )
  .map(([answer, docKey, pageKey, value, where]): unknown => {
    const copy: Record<string, unknown> = JSON.parse(JSON.stringify(answer));
    const docs = copy.docs as Record<string, unknown>[];
    const last = docs[docs.length - 1];
    if (where === 'data' && last !== undefined) (last.data as Record<string, unknown>).f = value;
    else if (where === 'doc' && last !== undefined) last[docKey] = value;
    else copy[pageKey] = value;
    return copy;
  });

describe('snapshot answers', () => {
  test.prop([fc.oneof(answerArb, damagedArb, fc.jsonValue())], { numRuns: 1000 })(
    'decode as the full decode does: the same page, or the same error',
    (body) => {
      const full = SnapshotAnswerCodec.decode(body);
      const fast = decodeSnapshotAnswer(body);
      if (E.isRight(full)) {
        expect(fast).toEqual(E.right(full.right));
      } else {
        expect(fast).toEqual(
          E.left({
            message: reportValidation('bad_request', full.left).message,
            unsupportedSchema: false,
          }),
        );
      }
    },
  );

  test.prop([fc.oneof(answerArb, damagedArb, fc.jsonValue())], { numRuns: 1000 })(
    "the written-out check answers as the codec's own",
    (body) => {
      expect(isSnapshotAnswer(body)).toBe(SnapshotAnswerCodec.is(body));
    },
  );

  test("the written-out check answers as the codec's own at every edge", () => {
    const doc = { collection: 'patients', docId: 'p', data: { a: 'x' }, deleted: false, meta: 1 };
    const page = { docs: [doc, doc], cursor: 'c', nextPage: null };
    const edges: unknown[] = [undefined, null, 0, 'x', true, [], {}, [1], { a: {} }, 'patients'];
    const variants: unknown[] = [page, { ...page, nextPage: 'n' }];
    for (const value of edges) {
      variants.push(value, { ...page, docs: value }, { ...page, cursor: value });
      variants.push({ ...page, nextPage: value }, { ...page, docs: [doc, value] });
      for (const key of ['collection', 'docId', 'data', 'deleted', 'meta']) {
        variants.push({ ...page, docs: [doc, { ...doc, [key]: value }] });
      }
      variants.push({ ...page, docs: [{ ...doc, data: { a: 'x', b: value } }] });
    }
    for (const variant of variants) {
      expect([variant, isSnapshotAnswer(variant)]).toEqual([
        variant,
        SnapshotAnswerCodec.is(variant),
      ]);
    }
    expect(variants.filter((v) => isSnapshotAnswer(v)).length).toBeGreaterThan(5);
  });

  test.prop([answerArb])('a valid page is taken as it is', (answer) => {
    const fast = decodeSnapshotAnswer(answer);
    expect(E.isRight(fast) && fast.right).toBe(answer);
  });
});
