/**
 * Verification of the TablesDB log (the checks and the problem kinds are `src/log/verify.ts`'s):
 * every device's hash chain, and every document's row and live conflict records against the
 * fold of its ops. It reads only; `replay` repairs.
 */
import * as E from 'fp-ts/lib/Either.js';
import { type Models, Query } from 'node-appwrite';
import { COLLECTION_NAMES, CollectionNameCodec } from '../../../domain/collections.ts';
import type { LoggedOp } from '../../../domain/operation.ts';
import { equals } from '../../../domain/version-vector.ts';
import { canonicalJson } from '../../../log/canonical-json.ts';
import { documentKey, ownFacilitiesOf } from '../../../log/document-scope.ts';
import { chainHash, GENESIS_HASH } from '../../../log/hash-chain.ts';
import type { LogIdentity } from '../../../log/log-identity.ts';
import { decodeOpRow } from '../../../log/op-rows.ts';
import type { Progress, VerifyProblem, VerifyReport } from '../../../log/operation-log.ts';
import { decodeConflictRecord } from '../../../log/stored-json.ts';
import { conflictsOf } from '../../../projections/conflicts.ts';
import { fold } from '../../../projections/document-state.ts';
import { materialize } from '../../../projections/materialize.ts';
import { decodeState } from '../../../projections/state-codec.ts';
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
} from './log-rows.ts';
import { byDocument, type DocumentOps, scanOps } from './log-scan.ts';
import type { LogStore } from './log-store.ts';
import { projectedColumnsOf } from './projected-documents.ts';
import { headOf } from './pull-reads.ts';

/** Compares one document's stored row and records with the fold of its ops. */
const verifyDocument = (
  identity: LogIdentity,
  doc: DocumentOps,
  row: Models.DefaultRow | undefined,
  storedRecords: readonly string[],
  problems: VerifyProblem[],
): void => {
  const { collection: name, docId } = doc;
  const report = (kind: VerifyProblem['kind'], detail: string): void => {
    problems.push({ kind, collection: name, docId, detail });
  };
  const collection = CollectionNameCodec.decode(name);
  if (E.isLeft(collection)) {
    report('op', `unknown collection ${name}`);
    return;
  }
  const ops: LoggedOp[] = [];
  for (const r of doc.rows) {
    const op = decodeOpRow(identity, r);
    if (E.isRight(op)) ops.push(op.right);
  }
  const folded = fold(collection.right, docId, ops);
  const expected = materialize(folded);
  if (row === undefined) {
    report('projection', 'the document has ops but no projection row');
    return;
  }
  const columns = projectedColumnsOf(row);
  if (E.isLeft(columns)) {
    report('projection', columns.left);
    return;
  }
  const stored = decodeState(columns.right.state);
  if (E.isLeft(stored)) {
    report('projection', `the stored state does not decode: ${stored.left.message}`);
  } else {
    const had = materialize(stored.right);
    const view = (m: typeof expected) =>
      canonicalJson({ data: m.data, deleted: m.deleted, disputed: m.disputed });
    if (view(had) !== view(expected))
      report('projection', 'the stored state differs from the fold of its ops');
    if (!equals(stored.right.vv, folded.vv))
      report('projection', 'the stored version vector differs from its ops');
  }
  const data = rowData(collection.right, columnsOf(row));
  if (
    data === undefined ||
    canonicalJson(withoutNulls(data)) !== canonicalJson(withoutNulls(expected.data))
  ) {
    report('projection', 'the stored fields differ from the fold of its ops');
  }
  if (columns.right.deleted !== expected.deleted)
    report('projection', 'the stored deleted flag differs from its ops');
  const lastScope = ops.at(-1)?.scope ?? [];
  if (
    canonicalJson(columns.right.facilities) !==
    canonicalJson(ownFacilitiesOf(collection.right, expected.data, lastScope))
  ) {
    report('projection', 'the stored facilities differ from its ops');
  }
  const derived = [...conflictsOf(folded)]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((r) => canonicalJson(r));
  if (canonicalJson(storedRecords) !== canonicalJson(derived)) {
    report(
      'conflicts',
      `the stored conflict records (${storedRecords.length}) differ from the ${derived.length} its ops give`,
    );
  }
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

/** Verifies the whole log (see the module). */
export const verifyLog = async (
  store: LogStore,
  identity: LogIdentity,
  progress?: Progress,
): Promise<VerifyReport> => {
  const head = await headOf(store);
  const total = head * 2;
  let done = 0;
  const tick = () => {
    done += 1;
    if (progress !== undefined && (done % 1000 === 0 || done === total)) progress(done, total);
  };
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
  const chains = new Map<string, { hash: string; count: number }>();
  const bySeq = [...rows].sort((a, b) =>
    a.device_id !== b.device_id ? (a.device_id < b.device_id ? -1 : 1) : a.seq - b.seq,
  );
  for (const row of bySeq) {
    tick();
    const chain = chains.get(row.device_id) ?? { hash: GENESIS_HASH, count: 0 };
    const op = decodeOpRow(identity, row);
    if (E.isLeft(op)) {
      problems.push({
        kind: 'op',
        collection: row.collection,
        docId: row.doc_id,
        detail: `op ${row.device_id}:${row.seq}: ${op.left}`,
      });
    } else if (chainHash(chain.hash, op.right) !== row.hash) {
      problems.push({
        kind: 'chain',
        collection: row.collection,
        docId: row.doc_id,
        detail: `op ${row.device_id}:${row.seq} does not match its link in the device's hash chain`,
      });
    }
    chains.set(row.device_id, { hash: row.hash, count: chain.count + 1 });
  }
  const rejected = new Map<string, number>();
  for (const raw of await store.all(QUARANTINE_TABLE, [])) {
    const q = decodeRow(QuarantineRowCodec, raw, `quarantined ${raw.$id}`);
    rejected.set(q.deviceId, (rejected.get(q.deviceId) ?? 0) + 1);
  }
  const devices = (await store.all(DEVICES_TABLE, [])).map(deviceRowOf);
  for (const device of devices) {
    const chain = chains.get(device.device_id) ?? { hash: GENESIS_HASH, count: 0 };
    if (chain.hash !== device.chain_hash) {
      problems.push({
        kind: 'chain',
        collection: null,
        docId: null,
        detail: `device ${device.device_id}: its last op is not the head of its recorded chain`,
      });
    }
    const processed = chain.count + (rejected.get(device.device_id) ?? 0);
    if (processed !== device.acked_seq) {
      problems.push({
        kind: 'chain',
        collection: null,
        docId: null,
        detail: `device ${device.device_id}: ackedSeq is ${device.acked_seq} but ${processed} ops are logged or quarantined`,
      });
    }
  }

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
    verifyDocument(identity, doc, stored.get(key), records.get(key) ?? [], problems);
  }
  for (const [key] of stored) {
    if (seen.has(key)) continue;
    const [collection, docId] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
    problems.push({
      kind: 'projection',
      collection,
      docId,
      detail: 'a projection row without ops',
    });
  }
  return {
    ok: problems.length === 0,
    checked: { ops: head, documents: seen.size, devices: devices.length },
    problems,
  };
};
