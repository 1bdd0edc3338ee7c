/**
 * SQLite puts each snapshot document's wire JSON together as it reads the row
 * (`LogDialect.wireSql`, `snapshot.ts`): the page must be, byte for byte, the one the server
 * builds from the stored texts, and a document so given reads its fields through their codecs.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { openSqliteLog } from '../../src/adapters/sqlite/sqlite-log.ts';
import { sqliteLogDialect } from '../../src/adapters/sqlite/sqlite-log-dialect.ts';
import type { Principal } from '../../src/domain/principal.ts';
import { encodeSnapshotBytes } from '../../src/functions/wire/snapshot-messages.ts';
import { loadIdentity } from '../../src/log/log-identity.ts';
import { snapshotPage } from '../../src/log/snapshot.ts';
import type { SqlOperationLog } from '../../src/log/sql-operation-log.ts';
import { CorruptRowError } from '../../src/log/stored-json.ts';
import { rightOf } from '../domain/expect-either.ts';
import { admin, FA, patientData, seedReferenceData, TestDevice, workerA } from './log-fixtures.ts';

/** A log with the reference data and a patient of each name (`p0`, `p1`, ...), one deleted. */
const withPatients = async (
  names: readonly string[],
  run: (log: SqlOperationLog) => Promise<void>,
): Promise<void> => {
  const log = await openSqliteLog({ path: ':memory:' });
  try {
    await seedReferenceData(log);
    const tablet = new TestDevice(log, workerA, 'tablet-a1');
    for (const [i, name] of names.entries()) {
      const written = await tablet.write('patients', `p${i}`, 'create', patientData(FA, name));
      expect(written).toMatchObject({ status: 'accepted' });
    }
    if (names.length > 0) await tablet.write('patients', 'p0', 'delete');
    await run(log);
  } finally {
    await log.close();
  }
};

/** Every page of a snapshot, as `snapshotPage` reads it with `dialect`, as the bytes sent. */
const pagesWith = async (
  log: SqlOperationLog,
  principal: Principal,
  dialect: Parameters<typeof snapshotPage>[5],
  pageSize: number,
): Promise<readonly string[]> => {
  const identity = await loadIdentity(log.db);
  const pages: string[] = [];
  let page: string | undefined;
  for (;;) {
    const read = rightOf(await snapshotPage(log.db, identity, principal, page, pageSize, dialect));
    pages.push(Buffer.from(encodeSnapshotBytes(read)).toString('hex'));
    if (read.nextPage === null) return pages;
    page = read.nextPage;
  }
};

const { jsonTextValid, wireSql } = sqliteLogDialect();
if (jsonTextValid === undefined || wireSql === undefined) {
  throw new Error('the SQLite dialect tests JSON texts and builds wire JSON');
}
/** The dialects with which the server builds the pages' text itself. */
const SERVER_BUILT = [{}, { jsonTextValid }];

/** A patient's name as the codec takes it: not only white space, no NUL. */
const nameArb = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 30 })
  .filter((name) => name.trim().length > 0 && !name.includes('\0'));

describe("SQLite's wire JSON of snapshot documents", () => {
  test.prop(
    [
      fc.array(nameArb, {
        minLength: 1,
        maxLength: 8,
      }),
      fc.integer({ min: 1, max: 5 }),
    ],
    { numRuns: 40 },
  )('gives the pages the server builds from the stored texts, byte for byte', (names, size) =>
    withPatients(names, async (log) => {
      for (const principal of [admin, workerA]) {
        const wire = await pagesWith(log, principal, sqliteLogDialect(), size);
        for (const dialect of SERVER_BUILT) {
          expect(await pagesWith(log, principal, dialect, size)).toEqual(wire);
        }
      }
    }),
  );

  it('quotes a document id changed behind the log as JSON quotes it', () =>
    withPatients(['Zoë Nakato'], async (log) => {
      await log.db
        .updateTable('documents')
        .set({ doc_id: 'p"1\\\n' })
        .where('doc_id', '=', 'p0')
        .execute();
      const page = rightOf(await log.snapshot(admin, undefined));
      const text = new TextDecoder().decode(encodeSnapshotBytes(page));
      const doc = JSON.parse(text).docs.find((d: { docId: string }) => d.docId.startsWith('p"'));
      expect(doc).toMatchObject({ docId: 'p"1\\\n', deleted: true, collection: 'patients' });
    }));

  it('reads the fields and the state of a document through their codecs', () =>
    withPatients(['Ama', 'Kofi'], async (log) => {
      const page = rightOf(await log.snapshot(admin, undefined));
      const p1 = page.docs.find((d) => d.docId === 'p1');
      expect(p1?.data).toMatchObject({ fullName: 'Kofi', facilityId: FA });
      expect(p1?.meta).toMatchObject({ state: { collection: 'patients', docId: 'p1' } });
      expect(JSON.parse(JSON.stringify(p1))).toEqual({
        collection: 'patients',
        docId: 'p1',
        data: p1?.data,
        deleted: false,
        meta: p1?.meta,
      });
      await log.db
        .updateTable('documents')
        .set({ data: '{"fullName":{"first":"Kofi"}}' })
        .where('doc_id', '=', 'p1')
        .execute();
      const changed = rightOf(await log.snapshot(admin, undefined));
      const doc = changed.docs.find((d) => d.docId === 'p1');
      expect(() => doc?.data).toThrow(CorruptRowError);
      expect(() => doc?.data).toThrow(/document patients\/p1/);
    }));
});
