/**
 * Codecs of the parts of a document state that its plain and packed forms share: field values
 * and conflict records (which the store also keeps on their own).
 */
import * as t from 'io-ts';
import { CollectionNameCodec } from '../domain/collections.ts';
import { Author } from '../domain/principal.ts';

/** A field's value. */
export const FieldValueCodec = t.union([t.string, t.number, t.boolean, t.null]);
/** `FieldValueCodec.is`, written out for the checks that run on every document of a page. */
export const isFieldValue = (u: unknown): boolean =>
  u === null || typeof u === 'string' || typeof u === 'number' || typeof u === 'boolean';
const Values = t.record(t.string, FieldValueCodec);
const DotCodec = t.type({ deviceId: t.string, seq: t.number });

/** A conflict record as the wire and the store carry it. */
export const ConflictRecordCodec = t.type({
  id: t.string,
  collection: CollectionNameCodec,
  docId: t.string,
  kind: t.keyof({ field: null, defeat: null, delete: null }),
  fields: t.readonlyArray(t.string),
  candidates: t.readonlyArray(
    t.type({ deviceId: t.string, seq: t.number, author: Author, values: Values }),
  ),
  winner: DotCodec,
  rule: t.keyof({
    server_wins: null,
    client_wins: null,
    merge_server_priority: null,
    merge_client_priority: null,
    review: null,
    lww: null,
    delete_wins: null,
    resolution: null,
    superseded: null,
  }),
  status: t.keyof({ open: null, auto: null, resolved: null }),
  resolvedBy: t.union([t.type({ userId: t.string, deviceId: t.string, seq: t.number }), t.null]),
  current: t.boolean,
});
