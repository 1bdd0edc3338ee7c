/**
 * Storage and transport of document states: the log stores them beside each projected document,
 * and a snapshot hands them to a new device as `meta`, so it can keep folding from there.
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as t from 'io-ts';
import { canonicalJson } from '../domain/canonical-json.ts';
import { CollectionNameCodec } from '../domain/collections.ts';
import { reportValidation, type SyncError } from '../domain/errors.ts';
import { Hlc } from '../domain/hlc.ts';
import { Author } from '../domain/principal.ts';
import { VersionVector } from '../domain/version-vector.ts';

import type { DocumentState } from './document-state.ts';

const FieldValueCodec = t.union([t.string, t.number, t.boolean, t.null]);
const Values = t.record(t.string, FieldValueCodec);
const DotCodec = t.type({ deviceId: t.string, seq: t.number });

const FieldMaximumCodec = t.type({
  deviceId: t.string,
  seq: t.number,
  author: Author,
  hlc: Hlc,
  receivedAt: t.union([t.number, t.null]),
  authority: t.keyof({ server: null, client: null }),
  resolution: t.boolean,
  value: FieldValueCodec,
});

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

export const DocumentStateCodec = t.type({
  collection: CollectionNameCodec,
  docId: t.string,
  vv: VersionVector,
  created: t.boolean,
  maxima: t.record(t.string, t.readonlyArray(FieldMaximumCodec)),
  records: t.readonlyArray(ConflictRecordCodec),
});

/** The state as canonical JSON text (equal states give equal text). */
export const encodeState = (state: DocumentState): string => canonicalJson(state);

/** Reads a stored state back; a damaged one is an `internal` error naming the path. */
export const decodeState = (text: string): E.Either<SyncError, DocumentState> =>
  pipe(
    E.tryCatch(
      (): unknown => JSON.parse(text),
      () => ({ code: 'internal' as const, message: 'stored document state is not JSON' }),
    ),
    E.chainW((json) =>
      pipe(
        DocumentStateCodec.decode(json),
        E.mapLeft((errors) => reportValidation('internal', errors, 'state')),
      ),
    ),
  );

/** What a snapshot carries so a client can keep folding the document. */
export const snapshotMeta = (state: DocumentState): Record<string, unknown> => ({
  state: JSON.parse(encodeState(state)),
});

/** The state a snapshot's `meta` carries. */
export const stateFromSnapshotMeta = (meta: unknown): E.Either<SyncError, DocumentState> =>
  pipe(
    t.type({ state: DocumentStateCodec }).decode(meta),
    E.bimap(
      (errors) => reportValidation('bad_request', errors, 'meta'),
      (decoded) => decoded.state,
    ),
  );
