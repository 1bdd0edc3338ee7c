/**
 * The TablesDB append primitive: concurrent appenders take positions in commit order through
 * the head row, conflicts retry, and a conflicting attempt writes nothing.
 */
import { AppwriteException, Query } from 'node-appwrite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appwriteSchema,
  DEFAULT_DATABASE_ID,
} from '../../src/adapters/appwrite/appwrite-schema.ts';
import { setupSchema } from '../../src/adapters/appwrite/appwrite-schema-setup.ts';
import {
  appendUnderHead,
  ensureLogHead,
  HeadContention,
  readHead,
  type StagedWrite,
} from '../../src/adapters/appwrite/log-head-transaction.ts';
import { startTablesDbDouble, type TablesDbDouble } from './tables-db-double/tables-db-double.ts';

const DB = DEFAULT_DATABASE_ID;
let double: TablesDbDouble;

beforeEach(async () => {
  double = await startTablesDbDouble();
  await setupSchema(double.tablesDb(), appwriteSchema());
  await ensureLogHead(double.tablesDb(), DB, { epoch: 'e1', secret: 's1' });
});

afterEach(async () => {
  await double.close();
});

/** The rows of `count` ops of a device from position `head + 1`. */
const opRows = (deviceId: string, head: number, count: number): StagedWrite[] =>
  Array.from({ length: count }, (_, i) => ({
    action: 'create',
    tableId: 'sync_ops',
    rowId: `op-${head + i + 1}`,
    data: {
      position: head + i + 1,
      deviceId,
      seq: i + 1,
      collection: 'patients',
      docId: `${deviceId}-p${i + 1}`,
      body: '{}',
      authorUserId: 'u1',
      authorRole: 'health_worker',
      receivedAt: 1,
      scope: '["fac-1"]',
      flags: '[]',
      hash: 'h',
    },
  }));

const positions = async (): Promise<number[]> => {
  const page = await double.tablesDb().listRows({
    databaseId: DB,
    tableId: 'sync_ops',
    queries: [Query.orderAsc('position'), Query.limit(1000)],
  });
  return page.rows.map((row) => Number(row.position));
};

describe('appending under the log head on TablesDB', () => {
  it('creates the head row once, at position 0', async () => {
    await ensureLogHead(double.tablesDb(), DB, { epoch: 'e2', secret: 's2' });
    expect(await readHead(double.tablesDb(), DB)).toBe(0);
  });

  it('gives concurrent appenders contiguous positions, each append in one piece', async () => {
    const devices = ['d1', 'd2', 'd3', 'd4', 'd5', 'd6'];
    const results = await Promise.all(
      devices.map((deviceId) =>
        appendUnderHead(double.tablesDb(), DB, async (head) => ({
          positions: 3,
          writes: opRows(deviceId, head, 3),
          result: head,
        })),
      ),
    );
    expect(await positions()).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
    expect(await readHead(double.tablesDb(), DB)).toBe(18);
    expect(results.map((r) => r.result).sort((a, b) => a - b)).toEqual([0, 3, 6, 9, 12, 15]);
    const page = await double.tablesDb().listRows({
      databaseId: DB,
      tableId: 'sync_ops',
      queries: [Query.orderAsc('position'), Query.limit(1000)],
    });
    for (let i = 0; i < 18; i += 3) {
      expect(new Set(page.rows.slice(i, i + 3).map((r) => r.deviceId)).size).toBe(1);
    }
  });

  it('retries an append whose head moved before it committed, and writes it once', async () => {
    let calls = 0;
    const result = await appendUnderHead(double.tablesDb(), DB, async (head) => {
      calls += 1;
      if (calls === 1) {
        await appendUnderHead(double.tablesDb(), DB, async (h) => ({
          positions: 1,
          writes: opRows('other', h, 1),
          result: null,
        }));
      }
      return { positions: 2, writes: opRows('mine', head, 2), result: head };
    });
    expect(calls).toBe(2);
    expect(result).toEqual({ head: 3, result: 1 });
    expect(await positions()).toEqual([1, 2, 3]);
  });

  it('refuses a plan larger than a transaction may hold', async () => {
    await expect(
      appendUnderHead(double.tablesDb(), DB, async (head) => ({
        positions: 100,
        writes: opRows('d1', head, 100),
        result: null,
      })),
    ).rejects.toThrow(/exceeds 99/);
    expect(await readHead(double.tablesDb(), DB)).toBe(0);
  });

  it('gives up with HeadContention when the head never stays still', async () => {
    const attempt = appendUnderHead(
      double.tablesDb(),
      DB,
      async (head) => {
        await appendUnderHead(double.tablesDb(), DB, async (h) => ({
          positions: 1,
          writes: opRows(`o${h}`, h, 1),
          result: null,
        }));
        return { positions: 1, writes: opRows('mine', head, 1), result: null };
      },
      { maxAttempts: 3 },
    );
    await expect(attempt).rejects.toBeInstanceOf(HeadContention);
    expect(await positions()).toEqual([1, 2, 3]);
  });

  it('rolls back a transaction whose staging fails for another reason, and rethrows', async () => {
    const failed = appendUnderHead(double.tablesDb(), DB, async (head) => ({
      positions: 1,
      writes: opRows('d1', head, 1).map((write) => ({ ...write, tableId: 'no_such_table' })),
      result: null,
    }));
    await expect(failed).rejects.toBeInstanceOf(AppwriteException);
    const statuses = [...double.state.transactions.values()].map((t) => t.status);
    expect(statuses).toEqual(['rolledBack']);
    expect(await readHead(double.tablesDb(), DB)).toBe(0);
  });

  it('lets a transaction conflict reach the appender as Appwrite reports it', async () => {
    const tablesDb = double.tablesDb();
    const tx = await tablesDb.createTransaction({ ttl: 60 });
    await tablesDb.createOperations({
      transactionId: tx.$id,
      operations: [
        {
          action: 'update',
          databaseId: DB,
          tableId: 'sync_log_head',
          rowId: 'head',
          data: { position: 1 },
        },
      ],
    });
    await appendUnderHead(tablesDb, DB, async (head) => ({
      positions: 1,
      writes: opRows('d1', head, 1),
      result: null,
    }));
    const error = await tablesDb
      .updateTransaction({ transactionId: tx.$id, commit: true })
      .catch((e: unknown) => e);
    expect(error instanceof AppwriteException && error.type).toBe('transaction_conflict');
  });
});
