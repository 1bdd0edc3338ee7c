import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BackgroundCheckpoints,
  type CheckpointMessage,
  FALLBACK_AUTOCHECKPOINT_PAGES,
} from '../../../src/adapters/sqlite/background-checkpoints.ts';
import { openSqliteLog } from '../../../src/adapters/sqlite/sqlite-log.ts';
import { seedReferenceData } from '../../../src/functions/seed-reference-data.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'immune-sync-checkpoints-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A WAL database with a table, as the log's connection is configured. */
const walDatabase = (path: string): Database.Database => {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('create table rows (id integer primary key, body text not null)');
  return db;
};

/** Writes `count` rows of 1 KB in one transaction: about a page each in the WAL. */
const writeRows = (db: Database.Database, count: number): void => {
  const insert = db.prepare('insert into rows (body) values (?)');
  db.transaction(() => {
    for (let i = 0; i < count; i++) insert.run('x'.repeat(1000));
  })();
};

/** The next message of the worker that satisfies `wanted`. */
const nextMessage = (
  checkpoints: BackgroundCheckpoints,
  wanted: (message: CheckpointMessage) => boolean,
): Promise<CheckpointMessage> =>
  new Promise((resolve) => {
    const stop = checkpoints.onMessage((message) => {
      if (!wanted(message)) return;
      stop();
      resolve(message);
    });
  });

const autocheckpoint = (db: Database.Database): unknown =>
  db.pragma('wal_autocheckpoint', { simple: true });

describe('background WAL checkpoints', () => {
  it('copies every page of the WAL back after a nudge, and the WAL is then reused, not grown', async () => {
    const path = join(dir, 'log.db');
    const db = walDatabase(path);
    const checkpoints = new BackgroundCheckpoints(path, db);
    try {
      expect(autocheckpoint(db)).toBe(FALLBACK_AUTOCHECKPOINT_PAGES);
      writeRows(db, 2000);
      const first = nextMessage(checkpoints, (m) => m.kind === 'checkpointed');
      checkpoints.nudge();
      const done = await first;
      expect(done.kind).toBe('checkpointed');
      if (done.kind !== 'checkpointed') return;
      expect(done.log).toBeGreaterThan(500);
      expect(done.checkpointed).toBe(done.log);
      const walBytes = statSync(`${path}-wal`).size;

      // The same writes again start the WAL over from its beginning.
      writeRows(db, 2000);
      expect(statSync(`${path}-wal`).size).toBeLessThanOrEqual(walBytes);
      const count = db.prepare('select count(*) as n from rows').get() as { n: number };
      expect(count.n).toBe(4000);
    } finally {
      await checkpoints.close();
      db.close();
    }
  });

  it('makes one checkpoint of nudges that arrive together (and one more at most), not one each', async () => {
    const path = join(dir, 'log.db');
    const db = walDatabase(path);
    const checkpoints = new BackgroundCheckpoints(path, db);
    try {
      let made = 0;
      checkpoints.onMessage((m) => {
        if (m.kind === 'checkpointed') made += 1;
      });
      writeRows(db, 100);
      const first = nextMessage(checkpoints, (m) => m.kind === 'checkpointed');
      for (let i = 0; i < 50; i++) checkpoints.nudge();
      await first;
      // Any checkpoint still owed would come right after the first.
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Invariant 3: nudges that arrive during a checkpoint owe one more, not one each.
      expect(made).toBeGreaterThanOrEqual(1);
      expect(made).toBeLessThanOrEqual(2);
    } finally {
      await checkpoints.close();
      db.close();
    }
  });

  it('reports a worker that cannot open the file once, and the connection checkpoints as SQLite does', async () => {
    const path = join(dir, 'log.db');
    const db = walDatabase(path);
    const failures: string[] = [];
    const checkpoints = new BackgroundCheckpoints(join(dir, 'missing', 'log.db'), db, (m) =>
      failures.push(m),
    );
    try {
      await nextMessage(checkpoints, (m) => m.kind === 'failed');
      expect(failures).toHaveLength(1);
      expect(checkpoints.running).toBe(false);
      expect(autocheckpoint(db)).toBe(1000);
      checkpoints.nudge();
    } finally {
      await checkpoints.close();
      db.close();
    }
    expect(failures).toHaveLength(1);
  });

  it('reports a worker that fails after the committing connection closed, and throws nothing', async () => {
    const db = walDatabase(join(dir, 'log.db'));
    const failures: string[] = [];
    const checkpoints = new BackgroundCheckpoints(join(dir, 'missing', 'log.db'), db, (m) =>
      failures.push(m),
    );
    db.close();
    await nextMessage(checkpoints, (m) => m.kind === 'failed');
    await checkpoints.close();
    expect(failures).toHaveLength(1);
  });

  it('runs under the log in a file: the log commits with it, and closing leaves no WAL behind', async () => {
    const path = join(dir, 'log.db');
    const log = await openSqliteLog({ path });
    let head: string;
    try {
      const pages = await sql<{
        wal_autocheckpoint: number;
      }>`pragma wal_autocheckpoint`.execute(log.db);
      expect(pages.rows[0]?.wal_autocheckpoint).toBe(FALLBACK_AUTOCHECKPOINT_PAGES);
      const seeded = await seedReferenceData(log);
      expect(E.isRight(seeded)).toBe(true);
      head = await log.head();
    } finally {
      await log.close();
    }
    expect(existsSync(`${path}-wal`)).toBe(false);
    const reopened = await openSqliteLog({ path });
    try {
      expect(await reopened.head()).toBe(head);
    } finally {
      await reopened.close();
    }
  });
});
