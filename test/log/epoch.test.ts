/**
 * Renewing the epoch (`src/log/epoch.ts`): after `new-epoch`, or at the first open of a copy
 * marked as a backup, every cursor handed out before is `reset_required`, and nothing else of
 * the log changes. On an SQLite file always, and on Postgres whenever DATABASE_URL is set (an
 * unreachable database then fails, it is never skipped).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPostgresLog } from '../../src/adapters/postgres/postgres-log.ts';
import { openSqliteLog } from '../../src/adapters/sqlite/sqlite-log.ts';
import { markAsBackup, renewEpoch } from '../../src/log/epoch.ts';
import type { SqlOperationLog } from '../../src/log/sql-operation-log.ts';
import { leftOf } from '../domain/expect-either.ts';
import {
  FA,
  patientData,
  pullAll,
  seedReferenceData,
  TestDevice,
  workerA,
} from './log-fixtures.ts';
import { dropSchema, testSchemaName } from './postgres-schemas.ts';

/** A store that can be opened again, and removed. */
interface Store {
  open(): Promise<SqlOperationLog>;
  remove(): Promise<void>;
}

const sqliteStore = async (): Promise<Store> => {
  const dir = await mkdtemp(join(tmpdir(), 'immune-sync-epoch-'));
  return {
    open: () => openSqliteLog({ path: join(dir, 'log.db') }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
};

const postgresStore = async (connectionString: string): Promise<Store> => {
  const schema = testSchemaName('epoch_test');
  return {
    open: () => openPostgresLog({ connectionString, schema, poolSize: 2 }),
    remove: () => dropSchema(connectionString, schema),
  };
};

/** Opens the store, runs `work` on the log, closes it. */
const withOpen = async <T>(
  store: Store,
  work: (log: SqlOperationLog) => Promise<T>,
): Promise<T> => {
  const log = await store.open();
  try {
    return await work(log);
  } finally {
    await log.close();
  }
};

/** A log with reference data and two patients; the cursor a device holds after pulling them. */
const seeded = (store: Store) =>
  withOpen(store, async (log) => {
    await seedReferenceData(log);
    const tablet = new TestDevice(log, workerA, 'tablet-a1');
    await tablet.write('patients', 'p1', 'create', patientData(FA));
    await tablet.write('patients', 'p2', 'create', patientData(FA, 'Bello Musa'));
    const pulled = await pullAll(log, workerA, undefined);
    return { epoch: log.epoch, cursor: pulled.next, ops: pulled.ops.length };
  });

const epochContract = (name: string, storeOf: () => Promise<Store>): void => {
  describe(`the epoch, on ${name}`, () => {
    it('a new epoch refuses every cursor handed out before it, and changes nothing else', async () => {
      const store = await storeOf();
      try {
        const before = await seeded(store);
        await withOpen(store, async (log) => {
          expect(log.epoch).toBe(before.epoch);
          await renewEpoch(log.db);
        });
        await withOpen(store, async (log) => {
          expect(log.epoch).not.toBe(before.epoch);
          expect(leftOf(await log.readAfter(workerA, before.cursor, 10)).code).toBe(
            'reset_required',
          );
          const again = await pullAll(log, workerA, undefined);
          expect(again.ops).toHaveLength(before.ops);
          expect((await log.verify()).ok).toBe(true);
        });
      } finally {
        await store.remove();
      }
    });

    it('a log marked as a backup gets a new epoch at its first open only', async () => {
      const store = await storeOf();
      try {
        const before = await seeded(store);
        await withOpen(store, (log) => markAsBackup(log.db, new Date()));
        const first = await withOpen(store, async (log) => {
          expect(leftOf(await log.readAfter(workerA, before.cursor, 10)).code).toBe(
            'reset_required',
          );
          return (await pullAll(log, workerA, undefined)).next;
        });
        // Opened again, it keeps that epoch: the cursors it has handed out stay good.
        await withOpen(store, async (log) => {
          expect(log.epoch).not.toBe(before.epoch);
          expect((await log.readAfter(workerA, first, 10))._tag).toBe('Right');
        });
      } finally {
        await store.remove();
      }
    });
  });
};

epochContract('SQLite', sqliteStore);
const DATABASE_URL = process.env.DATABASE_URL;
if (DATABASE_URL !== undefined) epochContract('Postgres', () => postgresStore(DATABASE_URL));
