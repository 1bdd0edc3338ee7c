/**
 * Verification of the TablesDB log (the problem kinds are `src/log/verify.ts`'s, the checks
 * `src/log/verify-checks.ts`'s): every device's hash chain, and every document's row and live
 * conflict records against the fold of its ops. This file reads the tables into the checks'
 * plain values; it reads only, `replay` repairs.
 */
import * as E from 'fp-ts/lib/Either.js';
import { type Models, Query } from 'node-appwrite';
import { COLLECTION_NAMES, CollectionNameCodec } from '../../../domain/collections.ts';
import { canonicalJson } from '../../../log/canonical-json.ts';
import { documentKey } from '../../../log/document-scope.ts';
import type { LogIdentity } from '../../../log/log-identity.ts';
import type {
  ChainRecord,
  Progress,
  VerifyProblem,
  VerifyReport,
} from '../../../log/operation-log.ts';
import { decodeConflictRecord } from '../../../log/stored-json.ts';
import {
  chainHeadsOf,
  deviceProblems,
  documentProblems,
  followChains,
  missingHeadProblems,
  progressTicker,
  projectionWithoutOps,
  recordedByDevice,
  type StoredProjection,
  verifyReport,
} from '../../../log/verify-checks.ts';
import {
  LogDigester,
  logDigestProblems,
  ownVisibilityProblems,
  strayVisibilityProblems,
  type VisibilityEntry,
} from '../../../log/verify-log-order.ts';
import { columnsOf } from '../appwrite-row.ts';
import { rowData, withoutNulls } from '../projector-mark.ts';
import { deviceRowOf } from './device-rows.ts';
import {
  CONFLICTS_TABLE,
  ConflictsRowCodec,
  DEVICES_TABLE,
  decodeRow,
  QUARANTINE_TABLE,
  QuarantineRowCodec,
  VISIBILITY_TABLE,
  VisibilityRowCodec,
} from './log-rows.ts';
import { byDocument, scanOps } from './log-scan.ts';
import type { LogStore } from './log-store.ts';
import { projectedColumnsOf } from './projected-documents.ts';
import { headOf } from './pull-reads.ts';
import { entriesOfRow } from './visible-ops.ts';

/**
 * A document's row read into the checks' plain values, or why its log columns do not read.
 * TablesDB keeps no patient column, and its data columns hold null for a missing field.
 */
const storedProjectionOf = (
  collection: string,
  row: Models.DefaultRow,
): E.Either<string, StoredProjection> => {
  const columns = projectedColumnsOf(row);
  if (E.isLeft(columns)) return columns;
  // An unknown collection is reported by `documentProblems` before the fields are looked at.
  const name = CollectionNameCodec.decode(collection);
  const data = E.isRight(name) ? rowData(name.right, columnsOf(row)) : undefined;
  return E.right({
    state: columns.right.state,
    fields: data === undefined ? undefined : withoutNulls(data),
    fieldsView: withoutNulls,
    deleted: columns.right.deleted,
    facilities: columns.right.facilities,
  });
};

/** The live conflict records of each document, canonical, ordered by id. */
const liveRecords = async (store: LogStore): Promise<ReadonlyMap<string, string[]>> => {
  const rows = await store.all(CONFLICTS_TABLE, [Query.equal('live', true), Query.orderAsc('$id')]);
  const byDoc = new Map<string, string[]>();
  for (const raw of rows) {
    const row = decodeRow(ConflictsRowCodec, raw, `conflict ${raw.$id}`);
    const record = decodeConflictRecord(row.record);
    const key = documentKey(row.collection, row.docId);
    const text = E.isRight(record) ? canonicalJson(record.right) : `undecodable ${row.$id}`;
    byDoc.set(key, [...(byDoc.get(key) ?? []), text]);
  }
  return byDoc;
};

/**
 * The visibility rows up to `head`: the facilities of each position's own rows, and every entry
 * they stand for (`entriesOfRow`: the revealed history, then the op itself), by facility.
 */
const visibilityUpTo = async (
  store: LogStore,
  head: number,
): Promise<{
  readonly own: ReadonlyMap<number, readonly string[]>;
  readonly entries: readonly VisibilityEntry[];
}> => {
  const own = new Map<number, string[]>();
  const entries: VisibilityEntry[] = [];
  for (const raw of await store.all(VISIBILITY_TABLE, [
    Query.lessThanEqual('atPosition', head),
    Query.orderAsc('atPosition'),
  ])) {
    const row = decodeRow(VisibilityRowCodec, raw, `visibility row ${raw.$id}`);
    own.set(row.atPosition, [...(own.get(row.atPosition) ?? []), row.facilityId]);
    for (const entry of entriesOfRow(raw)) entries.push({ facility: row.facilityId, ...entry });
  }
  return { own, entries };
};

/** Verifies the whole log (see the module). */
export const verifyLog = async (
  store: LogStore,
  identity: LogIdentity,
  progress?: Progress,
  recorded?: ChainRecord,
): Promise<VerifyReport> => {
  const head = await headOf(store);
  const tick = progressTicker(head * 2, progress);
  const problems: VerifyProblem[] = [];
  const { rows, unreadable } = await scanOps(store, head);
  for (const bad of unreadable) {
    problems.push({
      kind: 'op',
      collection: null,
      docId: null,
      detail: `${bad.rowId}: ${bad.detail}`,
    });
  }

  // Chains, device by device in seq order.
  const bySeq = [...rows].sort((a, b) =>
    a.device_id !== b.device_id ? (a.device_id < b.device_id ? -1 : 1) : a.seq - b.seq,
  );
  for (let i = 0; i < bySeq.length; i++) tick();
  const heads = recordedByDevice(recorded?.heads);
  const chains = followChains(identity, new Map(), bySeq, heads);
  for (const problem of chains.problems) problems.push(problem);
  const rejected = new Map<string, number>();
  for (const raw of await store.all(QUARANTINE_TABLE, [])) {
    const q = decodeRow(QuarantineRowCodec, raw, `quarantined ${raw.$id}`);
    rejected.set(q.deviceId, (rejected.get(q.deviceId) ?? 0) + 1);
  }
  const devices = (await store.all(DEVICES_TABLE, [])).map(deviceRowOf);
  for (const problem of deviceProblems(chains.tips, devices, rejected)) problems.push(problem);
  for (const problem of missingHeadProblems(chains.tips, heads)) problems.push(problem);
  // The log's digest, in position order (the scan's order), and each op's own visibility.
  const digester = new LogDigester(recorded?.log.position);
  const visibility = await visibilityUpTo(store, head);
  for (const row of rows) {
    digester.add(row);
    problems.push(...ownVisibilityProblems(row, visibility.own.get(row.position) ?? []));
  }
  for (const problem of logDigestProblems(recorded?.log, head, digester)) problems.push(problem);
  const positions = new Set(rows.map((row) => row.position));
  problems.push(...strayVisibilityProblems(visibility.entries, (p) => positions.has(p)));

  // Documents: each row against the fold of its ops.
  const stored = new Map<string, Models.DefaultRow>();
  for (const collection of COLLECTION_NAMES) {
    for (const row of await store.all(collection, [Query.isNotNull('syncState')])) {
      stored.set(documentKey(collection, row.$id), row);
    }
  }
  const records = await liveRecords(store);
  const seen = new Set<string>();
  for (const doc of byDocument(rows)) {
    const key = documentKey(doc.collection, doc.docId);
    seen.add(key);
    for (let i = 0; i < doc.rows.length; i++) tick();
    const row = stored.get(key);
    problems.push(
      ...documentProblems(identity, doc, {
        projection: row === undefined ? undefined : storedProjectionOf(doc.collection, row),
        conflicts: records.get(key) ?? [],
      }),
    );
  }
  for (const [key] of stored) {
    if (seen.has(key)) continue;
    const [collection, docId] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
    problems.push(projectionWithoutOps(collection, docId));
  }
  return verifyReport(
    problems,
    { ops: head, documents: seen.size, devices: devices.length },
    { heads: chainHeadsOf(chains.tips), log: digester.digest(head) },
  );
};
