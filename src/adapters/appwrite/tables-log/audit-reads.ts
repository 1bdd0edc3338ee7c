/**
 * Reads for reviewers on the TablesDB log (the rules are those of `src/log/document-history.ts`,
 * `conflict-listing.ts` and `audit-reads.ts`, whose storage-free parts this module calls): a
 * document's history as of a cursor, the live conflict records, the quarantine, the flags of
 * logged ops.
 *
 * Invariants:
 * 1. Who may read what is decided by the domain's `may`, on the facilities the document is
 *    visible to now (its own, or its patient's).
 * 2. Conflict pages are ordered by id and continue after a signed token, like the SQL log's.
 */
import * as E from 'fp-ts/lib/Either.js';
import { Query } from 'node-appwrite';
import type { CollectionName } from '../../../domain/collection.ts';
import { CollectionNameCodec } from '../../../domain/collections.ts';
import type { SyncError } from '../../../domain/errors.ts';
import { type Dot, dotKey } from '../../../domain/ids.ts';
import type { Principal } from '../../../domain/principal.ts';
import type { OpFlag } from '../../../domain/rules.ts';
import { conflictPageOf, conflictPageRequest } from '../../../log/conflict-listing.ts';
import { historyOfRows, historyRefusal, historyUntil } from '../../../log/document-history.ts';
import type { LogIdentity } from '../../../log/log-identity.ts';
import { flagsOfRow } from '../../../log/op-rows.ts';
import type {
  ConflictPage,
  ConflictQuery,
  DocumentHistory,
  QuarantinedOp,
} from '../../../log/operation-log.ts';
import { parseJson, readJsonText, StoredOpError } from '../../../log/stored-json.ts';
import { readingFacilities } from '../../../log/visibility.ts';
import {
  CONFLICTS_TABLE,
  ConflictsRowCodec,
  decodeRow,
  OPS_TABLE,
  QUARANTINE_TABLE,
  QuarantineRowCodec,
  readOpsRow,
} from './log-rows.ts';
import { LIST_PAGE, type LogStore } from './log-store.ts';
import { headOf } from './pull-reads.ts';
import { documentOpRows, facilitiesOfDocument } from './visible-ops.ts';

/** The history of a document as of `asOf` (that position included; default: now). */
export const documentHistory = async (
  store: LogStore,
  identity: LogIdentity,
  principal: Principal,
  collection: CollectionName,
  docId: string,
  asOf: string | undefined,
): Promise<E.Either<SyncError, DocumentHistory>> => {
  const until = historyUntil(identity, asOf, await headOf(store));
  if (E.isLeft(until)) return until;
  const facilities = await facilitiesOfDocument(store, collection, docId);
  const refusal = historyRefusal(principal, collection, docId, facilities);
  if (refusal !== undefined) return E.left(refusal);
  const rows = await documentOpRows(store, collection, docId, until.right.at);
  return historyOfRows(identity, collection, docId, rows);
};

/** A page of the conflict records the principal may list. */
export const listConflicts = async (
  store: LogStore,
  identity: LogIdentity,
  principal: Principal,
  query: ConflictQuery,
): Promise<E.Either<SyncError, ConflictPage>> => {
  const request = conflictPageRequest(identity, principal, query);
  if (E.isLeft(request)) return request;
  const { limit, afterId } = request.right;
  const facilities = readingFacilities(principal);
  const visible = new Map<string, boolean>();
  const isVisible = async (collection: string, docId: string): Promise<boolean> => {
    if (facilities === undefined) return true;
    const key = `${collection}/${docId}`;
    const known = visible.get(key);
    if (known !== undefined) return known;
    const name = CollectionNameCodec.decode(collection);
    const of = E.isRight(name) ? await facilitiesOfDocument(store, name.right, docId) : undefined;
    const answer = (of ?? []).some((f) => facilities.includes(f));
    visible.set(key, answer);
    return answer;
  };

  const filters = [
    Query.equal('live', true),
    ...(query.status === 'all' ? [] : [Query.equal('status', query.status)]),
    ...(query.collection === undefined ? [] : [Query.equal('collection', query.collection)]),
    ...(afterId === undefined ? [] : [Query.greaterThan('$id', afterId)]),
    Query.orderAsc('$id'),
  ];
  const found: { readonly id: string; readonly record: string }[] = [];
  let cursor: string | undefined;
  while (found.length <= limit) {
    const page = await store.page(CONFLICTS_TABLE, filters, LIST_PAGE, cursor);
    for (const raw of page) {
      const row = decodeRow(ConflictsRowCodec, raw, `conflict ${raw.$id}`);
      if (found.length <= limit && (await isVisible(row.collection, row.docId))) {
        found.push({ id: row.$id, record: row.record });
      }
    }
    const last = page.at(-1);
    if (page.length < LIST_PAGE || last === undefined) break;
    cursor = last.$id;
  }
  return E.right(conflictPageOf(identity, found, limit));
};

/** Rejected ops of a device (or of all), oldest first. */
export const quarantinedOps = async (
  store: LogStore,
  deviceId: string | undefined,
): Promise<readonly QuarantinedOp[]> => {
  const rows = await store.all(QUARANTINE_TABLE, [
    ...(deviceId === undefined ? [] : [Query.equal('deviceId', deviceId)]),
    Query.orderAsc('receivedAt'),
  ]);
  return rows
    .map((raw) => decodeRow(QuarantineRowCodec, raw, `quarantined ${raw.$id}`))
    .sort(
      (a, b) =>
        a.receivedAt - b.receivedAt ||
        (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0) ||
        a.seq - b.seq,
    )
    .map((row) => {
      const raw = parseJson(row.raw);
      return {
        deviceId: row.deviceId,
        seq: row.seq,
        userId: row.userId,
        raw: E.isRight(raw) ? raw.right : row.raw,
        error: readJsonText(StoredOpError, row.error, `quarantined ${row.deviceId}:${row.seq}`),
        receivedAt: new Date(row.receivedAt).toISOString(),
      };
    });
};

/** The flags of logged ops, by `deviceId:seq` (dots that are not logged are left out). */
export const flagsOfDots = async (
  store: LogStore,
  dots: readonly Dot[],
): Promise<ReadonlyMap<string, readonly OpFlag[]>> => {
  const byDevice = new Map<string, number[]>();
  for (const dot of dots)
    byDevice.set(dot.deviceId, [...(byDevice.get(dot.deviceId) ?? []), dot.seq]);
  const flags = new Map<string, readonly OpFlag[]>();
  for (const [deviceId, seqs] of byDevice) {
    const rows = await store.allWhereIn(OPS_TABLE, 'seq', seqs, [
      Query.equal('deviceId', deviceId),
    ]);
    for (const raw of rows) {
      const row = readOpsRow(raw);
      flags.set(dotKey({ deviceId: row.device_id, seq: row.seq }), flagsOfRow(row));
    }
  }
  return flags;
};
