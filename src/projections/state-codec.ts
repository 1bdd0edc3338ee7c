/**
 * Storage and transport of document states: the log stores them beside each projected document,
 * and a snapshot hands them to a new device as `meta`, so it can keep folding from there.
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as t from 'io-ts';
import { canonicalJson } from '../domain/canonical-json.ts';
import { CollectionNameCodec } from '../domain/collections.ts';
import { type ErrorCode, reportValidation, type SyncError, syncError } from '../domain/errors.ts';
import { Hlc } from '../domain/hlc.ts';
import { Author } from '../domain/principal.ts';
import { VersionVector } from '../domain/version-vector.ts';
import type { ConflictRecord } from './conflict-record.ts';
import type { DocumentState } from './document-state.ts';
import { isPackedState, type PackedState, PackedStateCodec, pack, unpack } from './packed-state.ts';
import { ConflictRecordCodec, FieldValueCodec } from './state-records.ts';

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

export const DocumentStateCodec = t.type({
  collection: CollectionNameCodec,
  docId: t.string,
  vv: VersionVector,
  created: t.boolean,
  maxima: t.record(t.string, t.readonlyArray(FieldMaximumCodec)),
  records: t.readonlyArray(ConflictRecordCodec),
});

/** True when `o` has exactly `n` own keys. */
const keyCount = (o: object, n: number): boolean => Object.keys(o).length === n;

/** True when no author of the records has keys that decoding would strip. */
const recordsAreBare = (records: readonly ConflictRecord[]): boolean =>
  records.every((record) => record.candidates.every((c) => keyCount(c.author, 2)));

/**
 * True when `u` is a state that decoding would give back unchanged: it is one
 * (`DocumentStateCodec.is`, which checks every refinement) and its exact parts (authors and
 * clocks, which decoding strips of other keys) have no other keys. Checking is several times
 * cheaper than decoding, which builds a context per value; states are read on every snapshot
 * page, settle and append, and almost all are well formed. Anything else is decoded, for the
 * error report.
 */
export const isBareState = (u: unknown): u is DocumentState => {
  if (!DocumentStateCodec.is(u)) return false;
  for (const maxima of Object.values(u.maxima)) {
    for (const m of maxima) if (!keyCount(m.author, 2) || !keyCount(m.hlc, 2)) return false;
  }
  return recordsAreBare(u.records);
};

/**
 * The state as the canonical JSON text of its packed form (equal states give equal text):
 * `canonicalJson(pack(state))`, written without walking the parts that `pack` already gives in
 * canonical order (its own keys sorted, `fields` inserted in sorted order, field entries and
 * writers arrays of primitives); only `records` and `vv` may hold keys out of order. Every
 * append writes its documents' states, and the walk was a third of the encoding. A property
 * test holds the two texts equal.
 */
export const encodeState = (state: DocumentState): string => {
  const packed = pack(state);
  const records = packed.records.length === 0 ? '[]' : canonicalJson(packed.records);
  const vv = canonicalJson(packed.vv);
  return (
    `{"collection":${JSON.stringify(packed.collection)},"created":${JSON.stringify(packed.created)}` +
    `,"docId":${JSON.stringify(packed.docId)},"fields":${JSON.stringify(packed.fields)}` +
    `,"records":${records},"vv":${vv},"writers":${JSON.stringify(packed.writers)}}`
  );
};

/**
 * The packed value each state read from a packed one came from. A state is immutable, so that
 * value stays a packed form of it, and storing or sending the state again (a snapshot's `meta`, a
 * replica's row) needs no packing. It need not be the canonical form `pack` gives (a value from
 * elsewhere may list its writers in another order), so `encodeState`, whose text is compared,
 * never uses it.
 */
const packedSources = new WeakMap<DocumentState, PackedState>();

/** A packed form of `state`, for storage and transport only (see `packedSources`). */
export const packedForm = (state: DocumentState): PackedState =>
  packedSources.get(state) ?? pack(state);

/** True when decoding the packed value would give it back unchanged (as `isBareState`). */
const isBarePacked = (u: unknown): u is PackedState =>
  isPackedState(u) && recordsAreBare(u.records);

/** A writer index at `path` (under `prefix`) that names no writer. */
const writerIndexError = <C extends ErrorCode>(
  code: C,
  prefix: string,
  path: string,
): SyncError<C> =>
  syncError(code, `expected the index of a writer at ${prefix}.${path}`, `${prefix}.${path}`);

/**
 * A state from its JSON: the packed form that this code writes, or the plain form (rows written
 * before states were packed). A value that is neither is `code` at its path under `prefix`.
 */
const stateFromJson = <C extends ErrorCode>(
  json: unknown,
  code: C,
  prefix: string,
): E.Either<SyncError<C>, DocumentState> => {
  if (t.UnknownRecord.is(json) && Object.hasOwn(json, 'writers')) {
    // A packed value that decodes to itself (almost every stored one) is taken as it is; any
    // other is decoded, for the error report.
    if (isBarePacked(json)) {
      const state = unpack(json);
      if (E.isLeft(state)) return E.left(writerIndexError(code, prefix, state.left));
      packedSources.set(state.right, json);
      return state;
    }
    return pipe(
      PackedStateCodec.decode(json),
      E.mapLeft((errors) => reportValidation(code, errors, prefix)),
      E.chain((packed) =>
        pipe(
          unpack(packed),
          E.map((state) => {
            packedSources.set(state, packed);
            return state;
          }),
          E.mapLeft((path) => writerIndexError(code, prefix, path)),
        ),
      ),
    );
  }
  return isBareState(json)
    ? E.right(json)
    : pipe(
        DocumentStateCodec.decode(json),
        E.mapLeft((errors) => reportValidation(code, errors, prefix)),
      );
};

/** Reads a stored state back; a damaged one is an `internal` error naming the path. */
export const decodeState = (text: string): E.Either<SyncError, DocumentState> => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return E.left({ code: 'internal', message: 'stored document state is not JSON' });
  }
  return stateFromJson(json, 'internal', 'state');
};

/** What a snapshot carries so a client can keep folding the document: its packed state. */
export const snapshotMeta = (state: DocumentState): Record<string, unknown> => ({
  state: packedForm(state),
});

/**
 * The packed state a snapshot's `meta` carries, checked as `stateFromSnapshotMeta` checks it but
 * not unpacked (a writer index may still name no writer: `materializePacked` tells); undefined
 * when it is not a packed state (`stateFromSnapshotMeta` says why).
 */
export const packedStateFromSnapshotMeta = (meta: unknown): PackedState | undefined => {
  if (!t.UnknownRecord.is(meta)) return undefined;
  const json = meta.state;
  if (!t.UnknownRecord.is(json) || !Object.hasOwn(json, 'writers')) return undefined;
  if (isBarePacked(json)) return json;
  const decoded = PackedStateCodec.decode(json);
  return E.isRight(decoded) ? decoded.right : undefined;
};

/** The state a snapshot's `meta` carries. */
export const stateFromSnapshotMeta = (meta: unknown): E.Either<SyncError, DocumentState> =>
  t.UnknownRecord.is(meta)
    ? stateFromJson(meta.state, 'bad_request', 'meta.state')
    : E.left(syncError('bad_request', 'expected an object at meta', 'meta'));
