/**
 * The packed form of a document state, as it is stored and as a snapshot carries it: each op
 * that is a maximum of some field is listed once (`writers`: its rank facts), and each field
 * lists its maxima as `[writer, value]`. A state written by one op holds that op's facts once
 * instead of once per field, which makes a patient's state about a quarter of its plain JSON:
 * less to parse, check, store and send on every append, settle and snapshot page.
 *
 * Invariants:
 * 1. `unpack(pack(s))` equals `s` for every state (packing loses nothing, even for maxima that
 *    share a dot but not their facts, which no reducer makes).
 * 2. `pack` is deterministic: fields in sorted order, writers in order of first use, every
 *    object's keys sorted, so equal states pack to equal canonical text.
 * 3. A packed value whose writer index does not name a writer is refused at its path.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { FieldValue } from '../domain/collection.ts';
import { CollectionNameCodec } from '../domain/collections.ts';
import type { Hlc } from '../domain/hlc.ts';
import { DeviceId, UserId } from '../domain/ids.ts';
import { type Author, AuthorRole } from '../domain/principal.ts';
import { WholeNumber } from '../domain/scalars.ts';
import { VersionVector } from '../domain/version-vector.ts';
import type { DocumentState, FieldMaximum } from './document-state.ts';
import { ConflictRecordCodec, FieldValueCodec, isFieldValue } from './state-records.ts';

/**
 * An op's rank facts: `[deviceId, seq, userId, role, [hlc.ms, hlc.n, receivedAt, authority,
 * resolution]]` (io-ts tuples hold at most five).
 */
const WriterCodec = t.tuple([
  t.string,
  t.number,
  UserId,
  AuthorRole,
  t.tuple([
    WholeNumber,
    WholeNumber,
    t.union([t.number, t.null]),
    t.keyof({ server: null, client: null }),
    t.boolean,
  ]),
]);
type Writer = t.TypeOf<typeof WriterCodec>;

/** The packed state (see the module). */
export const PackedStateCodec = t.type({
  collection: CollectionNameCodec,
  created: t.boolean,
  docId: t.string,
  fields: t.record(t.string, t.readonlyArray(t.tuple([t.number, FieldValueCodec]))),
  records: t.readonlyArray(ConflictRecordCodec),
  vv: VersionVector,
  writers: t.readonlyArray(WriterCodec),
});
export type PackedState = t.TypeOf<typeof PackedStateCodec>;

/** `WriterCodec.is`. */
const isWriter = (u: unknown): boolean => {
  if (!Array.isArray(u) || u.length !== 5) return false;
  const facts: unknown = u[4];
  return (
    typeof u[0] === 'string' &&
    typeof u[1] === 'number' &&
    UserId.is(u[2]) &&
    AuthorRole.is(u[3]) &&
    Array.isArray(facts) &&
    facts.length === 5 &&
    WholeNumber.is(facts[0]) &&
    WholeNumber.is(facts[1]) &&
    (facts[2] === null || typeof facts[2] === 'number') &&
    (facts[3] === 'server' || facts[3] === 'client') &&
    typeof facts[4] === 'boolean'
  );
};

/** `PackedStateCodec.props.fields.is`. */
const isFields = (u: unknown): boolean => {
  if (!t.UnknownRecord.is(u)) return false;
  for (const field of Object.keys(u)) {
    const maxima = u[field];
    if (!Array.isArray(maxima)) return false;
    for (const entry of maxima) {
      if (!Array.isArray(entry) || entry.length !== 2) return false;
      if (typeof entry[0] !== 'number' || !isFieldValue(entry[1])) return false;
    }
  }
  return true;
};

/** `VersionVector.is`. */
const isVersionVector = (u: unknown): boolean => {
  if (!t.UnknownRecord.is(u)) return false;
  for (const deviceId of Object.keys(u)) {
    if (!DeviceId.is(deviceId) || !WholeNumber.is(u[deviceId])) return false;
  }
  return true;
};

const isWriters = (u: unknown): boolean => Array.isArray(u) && u.every(isWriter);

const isRecords = (u: unknown): boolean =>
  Array.isArray(u) && u.every((record) => ConflictRecordCodec.is(record));

/**
 * `PackedStateCodec.is`, written out: the same answer for every value JSON can hold (a property
 * test holds it to the codec's), in about a third of the time. io-ts composes its checks from
 * closures and `every`; a state is checked for every snapshot document a device takes and every
 * state the log reads back (100,000 patients' states: 117-164 against 40-52 ms). The leaves
 * (ids, roles, whole numbers, collection names, conflict records) are still the codecs' own.
 */
export const isPackedState = (u: unknown): u is PackedState =>
  t.UnknownRecord.is(u) &&
  CollectionNameCodec.is(u.collection) &&
  typeof u.created === 'boolean' &&
  typeof u.docId === 'string' &&
  isFields(u.fields) &&
  isRecords(u.records) &&
  isVersionVector(u.vv) &&
  isWriters(u.writers);

const writerOf = (m: FieldMaximum): Writer => [
  m.deviceId,
  m.seq,
  m.author.userId,
  m.author.role,
  [m.hlc.ms, m.hlc.n, m.receivedAt, m.authority, m.resolution],
];

/** True when `w` holds exactly the rank facts of `m`. */
const isWriterOf = (w: Writer, m: FieldMaximum): boolean => {
  const [deviceId, seq, userId, role, facts] = w;
  return (
    deviceId === m.deviceId &&
    seq === m.seq &&
    userId === m.author.userId &&
    role === m.author.role &&
    facts[0] === m.hlc.ms &&
    facts[1] === m.hlc.n &&
    facts[2] === m.receivedAt &&
    facts[3] === m.authority &&
    facts[4] === m.resolution
  );
};

/** The state in packed form (invariant 2). */
export const pack = (state: DocumentState): PackedState => {
  // A state has few writers (one per op that is still a maximum): a scan finds them fastest.
  const writers: Writer[] = [];
  const indexOf = (m: FieldMaximum): number => {
    for (let i = 0; i < writers.length; i++) {
      const known = writers[i];
      if (known !== undefined && isWriterOf(known, m)) return i;
    }
    writers.push(writerOf(m));
    return writers.length - 1;
  };
  const fields: Record<string, [number, FieldValue][]> = {};
  for (const field of Object.keys(state.maxima).sort()) {
    fields[field] = (state.maxima[field] ?? []).map((m): [number, FieldValue] => [
      indexOf(m),
      m.value,
    ]);
  }
  return {
    collection: state.collection,
    created: state.created,
    docId: state.docId,
    fields,
    records: state.records,
    vv: state.vv,
    writers,
  };
};

/** The state a packed value holds, or the path of a writer index that names no writer. */
export const unpack = (packed: PackedState): E.Either<string, DocumentState> => {
  // Each writer's author and clock are made once and shared by its maxima (states are immutable).
  const parts: ({ readonly author: Author; readonly hlc: Hlc } | undefined)[] = [];
  const maxima: Record<string, readonly FieldMaximum[]> = {};
  for (const field of Object.keys(packed.fields).sort()) {
    const entries = packed.fields[field] ?? [];
    const out: FieldMaximum[] = [];
    for (let i = 0; i < entries.length; i++) {
      const [index, value] = entries[i] ?? [-1, null];
      const w = packed.writers[index];
      if (w === undefined) return E.left(`fields.${field}.${i}.0`);
      const [deviceId, seq, userId, role, [ms, n, receivedAt, authority, resolution]] = w;
      let shared = parts[index];
      if (shared === undefined) {
        shared = { author: { userId, role }, hlc: { ms, n } };
        parts[index] = shared;
      }
      out.push({
        deviceId,
        seq,
        author: shared.author,
        hlc: shared.hlc,
        receivedAt,
        authority,
        resolution,
        value,
      });
    }
    maxima[field] = out;
  }
  return E.right({
    collection: packed.collection,
    created: packed.created,
    docId: packed.docId,
    maxima,
    records: packed.records,
    vv: packed.vv,
  });
};
