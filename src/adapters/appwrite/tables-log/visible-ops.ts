/**
 * Which ops a reader may see on the TablesDB log, and in which order (DESIGN.md section 4,
 * "Scope"; the SQL log's `visibility.ts` states the same rules).
 *
 * One `sync_visibility` row per facility and position: the op at `atPosition` is visible to
 * `facilityId` from there on, and so are the earlier positions listed in `revealed` (the
 * history a transfer brings to the facility it arrives at). A row stands for the visibility
 * entries `(at, p)` for each revealed `p`, then `(at, at)`; readers go in `(at, op)` order.
 *
 * Invariants:
 * 1. Rows are append-only: pages are immutable for a given cursor range.
 * 2. A reveal is one row whatever the length of the history, so an op's writes stay within a
 *    transaction's operation limit.
 * 3. Admins, auditors and principals listing `*` read the ops table itself, by `position`.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { type Models, Query } from 'node-appwrite';
import type { CollectionName } from '../../../domain/collection.ts';
import { comparePositions, type LogPosition } from '../../../log/cursor.ts';
import { patientIdOf } from '../../../log/document-scope.ts';
import type { OpRow } from '../../../log/op-rows.ts';
import { FacilityIds, parseJson } from '../../../log/stored-json.ts';
import {
  decodeRow,
  OPS_TABLE,
  readOpsRow,
  VISIBILITY_TABLE,
  VisibilityRowCodec,
} from './log-rows.ts';
import { LIST_PAGE, type LogStore } from './log-store.ts';
import { documentOfRow } from './projected-documents.ts';

const Positions = t.readonlyArray(t.number);

/** The visibility entries a row stands for, in `(at, op)` order. */
export const entriesOfRow = (row: Models.DefaultRow): readonly LogPosition[] => {
  const r = decodeRow(VisibilityRowCodec, row, `visibility row ${row.$id}`);
  const revealed =
    r.revealed === null
      ? []
      : decodeRow(Positions, JSON.parse(r.revealed), `revealed of ${row.$id}`);
  return [
    ...[...revealed].sort((a, b) => a - b).map((op) => ({ at: r.atPosition, op })),
    { at: r.atPosition, op: r.opPosition },
  ];
};

/** The first position after `after` that an op takes in position order (the whole log). */
const firstPositionAfter = (after: LogPosition): number =>
  after.op < after.at ? after.at : after.at + 1;

/**
 * The visibility entries of `facilities` in `(after, (head, head)]`, in order, at most `limit`
 * (undefined: all). Rows are paged by `atPosition`; the entries of one `atPosition` are taken
 * only once all of its rows (one per facility) have been read.
 */
export const facilityEntriesAfter = async (
  store: LogStore,
  facilities: readonly string[],
  after: LogPosition,
  head: number,
  limit: number | undefined,
): Promise<readonly LogPosition[]> => {
  const seen = new Map<string, LogPosition>();
  const queries = [
    Query.equal('facilityId', [...facilities]),
    Query.greaterThanEqual('atPosition', after.at),
    Query.lessThanEqual('atPosition', head),
    Query.orderAsc('atPosition'),
  ];
  const sorted = () => [...seen.values()].sort(comparePositions);
  // A page of rows gives about one entry per row (fewer where facilities share a position,
  // more where a row reveals a history): read a little more than the limit at a time.
  const size = limit === undefined ? LIST_PAGE : Math.min(LIST_PAGE, 2 * limit + 2);
  let cursor: string | undefined;
  for (;;) {
    const page = await store.page(VISIBILITY_TABLE, queries, size, cursor);
    for (const row of page) {
      for (const entry of entriesOfRow(row)) {
        if (comparePositions(entry, after) > 0) seen.set(`${entry.at}:${entry.op}`, entry);
      }
    }
    const last = page.at(-1);
    if (page.length < size || last === undefined) break;
    cursor = last.$id;
    const lastAt = Number(last.atPosition);
    if (limit !== undefined && sorted().filter((e) => e.at < lastAt).length >= limit) break;
  }
  const entries = sorted();
  return limit === undefined ? entries : entries.slice(0, limit);
};

/** The op rows at these positions, by position. */
export const opRowsAt = async (
  store: LogStore,
  positions: readonly number[],
): Promise<ReadonlyMap<number, OpRow>> => {
  const rows = await store.allWhereIn(OPS_TABLE, 'position', positions);
  return new Map(rows.map((row) => [Number(row.position), readOpsRow(row)]));
};

/** A page of visible ops: each op row with the position at which the reader meets it. */
export interface VisibleRow {
  readonly at: number;
  readonly row: OpRow;
}

/**
 * Ops visible to `facilities` (undefined: the whole log) after `after` and up to the head, in
 * visibility order, at most `limit`.
 */
export const visibleOpsAfter = async (
  store: LogStore,
  facilities: readonly string[] | undefined,
  after: LogPosition,
  head: number,
  limit: number,
): Promise<readonly VisibleRow[]> => {
  if (facilities === undefined) {
    const out: VisibleRow[] = [];
    let from = firstPositionAfter(after);
    while (out.length < limit && from <= head) {
      const want = Math.min(limit - out.length, LIST_PAGE);
      const rows = await store.page(
        OPS_TABLE,
        [
          Query.greaterThanEqual('position', from),
          Query.lessThanEqual('position', head),
          Query.orderAsc('position'),
        ],
        want,
      );
      for (const r of rows) {
        const row = readOpsRow(r);
        out.push({ at: row.position, row });
        from = row.position + 1;
      }
      if (rows.length < want) break;
    }
    return out;
  }
  const entries = await facilityEntriesAfter(store, facilities, after, head, limit);
  const rows = await opRowsAt(
    store,
    entries.map((e) => e.op),
  );
  return entries.map((entry) => {
    const row = rows.get(entry.op);
    if (row === undefined) throw new Error(`the visible op at ${entry.op} has no row`);
    return { at: entry.at, row };
  });
};

/** How many ops are visible to `facilities` (undefined: the whole log) after `after`. */
export const countVisibleAfter = async (
  store: LogStore,
  facilities: readonly string[] | undefined,
  after: LogPosition,
  head: number,
): Promise<number> => {
  if (facilities === undefined) return Math.max(0, head - firstPositionAfter(after) + 1);
  return (await facilityEntriesAfter(store, facilities, after, head, undefined)).length;
};

/** The ops of one document up to `upTo` (default: all), in position order. */
export const documentOpRows = async (
  store: LogStore,
  collection: string,
  docId: string,
  upTo?: number,
): Promise<readonly OpRow[]> => {
  const rows = await store.all(OPS_TABLE, [
    Query.equal('collection', collection),
    Query.equal('docId', docId),
    ...(upTo === undefined ? [] : [Query.lessThanEqual('position', upTo)]),
    Query.orderAsc('position'),
  ]);
  return rows.map(readOpsRow);
};

/** The ops of one document visible to `facilities` (undefined: all of them), in order. */
export const visibleDocumentOps = async (
  store: LogStore,
  facilities: readonly string[] | undefined,
  collection: string,
  docId: string,
): Promise<readonly OpRow[]> => {
  const rows = await documentOpRows(store, collection, docId);
  const first = rows[0];
  if (facilities === undefined || first === undefined) return rows;
  const reveals = await store.all(VISIBILITY_TABLE, [
    Query.equal('facilityId', [...facilities]),
    Query.isNotNull('revealed'),
    Query.greaterThan('atPosition', first.position),
  ]);
  const revealed = new Set(reveals.flatMap((row) => entriesOfRow(row).map((e) => e.op)));
  return rows.filter((row) => {
    if (revealed.has(row.position)) return true;
    const scope = parseJson(row.scope);
    const ids = E.isRight(scope) ? FacilityIds.decode(scope.right) : undefined;
    return ids !== undefined && E.isRight(ids) && ids.right.some((f) => facilities.includes(f));
  });
};

/** The facilities a document is visible to now (its own, or its patient's); undefined: none. */
export const facilitiesOfDocument = async (
  store: LogStore,
  collection: CollectionName,
  docId: string,
): Promise<readonly string[] | undefined> => {
  const row = await store.get(collection, docId);
  if (row === undefined || row.syncState === null || row.syncState === undefined) return undefined;
  const doc = documentOfRow(collection, row);
  const patientId = patientIdOf(collection, doc.view?.data ?? {});
  if (patientId === undefined) return doc.facilities;
  const patient = await store.get('patients', patientId);
  if (patient === undefined) return [];
  return documentOfRow('patients', patient).facilities;
};
