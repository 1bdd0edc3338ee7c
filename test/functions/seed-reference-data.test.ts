/** Reference data: valid for its collections, and loaded once however often the server starts. */
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteLog } from '../../src/adapters/sqlite/sqlite-log.ts';
import { COLLECTIONS } from '../../src/domain/collections.ts';
import { EPI_VACCINES, REFERENCE_DATA } from '../../src/functions/reference-data.ts';
import { seedReferenceData } from '../../src/functions/seed-reference-data.ts';
import type { OperationLog } from '../../src/log/operation-log.ts';

let log: OperationLog | undefined;
afterEach(async () => {
  await log?.close();
  log = undefined;
});

describe('the reference data', () => {
  it('every document decodes with its collection codec', () => {
    for (const doc of REFERENCE_DATA) {
      expect(E.isRight(COLLECTIONS[doc.collection].create.decode(doc.data)), doc.docId).toBe(true);
    }
  });

  it('holds the EPI vaccines', () => {
    expect(EPI_VACCINES.map((v) => v.data.code)).toEqual([
      'BCG',
      'OPV',
      'PENTA',
      'PCV',
      'ROTA',
      'IPV',
      'MR',
      'YF',
    ]);
  });
});

describe('seedReferenceData', () => {
  it('creates what is missing, then nothing on the next start', async () => {
    log = await openSqliteLog({ path: ':memory:' });
    const first = await seedReferenceData(log);
    expect(first).toEqual(E.right({ created: REFERENCE_DATA.length, present: 0, rejected: [] }));
    const head = await log.head();
    const second = await seedReferenceData(log);
    expect(second).toEqual(E.right({ created: 0, present: REFERENCE_DATA.length, rejected: [] }));
    expect(await log.head()).toBe(head);
  });

  it('adds only the documents that a newer release brings', async () => {
    log = await openSqliteLog({ path: ':memory:' });
    await seedReferenceData(log, REFERENCE_DATA.slice(0, 3));
    const result = await seedReferenceData(log);
    expect(result).toEqual(
      E.right({ created: REFERENCE_DATA.length - 3, present: 3, rejected: [] }),
    );
  });
});
