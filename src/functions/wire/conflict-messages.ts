/**
 * Conflicts (PROTOCOL.md): `GET /v1/conflicts?status=&collection=&after=` lists records,
 * `POST /v1/conflicts/:id/resolve` with `{"data": {field: value}}` closes one.
 */
import * as t from 'io-ts';
import { CollectionNameCodec } from '../../domain/collections.ts';
import type { ConflictPage } from '../../log/operation-log.ts';
import type { ConflictRecord } from '../../projections/conflict-record.ts';

/** The list's query parameters (`status` defaults to `open`). */
export const ConflictsQuery = t.exact(
  t.partial({
    status: t.keyof({ open: null, auto: null, resolved: null, all: null }, 'ConflictStatusFilter'),
    collection: CollectionNameCodec,
    after: t.string,
  }),
  'ConflictsQuery',
);
export type ConflictsQuery = t.TypeOf<typeof ConflictsQuery>;

const DotJson = t.type({ deviceId: t.string, seq: t.number }, 'Dot');

/** A conflict record as it travels (exactly PROTOCOL.md's keys). */
export const ConflictJson = t.type(
  {
    id: t.string,
    collection: t.string,
    docId: t.string,
    kind: t.keyof({ field: null, defeat: null, delete: null }),
    fields: t.array(t.string),
    candidates: t.array(
      t.type({
        deviceId: t.string,
        seq: t.number,
        author: t.type({ userId: t.string, role: t.string }),
        values: t.UnknownRecord,
      }),
    ),
    winner: DotJson,
    rule: t.string,
    status: t.keyof({ open: null, auto: null, resolved: null }),
    resolvedBy: t.union([t.type({ userId: t.string, deviceId: t.string, seq: t.number }), t.null]),
  },
  'ConflictRecord',
);
export type ConflictJson = t.TypeOf<typeof ConflictJson>;

/** A page of records. */
export const ConflictsResponse = t.type(
  { conflicts: t.array(ConflictJson), next: t.union([t.string, t.null]) },
  'ConflictsResponse',
);
export type ConflictsResponse = t.TypeOf<typeof ConflictsResponse>;

/** The body of a resolution: the value of each field of the record. */
export const ResolveRequest = t.type({ data: t.UnknownRecord }, 'ResolveRequest');

/** The answer to a resolution. */
export const ResolveResponse = t.type(
  { conflict: ConflictJson, cursor: t.string },
  'ResolveResponse',
);
export type ResolveResponse = t.TypeOf<typeof ResolveResponse>;

/** The wire form of a record. */
export const encodeConflict = (record: ConflictRecord): ConflictJson => ({
  id: record.id,
  collection: record.collection,
  docId: record.docId,
  kind: record.kind,
  fields: [...record.fields],
  candidates: record.candidates.map((candidate) => ({
    deviceId: candidate.deviceId,
    seq: candidate.seq,
    author: { userId: candidate.author.userId, role: candidate.author.role },
    values: { ...candidate.values },
  })),
  winner: { deviceId: record.winner.deviceId, seq: record.winner.seq },
  rule: record.rule,
  status: record.status,
  resolvedBy:
    record.resolvedBy === null
      ? null
      : {
          userId: record.resolvedBy.userId,
          deviceId: record.resolvedBy.deviceId,
          seq: record.resolvedBy.seq,
        },
});

/** The wire form of a page of records. */
export const encodeConflictsResponse = (page: ConflictPage): ConflictsResponse => ({
  conflicts: page.conflicts.map(encodeConflict),
  next: page.next,
});

/** The wire form of a resolution's answer. */
export const encodeResolveResponse = (result: {
  readonly conflict: ConflictRecord;
  readonly cursor: string;
}): ResolveResponse => ({ conflict: encodeConflict(result.conflict), cursor: result.cursor });
