/**
 * The push floor's append (`bench/append-floor.ts` says what it does and leaves out): a minimal
 * append of new documents with the protocol's per-op work in its plainest form, into tables of
 * the log's schema or into nothing (the JS alone); and, beside it, the log's real append of the
 * same ops in process.
 */
import { hash } from 'node:crypto';
import type Database from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import { openSqliteLog } from '../../src/adapters/sqlite/sqlite-log.ts';
import { COLLECTIONS } from '../../src/domain/collections.ts';
import { Principal } from '../../src/domain/principal.ts';
import { seedReferenceData } from '../../src/functions/seed-reference-data.ts';
import { canonicalJson } from '../../src/log/canonical-json.ts';
import { encodeCursor } from '../../src/log/cursor.ts';
import { identityOf } from '../../src/log/log-identity.ts';
import {
  ADMIN_DEVICE,
  batchesOf,
  type DatasetConfig,
  type FacilityPlan,
  facilityOps,
  type RawOp,
} from '../data/immunization-dataset.ts';

/** The field names of the collections a tablet's new documents are in, from their specs. */
const FIELDS: Readonly<Record<string, ReadonlySet<string>>> = Object.fromEntries(
  (['patients', 'immunization_records'] as const).map((name) => [
    name,
    new Set(COLLECTIONS[name].fieldNames),
  ]),
);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

interface WireOp {
  readonly deviceId: string;
  readonly seq: number;
  readonly hlc: { readonly ms: number; readonly n: number };
  readonly collection: string;
  readonly docId: string;
  readonly kind: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly ctx: Readonly<Record<string, number>>;
  readonly schema: number;
}

const fail = (why: string): never => {
  throw new Error(`the floor's append refused an op: ${why}`);
};

const isWireOp = (raw: unknown): raw is WireOp => {
  if (typeof raw !== 'object' || raw === null) return false;
  const op = raw as Record<string, unknown>;
  const hlc = op.hlc as Record<string, unknown> | undefined;
  return (
    typeof op.deviceId === 'string' &&
    typeof op.seq === 'number' &&
    typeof hlc?.ms === 'number' &&
    typeof hlc.n === 'number' &&
    typeof op.collection === 'string' &&
    typeof op.docId === 'string' &&
    op.kind === 'create' &&
    typeof op.data === 'object' &&
    op.data !== null &&
    typeof op.ctx === 'object' &&
    op.schema === 1
  );
};

/** The append's statements, or none: the JS alone. */
export interface Writes {
  op(...values: unknown[]): void;
  visibility(...values: unknown[]): void;
  document(...values: unknown[]): void;
  documentFacility(...values: unknown[]): void;
  inTransaction(run: () => string): string;
}

export const NO_WRITES: Writes = {
  op: () => {},
  visibility: () => {},
  document: () => {},
  documentFacility: () => {},
  inTransaction: (run) => run(),
};

export const sqliteWrites = (db: Database.Database): Writes => {
  const op = db.prepare(
    'insert into ops (position, device_id, seq, collection, doc_id, body, author_user_id, author_role, received_at, scope, flags, hash) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const visibility = db.prepare(
    'insert into visibility (facility_id, at_position, op_position) values (?, ?, ?)',
  );
  const document = db.prepare(
    'insert into documents (collection, doc_id, state, data, deleted, patient_id, facilities, created_position, last_position) values (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const documentFacility = db.prepare(
    'insert into document_facilities (facility_id, collection, doc_id) values (?, ?, ?)',
  );
  return {
    op: (...values) => op.run(...values),
    visibility: (...values) => visibility.run(...values),
    document: (...values) => document.run(...values),
    documentFacility: (...values) => documentFacility.run(...values),
    inTransaction: (run) => db.transaction(run)(),
  };
};

/**
 * The floor's append of one facility's tablet, batch by batch: each call takes a push request's
 * JSON, appends its ops in one transaction and gives the answer's JSON (PROTOCOL.md's push
 * answer: a result per op, `ackedSeq`, `head`). Over HTTP two batches can arrive out of order,
 * so it keeps the protocol's sequencing at its plainest: a seq already appended is a `duplicate`
 * with its cursor, and a seq beyond the next one a `gap`, for it and every later op of the batch.
 */
export const floorAppender = (writes: Writes, facilityId: string): ((body: string) => string) => {
  const identity = identityOf('floor-epoch', '00'.repeat(32));
  const documents = new Map<string, { readonly dateOfBirth: string }>();
  let position = 0;
  let ackedSeq = 0;
  let chain = '';
  /** Each appended seq's cursor, by seq (the tablet's seqs start at 1). */
  const cursors: string[] = [];
  const appendOp = (op: WireOp, receivedAt: number) => {
    const allowed = FIELDS[op.collection] ?? fail(`collection ${op.collection}`);
    for (const field of Object.keys(op.data)) {
      if (!allowed.has(field)) fail(`data.${field}`);
    }
    if (documents.has(op.docId)) fail('docId exists');
    let patientId: string | null = null;
    let dateOfBirth = '';
    if (op.collection === 'patients') {
      dateOfBirth = String(op.data.dateOfBirth);
      if (!DATE.test(dateOfBirth) || op.data.facilityId !== facilityId) fail('patient');
    } else {
      patientId = String(op.data.patientId);
      const patient = documents.get(patientId) ?? fail('no patient');
      const given = String(op.data.dateAdministered);
      if (!DATE.test(given) || given < patient.dateOfBirth) fail('dateAdministered');
    }
    position += 1;
    const body = canonicalJson(op);
    chain = hash('sha256', `${chain}\n${body}`, 'hex');
    const cursor = encodeCursor(identity, { at: position, op: position });
    const dot = [op.deviceId, op.seq, op.hlc.ms, op.hlc.n];
    const state = {
      vv: { [op.deviceId]: op.seq },
      fields: Object.fromEntries(
        Object.keys(op.data)
          .sort()
          .map((field) => [field, [op.data[field], dot]]),
      ),
    };
    writes.op(
      position,
      op.deviceId,
      op.seq,
      op.collection,
      op.docId,
      body,
      'floor-worker',
      'health_worker',
      receivedAt,
      facilityId,
      '[]',
      chain,
    );
    writes.visibility(facilityId, position, position);
    writes.document(
      op.collection,
      op.docId,
      JSON.stringify(state),
      JSON.stringify(op.data),
      0,
      patientId,
      JSON.stringify([facilityId]),
      position,
      position,
    );
    if (op.collection === 'patients') writes.documentFacility(facilityId, op.collection, op.docId);
    documents.set(op.docId, { dateOfBirth });
    ackedSeq = op.seq;
    cursors[op.seq] = cursor;
    return { seq: op.seq, status: 'accepted', cursor };
  };
  return (body) => {
    const request = JSON.parse(body) as { ops: unknown[] };
    return writes.inTransaction(() => {
      const receivedAt = Date.now();
      let gap = false;
      const results = request.ops.map((raw) => {
        if (!isWireOp(raw)) return fail('shape');
        gap ||= raw.seq > ackedSeq + 1;
        if (gap) return { seq: raw.seq, status: 'gap', expected: ackedSeq + 1 };
        if (raw.seq <= ackedSeq)
          return { seq: raw.seq, status: 'duplicate', cursor: cursors[raw.seq] };
        return appendOp(raw, receivedAt);
      });
      const head = encodeCursor(identity, { at: position, op: position });
      return JSON.stringify({ results, ackedSeq, head });
    });
  };
};

/** Appends every batch body (the JSON of a push request); the seconds it took. */
export const floorAppend = (
  bodies: readonly string[],
  writes: Writes,
  facilityId: string,
): number => {
  const append = floorAppender(writes, facilityId);
  const started = performance.now();
  for (const body of bodies) append(body);
  return (performance.now() - started) / 1000;
};

const principal = (userId: string, role: string, facilityIds: readonly string[]): Principal => {
  const decoded = Principal.decode({ userId, role, facilityIds });
  if (E.isLeft(decoded)) throw new Error(`bad principal ${userId}`);
  return decoded.right;
};

/** The log's own append of `ops` in batches of `batch`, in process; the seconds it took. */
export const realAppend = async (
  path: string,
  config: DatasetConfig,
  facility: FacilityPlan,
  ops: readonly RawOp[],
  batch: number,
): Promise<number> => {
  const log = await openSqliteLog({ path });
  try {
    const reference = await seedReferenceData(log);
    if (E.isLeft(reference)) throw new Error(reference.left.message);
    const seeded = await log.append({
      principal: principal('bench-admin', 'admin', ['*']),
      deviceId: ADMIN_DEVICE,
      ops: facilityOps(config).map((raw, i) => ({ seq: i + 1, raw })),
    });
    if (E.isLeft(seeded)) throw new Error(seeded.left.message);
    const worker = principal(facility.workerUserId, 'health_worker', [facility.docId]);
    const started = performance.now();
    for (const some of batchesOf(
      ops.map((raw, i) => ({ seq: i + 1, raw })),
      batch,
    )) {
      const answer = await log.append({
        principal: worker,
        deviceId: facility.deviceId,
        ops: some,
      });
      if (E.isLeft(answer) || answer.right.results.some((r) => r.status !== 'accepted')) {
        throw new Error(`the log refused a batch: ${JSON.stringify(answer)}`);
      }
    }
    return (performance.now() - started) / 1000;
  } finally {
    await log.close();
  }
};
