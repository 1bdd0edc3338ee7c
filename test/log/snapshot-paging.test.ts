/**
 * Snapshot documents given by their stored texts (`snapshot-paging.ts`, invariant 5): on the
 * wire, as read and as `JSON.stringify` gives them, they are the document of their state.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { CollectionName } from '../../src/domain/collection.ts';
import {
  encodeSnapshotResponse,
  encodeSnapshotText,
} from '../../src/functions/wire/snapshot-messages.ts';
import type { SnapshotDoc } from '../../src/log/operation-log.ts';
import { snapshotDoc, snapshotDocJson, snapshotDocOfTexts } from '../../src/log/snapshot-paging.ts';
import { CorruptRowError } from '../../src/log/stored-json.ts';
import { type DocumentState, fold } from '../../src/projections/document-state.ts';
import { materialize } from '../../src/projections/materialize.ts';
import { encodeState } from '../../src/projections/state-codec.ts';
import { historyArb } from '../projections/histories.ts';

/** The document as the SQL log stores it (`documentRowOf`), given by those texts. */
const fromTexts = (
  collection: CollectionName,
  docId: string,
  state: DocumentState,
): SnapshotDoc => {
  const m = materialize(state);
  return snapshotDocOfTexts(
    collection,
    docId,
    { state: encodeState(state), data: JSON.stringify(m.data), deleted: m.deleted },
    `document ${collection}/${docId}`,
  );
};

/** Ids a device may choose, with what JSON has to escape. */
const docIdArb = fc.oneof(
  fc.uuid(),
  fc.string({ minLength: 1, maxLength: 20 }),
  fc.constantFrom('a"b', 'back\\slash', 'new\nline', 'ünïcödé-✓', '\u2028'),
);

describe('snapshot documents given by their stored texts', () => {
  test.prop([historyArb(), docIdArb], { numRuns: 300 })(
    'are, on the wire, as read and as JSON, the document of their state',
    (history, docId) => {
      const state = fold(history.collection, history.docId, history.ops);
      const plain = snapshotDoc(history.collection, docId, state);
      const stored = fromTexts(history.collection, docId, state);
      const want = JSON.parse(JSON.stringify(plain));
      expect(JSON.parse(snapshotDocJson(stored))).toEqual(want);
      expect(JSON.parse(JSON.stringify(stored))).toEqual(want);
      expect({ data: stored.data, deleted: stored.deleted, meta: stored.meta }).toEqual({
        data: want.data,
        deleted: want.deleted,
        meta: want.meta,
      });
    },
  );

  test.prop([fc.array(fc.tuple(historyArb(), docIdArb, fc.boolean()), { maxLength: 6 })], {
    numRuns: 100,
  })('make a page whose text is the JSON of its wire shape', (docs) => {
    const page = {
      docs: docs.map(([history, docId, asTexts]) => {
        const state = fold(history.collection, history.docId, history.ops);
        return asTexts
          ? fromTexts(history.collection, docId, state)
          : snapshotDoc(history.collection, docId, state);
      }),
      cursor: 'c.1',
      nextPage: docs.length % 2 === 0 ? null : 'p"1',
    };
    expect(JSON.parse(encodeSnapshotText(page))).toEqual(
      JSON.parse(JSON.stringify(encodeSnapshotResponse(page))),
    );
  });

  it.each([
    ['state', '{"collection":', '{}'],
    ['state', '"a string"', '{}'],
    ['data', '{}', '{"a":1}]'],
    ['data', '{}', '[1]'],
  ])('refuse a %s text that is not one JSON object (%s, %s)', (_, state, data) => {
    const make = () =>
      snapshotDocOfTexts('patients', 'p1', { state, data, deleted: false }, 'document patients/p1');
    expect(make).toThrow(CorruptRowError);
    expect(make).toThrow(/document patients\/p1/);
  });

  it('throw CorruptRowError naming the row when fields read do not decode', () => {
    const doc = snapshotDocOfTexts(
      'patients',
      'p1',
      { state: '{}', data: '{"fullName":{"nested":1}}', deleted: false },
      'document patients/p1',
    );
    expect(() => doc.data).toThrow(CorruptRowError);
    expect(() => doc.data).toThrow(/document patients\/p1/);
    expect(doc.meta).toEqual({ state: {} });
  });
});
