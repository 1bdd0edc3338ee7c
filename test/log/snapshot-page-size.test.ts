/**
 * The size of a snapshot page (`snapshot-paging.ts`): the log answers pages of
 * `DEFAULT_SNAPSHOT_PAGE` documents when the caller does not say, which is what the server's
 * route asks for, and any size up to PROTOCOL's 5,000 when it does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteLog } from '../../src/adapters/sqlite/sqlite-log.ts';
import { DEFAULT_SNAPSHOT_PAGE, MAX_SNAPSHOT_PAGE } from '../../src/log/snapshot-paging.ts';
import type { SqlOperationLog } from '../../src/log/sql-operation-log.ts';
import { leftOf, rightOf } from '../domain/expect-either.ts';
import { admin, FA, patientData, seedReferenceData, TestDevice, workerA } from './log-fixtures.ts';

/** Patients beyond one default page, pushed in batches of 500. */
const PATIENTS = DEFAULT_SNAPSHOT_PAGE + 700;

describe('snapshot pages', () => {
  let log: SqlOperationLog;
  let documents = 0;

  beforeAll(async () => {
    log = await openSqliteLog({ path: ':memory:' });
    await seedReferenceData(log);
    const tablet = new TestDevice(log, workerA, 'tablet-a1');
    for (let first = 0; first < PATIENTS; first += 500) {
      const ops = Array.from({ length: Math.min(500, PATIENTS - first) }, (_, i) =>
        tablet.op('patients', `p-${first + i}`, 'create', patientData(FA)),
      );
      const pushed = await tablet.push(...ops);
      expect(pushed.results.every((r) => r.status === 'accepted')).toBe(true);
    }
    documents = rightOf(await log.snapshot(admin, undefined, MAX_SNAPSHOT_PAGE)).docs.length;
  });

  afterAll(() => log.close());

  it('hold DEFAULT_SNAPSHOT_PAGE (2,000) documents when no size is asked, and the rest follows', async () => {
    expect(DEFAULT_SNAPSHOT_PAGE).toBe(2000);
    expect(documents).toBeGreaterThan(PATIENTS);
    const first = rightOf(await log.snapshot(admin, undefined));
    expect(first.docs).toHaveLength(DEFAULT_SNAPSHOT_PAGE);
    expect(first.nextPage).not.toBeNull();
    const second = rightOf(await log.snapshot(admin, first.nextPage ?? undefined));
    expect(second.docs).toHaveLength(documents - DEFAULT_SNAPSHOT_PAGE);
    expect(second.nextPage).toBeNull();
    expect(second.cursor).toBe(first.cursor);
  });

  it('hold up to 5,000 documents when asked, and refuse more', async () => {
    const whole = rightOf(await log.snapshot(admin, undefined, MAX_SNAPSHOT_PAGE));
    expect(whole.docs).toHaveLength(documents);
    expect(whole.nextPage).toBeNull();
    expect(leftOf(await log.snapshot(admin, undefined, MAX_SNAPSHOT_PAGE + 1)).code).toBe(
      'bad_request',
    );
  });
});
