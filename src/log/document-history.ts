/**
 * A document's history (PROTOCOL.md, GET /v1/history): the document as of a cursor, and each of
 * its ops up to it with what became of it, for auditors, admins and supervisors of the
 * document's facility.
 *
 * Invariants:
 * 1. The storage-free rules (`historyUntil`, `historyRefusal`, `historyOfRows`) are shared with
 *    the TablesDB log, so both answer the same request the same way; each log only reads.
 * 2. The timeline holds every op of the document up to the position, in log order, each with
 *    the outcome `explain` gives it.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Kysely } from 'kysely';
import type { CollectionName } from '../domain/collection.ts';
import { type SyncError, syncError } from '../domain/errors.ts';
import { dotKey } from '../domain/ids.ts';
import { may } from '../domain/permissions.ts';
import type { Principal } from '../domain/principal.ts';
import { explain } from '../projections/explain.ts';
import { decodeCursor, type LogPosition } from './cursor.ts';
import { headPosition } from './log-head.ts';
import type { LogIdentity } from './log-identity.ts';
import type { LogTables } from './log-tables.ts';
import { flagsOfRow, type OpRow, readOpRow } from './op-rows.ts';
import type { DocumentHistory } from './operation-log.ts';
import type { TokenError } from './signed-token.ts';
import { facilitiesOfDocument } from './visibility.ts';

/** The last position a history covers: the one `asOf` names (checked against `head`), or `head`. */
export const historyUntil = (
  identity: LogIdentity,
  asOf: string | undefined,
  head: number,
): E.Either<TokenError, LogPosition> =>
  asOf === undefined ? E.right({ at: head, op: head }) : decodeCursor(identity, asOf, head);

/**
 * Why the principal may not read a document's history, if so, given the facilities the
 * document is visible to (`undefined`: no such document).
 */
export const historyRefusal = (
  principal: Principal,
  collection: CollectionName,
  docId: string,
  facilities: readonly string[] | undefined,
): SyncError | undefined => {
  if (facilities === undefined) return syncError('not_found', `no ${collection} ${docId}`);
  if (!may(principal, 'read_history', facilities)) {
    return syncError('forbidden', 'the document is not of your facilities');
  }
  return undefined;
};

/**
 * The history of a document from its op rows, already read in log order up to the position;
 * `not_found` when there are none: the document did not exist yet as of that position.
 */
export const historyOfRows = (
  identity: LogIdentity,
  collection: CollectionName,
  docId: string,
  rows: readonly OpRow[],
): E.Either<SyncError, DocumentHistory> => {
  if (rows.length === 0) {
    return E.left(syncError('not_found', `no ${collection} ${docId} as of that cursor`));
  }
  const ops = rows.map((row) => readOpRow(identity, row));
  const flags = new Map(
    rows.map((row) => [dotKey({ deviceId: row.device_id, seq: row.seq }), flagsOfRow(row)]),
  );
  const explained = explain(ops, (dot) => flags.get(dotKey(dot)) ?? []);
  return E.right({
    doc: explained.doc,
    timeline: ops.map((op, i) => {
      const entry = explained.timeline[i];
      if (entry === undefined) throw new Error('bug: explain left out an op of the timeline');
      return { op, outcome: entry.outcome };
    }),
  });
};

/** The history of a document as of `asOf` (that position included; default: now). */
export const documentHistory = async (
  db: Kysely<LogTables>,
  identity: LogIdentity,
  principal: Principal,
  collection: CollectionName,
  docId: string,
  asOf: string | undefined,
): Promise<E.Either<SyncError, DocumentHistory>> => {
  const until = historyUntil(identity, asOf, await headPosition(db));
  if (E.isLeft(until)) return until;
  const facilities = await facilitiesOfDocument(db, collection, docId);
  const refusal = historyRefusal(principal, collection, docId, facilities);
  if (refusal !== undefined) return E.left(refusal);
  const rows = await db
    .selectFrom('ops')
    .selectAll()
    .where('collection', '=', collection)
    .where('doc_id', '=', docId)
    .where('position', '<=', until.right.at)
    .orderBy('position')
    .execute();
  return historyOfRows(identity, collection, docId, rows);
};
