/**
 * Appending in chunks on the TablesDB log (`tables-log/chunked-append.ts`): a batch that needs
 * more operations than one transaction may stage is committed in several transactions, answers
 * only once all are in, and a retry after a failure between chunks answers every op as the
 * first time and logs none twice.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appwriteSchema } from '../../src/adapters/appwrite/appwrite-schema.ts';
import { setupSchema } from '../../src/adapters/appwrite/appwrite-schema-setup.ts';
import {
  openTablesLog,
  type TablesOperationLog,
} from '../../src/adapters/appwrite/tables-log/tables-operation-log.ts';
import { peekCursor } from '../../src/log/cursor.ts';
import type { LogOptions } from '../../src/log/log-options.ts';
import type { OpResult } from '../../src/log/operation-log.ts';
import {
  admin,
  dotsOf,
  FA,
  patientData,
  pullAll,
  seedReferenceData,
  TestDevice,
  workerA,
} from '../log/log-fixtures.ts';
import { startTablesDbDouble, type TablesDbDouble } from './tables-db-double/tables-db-double.ts';

/** A small limit, so that a batch of twenty ops needs several transactions. */
const LIMIT = 20;

let double: TablesDbDouble;

beforeAll(async () => {
  double = await startTablesDbDouble({ operationLimit: LIMIT });
});

afterAll(async () => {
  await double.close();
});

const openLog = async (options?: LogOptions): Promise<TablesOperationLog> => {
  const tablesDb = double.tablesDb();
  const databaseId = `chunks_${randomBytes(6).toString('hex')}`;
  await setupSchema(tablesDb, appwriteSchema(databaseId));
  return openTablesLog({
    tablesDb,
    databaseId,
    head: { operationLimit: LIMIT },
    ...(options === undefined ? {} : { options }),
  });
};

const commits = (): number =>
  double.requests.filter((r) => r.method === 'PATCH' && r.path.includes('/transactions/')).length;

const BATCH = 20;

/** A batch of new patients (some rejected), from a fresh device. */
const batchOf = (tablet: TestDevice) =>
  Array.from({ length: BATCH }, (_, i) =>
    i % 5 === 4
      ? tablet.op('patients', `p${i}`, 'create', { ...patientData(FA), sex: 'Q' })
      : tablet.op('patients', `p${i}`, 'create', patientData(FA, `Patient ${i}`)),
  );

const expectedStatus = (i: number): OpResult['status'] => (i % 5 === 4 ? 'rejected' : 'accepted');

describe('appending in chunks on TablesDB', () => {
  it('a batch over the operation limit is committed in several transactions and answered once, in full', async () => {
    const log = await openLog();
    try {
      await seedReferenceData(log);
      const before = commits();
      const heads: string[] = [];
      log.onCommit((head) => heads.push(head));
      const tablet = new TestDevice(log, workerA, 'tablet-chunks');
      const result = await tablet.push(...batchOf(tablet));

      expect(commits() - before).toBeGreaterThan(2);
      expect(heads.length).toBeGreaterThan(1);
      expect(result.results.map((r) => r.status)).toEqual(
        Array.from({ length: BATCH }, (_, i) => expectedStatus(i)),
      );
      expect(result.ackedSeq).toBe(BATCH);
      const positions = result.results.flatMap((r) =>
        r.status === 'accepted' ? [peekCursor(r.cursor)?.op] : [],
      );
      expect(positions).toEqual(positions.map((_, i) => 4 + i));
      expect(result.head).toBe(await log.head());
      expect(peekCursor(result.head)?.at).toBe(3 + positions.length);
      const logged = (await pullAll(log, admin, undefined)).ops.filter(
        (op) => op.deviceId === 'tablet-chunks',
      );
      expect(logged).toHaveLength(positions.length);
      expect(await log.quarantine('tablet-chunks')).toHaveLength(BATCH - positions.length);
      expect((await log.verify()).ok).toBe(true);
    } finally {
      await log.close();
    }
  });

  it('a failure between chunks answers nothing, and a retry of the batch answers every op as the first time and logs none twice', async () => {
    let armed = false;
    let failures = 0;
    const log = await openLog({
      faultInjection: (stage) => {
        if (armed && stage === 'commit') {
          armed = false;
          failures += 1;
          throw new Error('injected failure between chunks');
        }
      },
    });
    try {
      await seedReferenceData(log);
      const tablet = new TestDevice(log, workerA, 'tablet-chunks');
      const ops = batchOf(tablet);
      // The first chunk commits; the plan of the second one fails before its commit.
      const stop = log.onCommit(() => {
        stop();
        armed = true;
      });
      await expect(
        log.append({ principal: workerA, deviceId: 'tablet-chunks', ops }),
      ).rejects.toThrow('injected failure between chunks');
      expect(failures).toBe(1);
      const prefix = rightStatus(await log.deviceStatus(admin, 'tablet-chunks'));
      expect(prefix).toBeGreaterThan(0);
      expect(prefix).toBeLessThan(BATCH);

      const retried = await tablet.push(...ops);
      expect(retried.results.map((r) => r.seq)).toEqual(ops.map((o) => o.seq));
      expect(
        retried.results.map((r) => (r.status === 'duplicate' ? 'accepted' : r.status)),
      ).toEqual(Array.from({ length: BATCH }, (_, i) => expectedStatus(i)));
      // The durable prefix is answered as the first time, the rest as new.
      for (const [i, answer] of retried.results.entries()) {
        if (expectedStatus(i) === 'accepted')
          expect(answer.status).toBe(i < prefix ? 'duplicate' : 'accepted');
      }
      expect(retried.ackedSeq).toBe(BATCH);

      const again = await tablet.push(...ops);
      expect(again.results).toEqual(
        retried.results.map((r) => (r.status === 'accepted' ? { ...r, status: 'duplicate' } : r)),
      );
      expect(again.head).toBe(retried.head);

      const logged = (await pullAll(log, admin, undefined)).ops.filter(
        (op) => op.deviceId === 'tablet-chunks',
      );
      const dots = dotsOf(logged);
      expect(new Set(dots).size).toBe(dots.length);
      expect(dots).toEqual(
        ops.flatMap((o, i) => (expectedStatus(i) === 'accepted' ? [`tablet-chunks:${o.seq}`] : [])),
      );
      expect(await log.quarantine('tablet-chunks')).toHaveLength(
        ops.filter((_, i) => expectedStatus(i) === 'rejected').length,
      );
      expect((await log.verify()).ok).toBe(true);
    } finally {
      await log.close();
    }
  });

  it('an op that alone needs more than a transaction may stage is refused, and nothing of it is written', async () => {
    const tablesDb = double.tablesDb();
    const databaseId = `chunks_${randomBytes(6).toString('hex')}`;
    await setupSchema(tablesDb, appwriteSchema(databaseId));
    const tiny = await openTablesLog({ tablesDb, databaseId, head: { operationLimit: 4 } });
    try {
      await expect(seedReferenceData(tiny)).rejects.toThrow('an op alone needs more than');
      expect(peekCursor(await tiny.head())?.at).toBe(0);
    } finally {
      await tiny.close();
    }
  });
});

/** The device's ackedSeq as an admin sees it. */
const rightStatus = (status: Awaited<ReturnType<TablesOperationLog['deviceStatus']>>): number => {
  if (status._tag === 'Left') throw new Error(status.left.message);
  return status.right.ackedSeq;
};
