/**
 * A document's history (PROTOCOL.md, GET /v1/history): the document as of a cursor, and each of
 * its ops up to it with what became of it, for auditors, admins and supervisors of the
 * document's facility.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Kysely } from 'kysely';
import type { CollectionName } from '../domain/collection.ts';
import { type SyncError, syncError } from '../domain/errors.ts';
import { dotKey } from '../domain/ids.ts';
import { may } from '../domain/permissions.ts';
import type { Principal } from '../domain/principal.ts';
import { explain } from '../projections/explain.ts';
import { decodeCursor } from './cursor.ts';
import { headPosition } from './log-head.ts';
import type { LogIdentity } from './log-identity.ts';
import type { LogTables } from './log-tables.ts';
import { flagsOfRow, readOpRow } from './op-rows.ts';
import type { DocumentHistory } from './operation-log.ts';
import { facilitiesOfDocument } from './visibility.ts';

/** The history of a document as of `asOf` (that position included; default: now). */
export const documentHistory = async (
  db: Kysely<LogTables>,
  identity: LogIdentity,
  principal: Principal,
  collection: CollectionName,
  docId: string,
  asOf: string | undefined,
): Promise<E.Either<SyncError, DocumentHistory>> => {
  const head = await headPosition(db);
  const until =
    asOf === undefined ? E.right({ at: head, op: head }) : decodeCursor(identity, asOf, head);
  if (E.isLeft(until)) return until;
  const facilities = await facilitiesOfDocument(db, collection, docId);
  if (facilities === undefined) return E.left(syncError('not_found', `no ${collection} ${docId}`));
  if (!may(principal, 'read_history', facilities)) {
    return E.left(syncError('forbidden', 'the document is not of your facilities'));
  }
  const rows = await db
    .selectFrom('ops')
    .selectAll()
    .where('collection', '=', collection)
    .where('doc_id', '=', docId)
    .where('position', '<=', until.right.at)
    .orderBy('position')
    .execute();
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
