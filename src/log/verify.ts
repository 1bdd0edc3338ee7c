/**
 * Verification (DESIGN.md section 4, "Integrity"; PROTOCOL.md, POST /v1/verify): re-checks every
 * device's hash chain, and re-derives every document and its conflict records from the log to
 * compare them with what the store holds. It reads only; it repairs nothing (`replay` does).
 *
 * Problems are reported by kind: `op` (a row that does not decode), `chain` (a broken link, a
 * chain head or an `ackedSeq` that does not match), `projection` (a document row that differs
 * from the fold of its ops, or that has no ops), `conflicts` (live conflict rows that differ
 * from the records of the fold) and `visibility` (an op not visible from its position to
 * exactly its scope's facilities, or visibility that names a position holding no op).
 *
 * This file holds the SQL reads only; the checks themselves, shared with the TablesDB log, are
 * `verify-checks.ts`'s pure functions.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Kysely } from 'kysely';
import { canonicalJson } from './canonical-json.ts';
import { documentKey } from './document-scope.ts';
import { forEachDocument } from './document-stream.ts';
import { headPosition } from './log-head.ts';
import type { LogIdentity } from './log-identity.ts';
import type { LogTables } from './log-tables.ts';
import type {
  ChainHead,
  ChainRecord,
  Progress,
  VerifyProblem,
  VerifyReport,
} from './operation-log.ts';
import { decodeConflictRecord, decodeJsonText, FacilityIds, parseJson } from './stored-json.ts';
import {
  type ChainTip,
  chainHeadsOf,
  deviceProblems,
  documentProblems,
  followChains,
  missingHeadProblems,
  progressTicker,
  projectionWithoutOps,
  recordedByDevice,
  type StoredDocument,
  verifyReport,
} from './verify-checks.ts';
import {
  LogDigester,
  logDigestProblems,
  ownVisibilityProblems,
  strayVisibilityProblems,
  type VisibilityEntry,
} from './verify-log-order.ts';

const PAGE = 5000;

/** Re-checks the hash chain of every device, reading the ops in (device, seq) pages. */
const verifyChains = async (
  db: Kysely<LogTables>,
  identity: LogIdentity,
  recorded: ReadonlyMap<string, ChainHead>,
  problems: VerifyProblem[],
  tick: () => void,
): Promise<{ readonly devices: number; readonly heads: readonly ChainHead[] }> => {
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
  let tips: ReadonlyMap<string, ChainTip> = new Map();
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
    for (let i = 0; i < rows.length; i++) tick();
    const followed = followChains(identity, tips, rows, recorded);
    for (const problem of followed.problems) problems.push(problem);
    tips = followed.tips;
    const tail = rows.at(-1);
    if (tail === undefined || rows.length < PAGE) break;
    last = { device: tail.device_id, seq: tail.seq };
  }
  for (const problem of deviceProblems(tips, devices, rejected)) problems.push(problem);
  for (const problem of missingHeadProblems(tips, recorded)) problems.push(problem);
  return { devices: devices.length, heads: chainHeadsOf(tips) };
};

/** What the store holds of one document: its projection row and live conflict records. */
const storedDocument = async (
  db: Kysely<LogTables>,
  collection: string,
  docId: string,
): Promise<StoredDocument> => {
  const row = await db
    .selectFrom('documents')
    .selectAll()
    .where('collection', '=', collection)
    .where('doc_id', '=', docId)
    .executeTakeFirst();
  const liveRows = await db
    .selectFrom('conflicts')
    .select(['id', 'record'])
    .where('collection', '=', collection)
    .where('doc_id', '=', docId)
    .where('live', '=', 1)
    .orderBy('id')
    .execute();
  const conflicts = liveRows.map((r) => {
    const record = decodeConflictRecord(r.record);
    return E.isRight(record) ? canonicalJson(record.right) : `undecodable ${r.id}`;
  });
  if (row === undefined) return { projection: undefined, conflicts };
  const fields = parseJson(row.data);
  const facilities = decodeJsonText(FacilityIds, row.facilities);
  return {
    projection: E.right({
      state: row.state,
      fields: E.isRight(fields) ? fields.right : undefined,
      deleted: row.deleted === 1,
      patientId: row.patient_id,
      facilities: E.isRight(facilities) ? facilities.right : undefined,
    }),
    conflicts,
  };
};

/**
 * Reads the log up to `head` in position order, a page at a time: its digest (`LogDigest`), and
 * each op's own visibility against its scope (own visibility of no op goes to `strays`).
 */
const readInOrder = async (
  db: Kysely<LogTables>,
  head: number,
  pinned: number | undefined,
  problems: VerifyProblem[],
  strays: VisibilityEntry[],
): Promise<LogDigester> => {
  const digester = new LogDigester(pinned);
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('ops')
      .select(['position', 'device_id', 'seq', 'hash', 'scope', 'collection', 'doc_id'])
      .where('position', '>', after)
      .where('position', '<=', head)
      .orderBy('position')
      .limit(PAGE)
      .execute();
    const tail = rows.at(-1);
    const own = new Map<number, string[]>();
    const visible = await db
      .selectFrom('visibility')
      .select(['facility_id', 'op_position'])
      .whereRef('at_position', '=', 'op_position')
      .where('op_position', '>', after)
      .where('op_position', '<=', tail === undefined || rows.length < PAGE ? head : tail.position)
      .execute();
    for (const v of visible)
      own.set(v.op_position, [...(own.get(v.op_position) ?? []), v.facility_id]);
    for (const row of rows) {
      digester.add(row);
      problems.push(...ownVisibilityProblems(row, own.get(row.position) ?? []));
      own.delete(row.position);
    }
    for (const [position, facilities] of own) {
      for (const facility of facilities) strays.push({ facility, at: position, op: position });
    }
    if (tail === undefined || rows.length < PAGE) return digester;
    after = tail.position;
  }
};

/** Visibility up to `head` other than ops' own (a transfer's reveals) naming a position with no op. */
const strayReveals = async (
  db: Kysely<LogTables>,
  head: number,
): Promise<readonly (VisibilityEntry & { readonly missing: readonly number[] })[]> => {
  const rows = await db
    .selectFrom('visibility as v')
    .leftJoin('ops as o', 'o.position', 'v.op_position')
    .leftJoin('ops as a', 'a.position', 'v.at_position')
    .select([
      'v.facility_id',
      'v.at_position',
      'v.op_position',
      'o.position as op',
      'a.position as at',
    ])
    .whereRef('v.at_position', '<>', 'v.op_position')
    .where('v.at_position', '<=', head)
    .where((eb) => eb.or([eb('o.position', 'is', null), eb('a.position', 'is', null)]))
    .execute();
  return rows.map((r) => ({
    facility: r.facility_id,
    at: r.at_position,
    op: r.op_position,
    missing: [...(r.op === null ? [r.op_position] : []), ...(r.at === null ? [r.at_position] : [])],
  }));
};

/** Verifies the whole log (see the module). */
export const verifyLog = async (
  db: Kysely<LogTables>,
  identity: LogIdentity,
  progress?: Progress,
  recorded?: ChainRecord,
): Promise<VerifyReport> => {
  const head = await headPosition(db);
  const tick = progressTicker(head * 2, progress);
  const problems: VerifyProblem[] = [];
  const chains = await verifyChains(
    db,
    identity,
    recordedByDevice(recorded?.heads),
    problems,
    tick,
  );
  const strays: VisibilityEntry[] = [];
  const digester = await readInOrder(db, head, recorded?.log.position, problems, strays);
  for (const problem of logDigestProblems(recorded?.log, head, digester)) problems.push(problem);
  const reveals = await strayReveals(db, head);
  const missing = new Set([...strays.map((s) => s.at), ...reveals.flatMap((r) => r.missing)]);
  problems.push(...strayVisibilityProblems([...strays, ...reveals], (p) => !missing.has(p)));

  const seen = new Set<string>();
  await forEachDocument(db, head, async (doc) => {
    seen.add(documentKey(doc.collection, doc.docId));
    for (let i = 0; i < doc.rows.length; i++) tick();
    problems.push(
      ...documentProblems(identity, doc, await storedDocument(db, doc.collection, doc.docId)),
    );
  });
  const rows = await db.selectFrom('documents').select(['collection', 'doc_id']).execute();
  for (const row of rows) {
    if (!seen.has(documentKey(row.collection, row.doc_id))) {
      problems.push(projectionWithoutOps(row.collection, row.doc_id));
    }
  }
  return verifyReport(
    problems,
    { ops: head, documents: seen.size, devices: chains.devices },
    { heads: chains.heads, log: digester.digest(head) },
  );
};
