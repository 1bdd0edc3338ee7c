/**
 * The SQL log's snapshot places each document's stored texts in the page as they are
 * (`snapshot-paging.ts`, invariant 5): a text changed behind the log's back that is not one JSON
 * object fails the page with `CorruptRowError` instead of breaking the page or adding to it.
 * SQLite tests the texts as it reads them (`LogDialect.jsonTextValid`); the server parses only
 * those it does not find well-formed.
 */
import { fc, test } from '@fast-check/vitest';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openSqliteLog } from '../../src/adapters/sqlite/sqlite-log.ts';
import { sqliteLogDialect } from '../../src/adapters/sqlite/sqlite-log-dialect.ts';
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
    // Well-formed to a lenient reader, not to JSON.parse: SQLite's test must refuse them too.
    ['data', '{"fullName":"a\tb"}'],
    ['data', '{"fullName":NaN}'],
    ['state', '{collection:"patients"}'],
    ['state', '{"collection":"patients",}'],
  ] as const)('refuses a %s text that is not one JSON object: %s', (column, text) =>
    withPatient(async (log) => {
      await rewrite(log, column, text);
      await expect(log.snapshot(admin, undefined)).rejects.toThrow(CorruptRowError);
      await expect(log.snapshot(admin, undefined)).rejects.toThrow(/document patients\/p1/);
    }),
  );

  it('parses no stored text of untouched rows (SQLite found them well-formed)', () =>
    withPatient(async (log) => {
      const rows = await log.db.selectFrom('documents').select(['state', 'data']).execute();
      const stored = new Set(rows.flatMap((r) => [r.state, r.data]));
      const parse = vi.spyOn(JSON, 'parse');
      try {
        const page = rightOf(await log.snapshot(admin, undefined));
        expect(page.docs.length).toBe(rows.length);
        const parsed = parse.mock.calls.filter(([text]) => stored.has(text));
        expect(parsed).toEqual([]);
      } finally {
        parse.mockRestore();
      }
    }));

  it('still places a text SQLite does not test as it is when it parses as one object', () =>
    withPatient(async (log) => {
      await rewrite(log, 'data', ` {"fullName":"Ada","facilityId":"${FA}"}`);
      const page = rightOf(await log.snapshot(admin, undefined));
      expect(page.docs.find((d) => d.docId === 'p1')?.data).toEqual({
        fullName: 'Ada',
        facilityId: FA,
      });
    }));
});

describe("SQLite's test of JSON texts", () => {
  const db = new Kysely<Record<string, never>>({
    dialect: new SqliteDialect({ database: new Database(':memory:') }),
  });
  afterAll(() => db.destroy());
  const jsonTextValid = sqliteLogDialect().jsonTextValid;
  const validInSqlite = async (text: string): Promise<boolean> => {
    if (jsonTextValid === undefined) throw new Error('the SQLite dialect has no JSON test');
    const { rows } = await sql<{
      valid: number;
    }>`select ${jsonTextValid(sql.val(text))} as valid`.execute(db);
    return rows[0]?.valid === 1;
  };
  const parses = (text: string): boolean => {
    try {
      JSON.parse(text);
      return true;
    } catch {
      return false;
    }
  };
  /** A JSON text with one character inserted, replaced or dropped. */
  const damagedJson = fc
    .tuple(
      fc.json(),
      fc.nat(),
      fc.constantFrom('insert', 'replace', 'drop'),
      fc.constantFrom(
        ',',
        '}',
        ']',
        '"',
        '\\',
        ' ',
        '\t',
        '\n',
        '\u0001',
        '\u00a0',
        'x',
        '0',
        '.',
        "'",
        '/',
      ),
    )
    .map(([text, at, how, c]) => {
      const i = at % (text.length + 1);
      if (how === 'insert') return text.slice(0, i) + c + text.slice(i);
      if (how === 'replace') return text.slice(0, i) + c + text.slice(i + 1);
      return text.slice(0, i) + text.slice(i + 1);
    });

  test.prop([fc.oneof(fc.json(), damagedJson, fc.string())], { numRuns: 2000 })(
    'finds well-formed only texts that JSON.parse reads',
    async (text) => {
      if (await validInSqlite(text)) expect(parses(text)).toBe(true);
    },
  );

  test.prop([fc.json()], { numRuns: 500 })('finds every JSON text well-formed', async (text) => {
    expect(await validInSqlite(text)).toBe(true);
  });
});
