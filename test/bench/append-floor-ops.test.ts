/**
 * The push floor's append (`bench/harness/append-floor-ops.ts`): it really does the work it
 * claims to measure. It writes every op's rows into the log's schema, its chain links are the
 * SHA-256 chain of the ops' canonical texts, its documents hold what the log's real append stores
 * for the same ops, and it refuses the ops the rules it keeps refuse.
 */
import { hash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DatasetConfig,
  datasetOf,
  deviceOps,
  facilitiesOf,
  type RawOp,
} from '../../bench/data/immunization-dataset.ts';
import {
  floorAppend,
  floorAppender,
  NO_WRITES,
  realAppend,
  sqliteWrites,
} from '../../bench/harness/append-floor-ops.ts';
import { type FreshStore, freshStore } from '../../bench/harness/bench-stores.ts';
import { pushToFloor } from '../../bench/harness/timed-push.ts';
import { openSqliteLog } from '../../src/adapters/sqlite/sqlite-log.ts';
import { decodePushAnswer, type PushAnswer } from '../../src/client/transports/wire-answers.ts';

const CONFIG: DatasetConfig = { ...datasetOf(40), facilities: 2 };
const facility = facilitiesOf(CONFIG)[0];
if (facility === undefined) throw new Error('no facility');
const OPS: readonly RawOp[] = [...deviceOps(CONFIG, facility)];

const bodiesOf = (ops: readonly RawOp[], batch: number): string[] => {
  const bodies: string[] = [];
  for (let from = 0; from < ops.length; from += batch) {
    bodies.push(
      JSON.stringify({ deviceId: facility.deviceId, ops: ops.slice(from, from + batch) }),
    );
  }
  return bodies;
};

/** A migrated, empty log schema at `path`, opened raw as the floor uses it. */
const schemaAt = async (path: string): Promise<Database.Database> => {
  await (await openSqliteLog({ path })).close();
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  return db;
};

type Row = Record<string, unknown>;

describe('the push floor', () => {
  let fresh: FreshStore;
  let path: string;
  beforeAll(async () => {
    fresh = await freshStore('sqlite');
    if (fresh.store.kind !== 'sqlite') throw new Error('not SQLite');
    path = fresh.store.path;
  });
  afterAll(() => fresh.remove());

  it("writes each op's rows, chained, and the documents the log's own append stores", async () => {
    const db = await schemaAt(path);
    try {
      expect(floorAppend(bodiesOf(OPS, 7), sqliteWrites(db), facility.docId)).toBeGreaterThan(0);
      const ops = db.prepare('select * from ops order by position').all() as Row[];
      expect(ops.map((r) => [r.position, r.seq, r.doc_id])).toEqual(
        OPS.map((op, i) => [i + 1, op.seq, op.docId]),
      );
      let link = '';
      for (const row of ops) {
        link = hash('sha256', `${link}\n${String(row.body)}`, 'hex');
        expect(row.hash).toBe(link);
      }
      const count = (table: string): number =>
        (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
      expect(count('visibility')).toBe(OPS.length);
      expect(count('documents')).toBe(OPS.length);
      expect(count('document_facilities')).toBe(
        OPS.filter((op) => op.collection === 'patients').length,
      );

      await realAppend(`${path}.real`, CONFIG, facility, OPS, 7);
      const real = new Database(`${path}.real`, { readonly: true });
      try {
        const dataOf = (source: Database.Database): Map<string, unknown> =>
          new Map(
            (
              source
                .prepare(
                  "select collection, doc_id, data from documents where collection in ('patients', 'immunization_records')",
                )
                .all() as Row[]
            ).map((r) => [
              `${String(r.collection)}/${String(r.doc_id)}`,
              JSON.parse(String(r.data)),
            ]),
          );
        const floor = dataOf(db);
        expect(floor.size).toBe(OPS.length);
        expect(floor).toEqual(dataOf(real));
      } finally {
        real.close();
      }
    } finally {
      db.close();
    }
  });

  it('refuses what its rules refuse', () => {
    const patient = OPS.find((op) => op.collection === 'patients');
    const record = OPS.find((op) => op.collection === 'immunization_records');
    if (patient === undefined || record === undefined) throw new Error('no patient or record');
    // The ops as a tablet's seqs 1, 2, ...: a seq out of turn would be a duplicate or a gap.
    const refused = (ops: readonly RawOp[]) => () =>
      floorAppend(
        bodiesOf(
          ops.map((op, i) => ({ ...op, seq: i + 1 })),
          10,
        ),
        NO_WRITES,
        facility.docId,
      );
    const recordData = record.data as Record<string, unknown>;
    const patientData = patient.data as Record<string, unknown>;
    expect(refused([{ ...patient, data: { ...patientData, eyeColour: 'brown' } }])).toThrow(
      /data\.eyeColour/,
    );
    expect(refused([patient, patient])).toThrow(/docId exists/);
    expect(refused([record])).toThrow(/no patient/);
    expect(
      refused([
        patient,
        {
          ...record,
          data: { ...recordData, patientId: patient.docId, dateAdministered: '1900-01-01' },
        },
      ]),
    ).toThrow(/dateAdministered/);
    expect(refused([{ ...patient, kind: 'update' }])).toThrow(/shape/);
    expect(refused(OPS)).not.toThrow();
  });

  it('answers a seq out of turn as the protocol does: a gap ahead, a duplicate behind', () => {
    const append = floorAppender(NO_WRITES, facility.docId);
    const answer = (ops: readonly RawOp[]): PushAnswer => {
      const decoded = decodePushAnswer(
        JSON.parse(append(JSON.stringify({ deviceId: facility.deviceId, ops }))),
      );
      if (E.isLeft(decoded)) throw new Error(JSON.stringify(decoded.left));
      return decoded.right;
    };
    const [first, second, third, fourth] = OPS;
    if (first === undefined || second === undefined || third === undefined || !fourth) {
      throw new Error('too few ops');
    }
    const ahead = answer([third, fourth]);
    expect(ahead.results).toEqual([
      { seq: 3, status: 'gap', expected: 1 },
      { seq: 4, status: 'gap', expected: 1 },
    ]);
    expect(ahead.ackedSeq).toBe(0);
    const firstTwo = answer([first, second]);
    expect(firstTwo.results.map((r) => r.status)).toEqual(['accepted', 'accepted']);
    expect(firstTwo.ackedSeq).toBe(2);
    const again = answer([first, second, third, fourth]);
    expect(again.results.map((r) => r.status)).toEqual([
      'duplicate',
      'duplicate',
      'accepted',
      'accepted',
    ]);
    const cursorOf = (r: PushAnswer['results'][number] | undefined) =>
      r !== undefined && 'cursor' in r ? r.cursor : undefined;
    expect(again.results.slice(0, 2).map(cursorOf)).toEqual(firstTwo.results.map(cursorOf));
    expect(again.ackedSeq).toBe(4);
    expect(again.head).toBe(cursorOf(again.results.at(-1)));
  });

  it("serves the push over HTTP to the client's transport, every op stored", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'immune-sync-floor-http-'));
    try {
      const floorPath = join(dir, 'log.db');
      await (await openSqliteLog({ path: floorPath })).close();
      // pushAll (under pushToFloor) throws unless every op is accepted or a duplicate.
      const timing = await pushToFloor(floorPath, { ops: OPS, config: CONFIG, facility }, 7);
      expect(timing.batchTimes.length).toBeGreaterThanOrEqual(Math.ceil(OPS.length / 7));
      const db = new Database(floorPath, { readonly: true });
      try {
        const rows = db.prepare('select seq from ops order by position').all() as Row[];
        expect(rows.map((r) => r.seq)).toEqual(OPS.map((op) => op.seq));
      } finally {
        db.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
