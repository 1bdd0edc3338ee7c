/**
 * Verification (DESIGN.md section 4, "Integrity"; PROTOCOL.md, POST /v1/verify): re-checks every
 * device's hash chain, and re-derives every document and its conflict records from the log to
 * compare them with what the store holds. It reads only; it repairs nothing (`replay` does).
 *
 * Problems are reported by kind: `op` (a row that does not decode), `chain` (a broken link, a
 * chain head or an `ackedSeq` that does not match), `projection` (a document row that differs
 * from the fold of its ops, or that has no ops) and `conflicts` (live conflict rows that differ
 * from the records of the fold).
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Kysely } from 'kysely';
import { CollectionNameCodec } from '../domain/collections.ts';
import type { LoggedOp } from '../domain/operation.ts';
import { equals } from '../domain/version-vector.ts';
import { conflictsOf } from '../projections/conflicts.ts';
import { fold } from '../projections/document-state.ts';
import { materialize } from '../projections/materialize.ts';
import { decodeState } from '../projections/state-codec.ts';
import { canonicalJson } from './canonical-json.ts';
import { documentKey, ownFacilitiesOf, patientIdOf } from './document-scope.ts';
import { type DocumentOps, forEachDocument } from './document-stream.ts';
import { chainHash, GENESIS_HASH } from './hash-chain.ts';
import { headPosition } from './log-head.ts';
import type { LogIdentity } from './log-identity.ts';
import type { LogTables } from './log-tables.ts';
import { decodeOpRow } from './op-rows.ts';
import type { Progress, VerifyProblem, VerifyReport } from './operation-log.ts';
import { decodeConflictRecord, decodeJsonText, FacilityIds, parseJson } from './stored-json.ts';

const PAGE = 5000;

/** Re-checks the hash chain of every device. */
const verifyChains = async (
  db: Kysely<LogTables>,
  identity: LogIdentity,
  problems: VerifyProblem[],
  tick: () => void,
): Promise<number> => {
  const devices = await db
    .selectFrom('devices')
    .select(['device_id', 'acked_seq', 'chain_hash'])
    .execute();
  const rejected = new Map(
    (
      await db
        .selectFrom('quarantine')
        .select((eb) => ['device_id', eb.fn.countAll<number>().as('n')])
        .groupBy('device_id')
        .execute()
    ).map((r) => [r.device_id, Number(r.n)]),
  );
  const chains = new Map<string, { hash: string; count: number }>();
  let last: { device: string; seq: number } | undefined;
  for (;;) {
    let query = db.selectFrom('ops').selectAll();
    if (last !== undefined) {
      const { device, seq } = last;
      query = query.where((eb) =>
        eb.or([
          eb('device_id', '>', device),
          eb.and([eb('device_id', '=', device), eb('seq', '>', seq)]),
        ]),
      );
    }
    const rows = await query.orderBy('device_id').orderBy('seq').limit(PAGE).execute();
    for (const row of rows) {
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
      // Continue from the stored link, so one changed op is reported once.
      chains.set(row.device_id, { hash: row.hash, count: chain.count + 1 });
    }
    const tail = rows.at(-1);
    if (tail === undefined || rows.length < PAGE) break;
    last = { device: tail.device_id, seq: tail.seq };
  }
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
  return devices.length;
};

/** Compares one document's stored rows with the fold of its ops. */
const verifyDocument = async (
  db: Kysely<LogTables>,
  identity: LogIdentity,
  doc: DocumentOps,
  problems: VerifyProblem[],
): Promise<void> => {
  const { collection: name, docId } = doc;
  const report = (kind: VerifyProblem['kind'], detail: string): void => {
    problems.push({ kind, collection: name, docId, detail });
  };
  const collection = CollectionNameCodec.decode(name);
  if (E.isLeft(collection)) return report('op', `unknown collection ${name}`);
  const ops: LoggedOp[] = [];
  for (const row of doc.rows) {
    const op = decodeOpRow(identity, row);
    if (E.isRight(op)) ops.push(op.right);
  }
  const folded = fold(collection.right, docId, ops);
  const expected = materialize(folded);

  const row = await db
    .selectFrom('documents')
    .selectAll()
    .where('collection', '=', name)
    .where('doc_id', '=', docId)
    .executeTakeFirst();
  if (row === undefined) return report('projection', 'the document has ops but no projection row');
  const stored = decodeState(row.state);
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
  const data = parseJson(row.data);
  if (E.isLeft(data) || canonicalJson(data.right) !== canonicalJson(expected.data)) {
    report('projection', 'the stored fields differ from the fold of its ops');
  }
  if ((row.deleted === 1) !== expected.deleted)
    report('projection', 'the stored deleted flag differs from its ops');
  if (row.patient_id !== (patientIdOf(collection.right, expected.data) ?? null)) {
    report('projection', 'the stored patient differs from its ops');
  }
  const lastScope = ops.at(-1)?.scope ?? [];
  const facilities = decodeJsonText(FacilityIds, row.facilities);
  if (
    E.isLeft(facilities) ||
    canonicalJson(facilities.right) !==
      canonicalJson(ownFacilitiesOf(collection.right, expected.data, lastScope))
  ) {
    report('projection', 'the stored facilities differ from its ops');
  }

  const liveRows = await db
    .selectFrom('conflicts')
    .select(['id', 'record'])
    .where('collection', '=', name)
    .where('doc_id', '=', docId)
    .where('live', '=', 1)
    .orderBy('id')
    .execute();
  const storedRecords = liveRows.map((r) => {
    const record = decodeConflictRecord(r.record);
    return E.isRight(record) ? canonicalJson(record.right) : `undecodable ${r.id}`;
  });
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

/** Verifies the whole log (see the module). */
export const verifyLog = async (
  db: Kysely<LogTables>,
  identity: LogIdentity,
  progress?: Progress,
): Promise<VerifyReport> => {
  const head = await headPosition(db);
  const total = head * 2;
  let done = 0;
  const tick = () => {
    done += 1;
    if (progress !== undefined && (done % 1000 === 0 || done === total)) progress(done, total);
  };
  const problems: VerifyProblem[] = [];
  const devices = await verifyChains(db, identity, problems, tick);

  const seen = new Set<string>();
  await forEachDocument(db, head, async (doc) => {
    seen.add(documentKey(doc.collection, doc.docId));
    for (let i = 0; i < doc.rows.length; i++) tick();
    await verifyDocument(db, identity, doc, problems);
  });
  const rows = await db.selectFrom('documents').select(['collection', 'doc_id']).execute();
  for (const row of rows) {
    if (!seen.has(documentKey(row.collection, row.doc_id))) {
      problems.push({
        kind: 'projection',
        collection: row.collection,
        docId: row.doc_id,
        detail: 'a projection row without ops',
      });
    }
  }
  return {
    ok: problems.length === 0,
    checked: { ops: head, documents: seen.size, devices },
    problems,
  };
};
