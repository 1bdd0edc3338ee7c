/**
 * A `refetchable` transaction (a snapshot page) commits without waiting for the disk, and the
 * replica's durable level is back as soon as it ends, whether it committed or failed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type OpenStore, openReplicaStore } from '../../src/client/store/replica-storage.ts';
import { emptyStoredPatient } from './client-fixtures.ts';

const FULL = 2;
const KEY = (docId: string) => ({ collection: 'patients' as const, docId });
const doc = emptyStoredPatient;
const NORMAL = 1;

describe('refetchable transactions', () => {
  let dir: string;
  let db: Database.Database;
  let open: OpenStore;
  const level = (): unknown => db.pragma('synchronous', { simple: true });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'immune-sync-refetchable-'));
    db = new Database(join(dir, 'replica.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    open = await openReplicaStore({ dialect: new SqliteDialect({ database: db }) });
  });

  afterEach(async () => {
    await open.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits at synchronous NORMAL and puts FULL back', async () => {
    const seen = await open.store.transaction(
      async (store) => {
        await store.putDocument(doc('pat-1'));
        return level();
      },
      { refetchable: true },
    );
    expect(seen).toBe(NORMAL);
    expect(level()).toBe(FULL);
    expect(await open.store.document(KEY('pat-1'))).toEqual(doc('pat-1'));
  });

  it('keeps FULL for every other transaction', async () => {
    const seen = await open.store.transaction(async () => level());
    expect(seen).toBe(FULL);
  });

  it('puts FULL back when the transaction fails, and nothing of it is written', async () => {
    const failed = open.store.transaction(
      async (store) => {
        await store.putDocument(doc('pat-2'));
        throw new Error('the page did not fit');
      },
      { refetchable: true },
    );
    await expect(failed).rejects.toThrow('the page did not fit');
    expect(level()).toBe(FULL);
    expect(await open.store.document(KEY('pat-2'))).toBeUndefined();
  });
});
