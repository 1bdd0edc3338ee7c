/**
 * The snapshot page's fast path: a body its codec accepts is taken as it is, and that must be
 * exactly what `decode` gives; a body it refuses gets `decode`'s error.
 */
import { fc, test } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect } from 'vitest';
import {
  decodeSnapshotAnswer,
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

/** A page with one value somewhere in it replaced (a doc's field, or a key of the page). */
const damagedArb = fc
  .tuple(
    answerArb,
    fc.constantFrom('collection', 'docId', 'data', 'deleted', 'meta', 'extra'),
    fc.constantFrom('docs', 'cursor', 'nextPage', 'extra'),
    fc.jsonValue(),
    fc.boolean(),
  )
  .map(([answer, docKey, pageKey, value, inDoc]): unknown => {
    const copy: Record<string, unknown> = JSON.parse(JSON.stringify(answer));
    const docs = copy.docs as Record<string, unknown>[];
    const first = docs[0];
    if (inDoc && first !== undefined) first[docKey] = value;
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

  test.prop([answerArb])('a valid page is taken as it is', (answer) => {
    const fast = decodeSnapshotAnswer(answer);
    expect(E.isRight(fast) && fast.right).toBe(answer);
  });
});
