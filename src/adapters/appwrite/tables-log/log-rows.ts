/**
 * The rows of the operation log on TablesDB (`appwrite-schema.ts`, `LOG_TABLES`), read back
 * through io-ts codecs, and their ids.
 *
 * Invariants:
 * 1. Every row id is derived from what the row is (an op's position, a device's id, a dot, a
 *    facility and a position, a conflict's id), so a row staged twice by a retried plan is the
 *    same row, and two appenders that would write it conflict at commit.
 * 2. A row that does not decode was changed behind the log's back: `CorruptRowError`.
 * 3. An op row is read into the SQL log's `OpRow` shape, so that one decoder
 *    (`src/log/op-rows.ts`) turns rows of every backend into logged ops.
 */
import { createHash } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { reportValidation } from '../../../domain/errors.ts';
import type { OpRow } from '../../../log/op-rows.ts';
import { CorruptRowError } from '../../../log/stored-json.ts';

/** The tables of the log. */
export const OPS_TABLE = 'sync_ops';
export const VISIBILITY_TABLE = 'sync_visibility';
export const DEVICES_TABLE = 'sync_devices';
export const QUARANTINE_TABLE = 'sync_quarantine';
export const CONFLICTS_TABLE = 'sync_conflicts';

const digest = (text: string, length: number): string =>
  createHash('sha256').update(text).digest('hex').slice(0, length);

/** The row of the op at a position. */
export const opRowId = (position: number): string => `op${position}`;

/** The row of a facility's visibility at a position (one per facility and position). */
export const visibilityRowId = (facility: string, at: number): string =>
  `v${at}-${digest(facility, 16)}`;

/** The row of a quarantined op. */
export const quarantineRowId = (deviceId: string, seq: number): string =>
  `q${digest(`${deviceId}:${seq}`, 32)}`;

/** Decodes a row by a codec; throws `CorruptRowError` when it does not decode. */
export const decodeRow = <A>(codec: t.Decoder<unknown, A>, row: unknown, what: string): A => {
  const decoded = codec.decode(row);
  if (E.isLeft(decoded))
    throw new CorruptRowError(what, reportValidation('invalid', decoded.left).message);
  return decoded.right;
};

/** An `sync_ops` row. */
export const OpsRowCodec = t.type({
  position: t.number,
  deviceId: t.string,
  seq: t.number,
  collection: t.string,
  docId: t.string,
  body: t.string,
  authorUserId: t.string,
  authorRole: t.string,
  receivedAt: t.number,
  scope: t.string,
  flags: t.string,
  hash: t.string,
});

/** An op row in the SQL log's shape (see invariant 3), or why it is not one. */
export const opRowOfColumns = (row: unknown): E.Either<string, OpRow> => {
  const decoded = OpsRowCodec.decode(row);
  if (E.isLeft(decoded)) return E.left(reportValidation('invalid', decoded.left).message);
  const r = decoded.right;
  return E.right({
    position: r.position,
    device_id: r.deviceId,
    seq: r.seq,
    collection: r.collection,
    doc_id: r.docId,
    body: r.body,
    author_user_id: r.authorUserId,
    author_role: r.authorRole,
    received_at: r.receivedAt,
    scope: r.scope,
    flags: r.flags,
    hash: r.hash,
  });
};

/** An op row the log wrote; throws `CorruptRowError` when it does not decode. */
export const readOpsRow = (row: { readonly $id: string }): OpRow => {
  const decoded = opRowOfColumns(row);
  if (E.isLeft(decoded)) throw new CorruptRowError(`op row ${row.$id}`, decoded.left);
  return decoded.right;
};

/** The columns of an op row. */
export const opsColumnsOf = (row: OpRow): Record<string, unknown> => ({
  position: row.position,
  deviceId: row.device_id,
  seq: row.seq,
  collection: row.collection,
  docId: row.doc_id,
  body: row.body,
  authorUserId: row.author_user_id,
  authorRole: row.author_role,
  receivedAt: row.received_at,
  scope: row.scope,
  flags: row.flags,
  hash: row.hash,
});

/** A `sync_visibility` row: the op at `atPosition`, and the earlier ones it reveals. */
export const VisibilityRowCodec = t.type({
  facilityId: t.string,
  atPosition: t.number,
  opPosition: t.number,
  revealed: t.union([t.string, t.null]),
});

/** A `sync_devices` row (its id is the device's). */
export const DevicesRowCodec = t.type({
  $id: t.string,
  userId: t.string,
  ownerRole: t.string,
  ownerFacilities: t.string,
  ackedSeq: t.number,
  chainHash: t.union([t.string, t.null]),
  lastPushAt: t.union([t.number, t.null]),
  lastPullAt: t.union([t.number, t.null]),
  pulledCursor: t.union([t.string, t.null]),
  createdAt: t.number,
});

/** A `sync_quarantine` row. */
export const QuarantineRowCodec = t.type({
  deviceId: t.string,
  seq: t.number,
  userId: t.string,
  raw: t.string,
  error: t.string,
  receivedAt: t.number,
});

/** A `sync_conflicts` row (its id is the record's). */
export const ConflictsRowCodec = t.type({
  $id: t.string,
  collection: t.string,
  docId: t.string,
  kind: t.string,
  status: t.string,
  current: t.boolean,
  live: t.boolean,
  record: t.string,
  position: t.number,
});

/** A projected row's log columns (`PROJECTOR_COLUMNS`), as the TablesDB log writes them. */
export const ProjectedRowCodec = t.type({
  $id: t.string,
  syncState: t.string,
  syncDeleted: t.boolean,
  syncFacilities: t.readonlyArray(t.string),
  syncCreated: t.number,
  syncPosition: t.number,
});
