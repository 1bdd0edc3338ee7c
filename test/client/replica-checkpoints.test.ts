/**
 * A replica file's WAL is copied back on a thread of its own (`sqliteFileStorage`), nudged
 * after each transaction that commits (`ReplicaStorage.afterCommit`), and the thread ends with
 * the store.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckpointMessage } from '../../src/adapters/sqlite/background-checkpoints.ts';
import { openReplicaStore, sqliteFileStorage } from '../../src/client/store/replica-storage.ts';
import { emptyStoredPatient } from './client-fixtures.ts';

const doc = emptyStoredPatient;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'immune-sync-replica-checkpoints-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('afterCommit', () => {
  it('is told once per committed outer transaction, never for one that failed', async () => {
    let told = 0;
    const open = await openReplicaStore({
      dialect: new SqliteDialect({ database: new Database(':memory:') }),
      afterCommit: () => {
        told += 1;
      },
    });
    try {
      // Migrations ran before the store existed: nothing told yet.
      expect(told).toBe(0);
      await open.store.transaction(async (store) => {
        await store.putDocument(doc('pat-1'));
        // A transaction inside one is part of it.
        await store.transaction((inner) => inner.putDocument(doc('pat-2')));
      });
      expect(told).toBe(1);
      await open.store.transaction((store) => store.putDocument(doc('pat-3')), {
        refetchable: true,
      });
      expect(told).toBe(2);
      await expect(
        open.store.transaction(async (store) => {
          await store.putDocument(doc('pat-4'));
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(told).toBe(2);
      expect(await open.store.document({ collection: 'patients', docId: 'pat-4' })).toBeUndefined();
    } finally {
      await open.close();
    }
  });

  it('a storage that fails to migrate is closed too', async () => {
    let closed = false;
    const database = new Database(':memory:');
    database.close();
    await expect(
      openReplicaStore({
        dialect: new SqliteDialect({ database }),
        close: async () => {
          closed = true;
        },
      }),
    ).rejects.toThrow();
    expect(closed).toBe(true);
  });
});

describe('sqliteFileStorage', () => {
  it('checkpoints the WAL on its own thread after each commit, and ends it on close', async () => {
    const path = join(dir, 'replica.db');
    const storage = sqliteFileStorage(path);
    const open = await openReplicaStore(storage);
    const checkpoints = storage.checkpoints();
    expect(checkpoints?.running).toBe(true);
    if (checkpoints === undefined) throw new Error('no checkpoints');
    const messages: CheckpointMessage[] = [];
    checkpoints.onMessage((message) => messages.push(message));
    const sizeBefore = statSync(path).size;
    // About 2 MiB of documents in one transaction: far below the committing connection's own
    // checkpoint (FALLBACK_AUTOCHECKPOINT_PAGES), so only the worker copies them back.
    await open.store.transaction(async (store) => {
      for (let i = 0; i < 40; i++) {
        await store.putDocuments(
          Array.from({ length: 50 }, (_, j) => ({
            ...doc(`pat-${i}-${j}-${'x'.repeat(900)}`),
          })),
        );
      }
    });
    await expect
      .poll(() => messages.some((m) => m.kind === 'checkpointed' && m.checkpointed > 0), {
        timeout: 5000,
      })
      .toBe(true);
    expect(statSync(path).size).toBeGreaterThan(sizeBefore + 1024 * 1024);
    await open.close();
    expect(checkpoints.running).toBe(false);
  });

  it('starts no thread for a database in memory', async () => {
    const storage = sqliteFileStorage(':memory:');
    const open = await openReplicaStore(storage);
    try {
      expect(storage.checkpoints()).toBeUndefined();
    } finally {
      await open.close();
    }
  });
});
