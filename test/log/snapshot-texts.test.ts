/**
 * The SQL log's snapshot places each document's stored texts in the page as they are
 * (`snapshot-paging.ts`, invariant 5): a text changed behind the log's back that is not one JSON
 * object fails the page with `CorruptRowError` instead of breaking the page or adding to it.
 */
import { describe, expect, it } from 'vitest';
import { openSqliteLog } from '../../src/adapters/sqlite/sqlite-log.ts';
import type { SqlOperationLog } from '../../src/log/sql-operation-log.ts';
import { CorruptRowError } from '../../src/log/stored-json.ts';
import { rightOf } from '../domain/expect-either.ts';
import { admin, FA, patientData, seedReferenceData, TestDevice, workerA } from './log-fixtures.ts';

const withPatient = async (run: (log: SqlOperationLog) => Promise<void>): Promise<void> => {
  const log = await openSqliteLog({ path: ':memory:' });
  try {
    await seedReferenceData(log);
    const tablet = new TestDevice(log, workerA, 'tablet-a1');
    expect(await tablet.write('patients', 'p1', 'create', patientData(FA))).toMatchObject({
      status: 'accepted',
    });
    await run(log);
  } finally {
    await log.close();
  }
};

const rewrite = (log: SqlOperationLog, column: 'state' | 'data', text: string) =>
  log.db
    .updateTable('documents')
    .set({ [column]: text })
    .where('collection', '=', 'patients')
    .where('doc_id', '=', 'p1')
    .execute();

describe('a snapshot of stored texts', () => {
  it('gives the stored texts of an untouched row', () =>
    withPatient(async (log) => {
      const page = rightOf(await log.snapshot(workerA, undefined));
      const p1 = page.docs.find((d) => d.docId === 'p1');
      expect(p1?.data).toMatchObject({ facilityId: FA });
    }));

  it.each([
    ['state', '{"collection":"patients"},{"collection":"patients","docId":"forged"'],
    ['state', '[1]'],
    ['data', '{"fullName":"x"}]'],
    ['data', 'null'],
  ] as const)('refuses a %s text that is not one JSON object: %s', (column, text) =>
    withPatient(async (log) => {
      await rewrite(log, column, text);
      await expect(log.snapshot(admin, undefined)).rejects.toThrow(CorruptRowError);
      await expect(log.snapshot(admin, undefined)).rejects.toThrow(/document patients\/p1/);
    }),
  );
});
