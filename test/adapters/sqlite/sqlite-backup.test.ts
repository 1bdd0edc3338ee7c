/**
 * `immune-sync backup` on SQLite (`src/adapters/sqlite/sqlite-backup.ts`): a consistent copy,
 * taken while the log appends, that a restored server gives a new epoch, so that a device whose
 * cursor is from before the restore bootstraps again instead of skipping the ops that take the
 * lost positions.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupSqliteLog } from '../../../src/adapters/sqlite/sqlite-backup.ts';
import { openSqliteLog } from '../../../src/adapters/sqlite/sqlite-log.ts';
import { leftOf, rightOf } from '../../domain/expect-either.ts';
import {
  cursorOf,
  dotsOf,
  FA,
  patientData,
  pullAll,
  seedReferenceData,
  TestDevice,
  workerA,
} from '../../log/log-fixtures.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'immune-sync-backup-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('backing up an SQLite log', () => {
  it('a server restored from the copy refuses the cursors of the lost ops’ positions', async () => {
    const original = await openSqliteLog({ path: join(dir, 'log.db') });
    const copy = join(dir, 'backup.db');
    let atBackup: string;
    let afterBackup: string;
    try {
      await seedReferenceData(original);
      const tablet = new TestDevice(original, workerA, 'tablet-a1');
      atBackup = cursorOf(await tablet.write('patients', 'p1', 'create', patientData(FA)));
      // Taken while the original is open, then the original goes on.
      await backupSqliteLog(join(dir, 'log.db'), copy);
      afterBackup = cursorOf(await tablet.write('patients', 'p2', 'create', patientData(FA)));
      // The original keeps its epoch: its own cursors stay good.
      expect(rightOf(await original.readAfter(workerA, afterBackup, 10)).ops).toEqual([]);
    } finally {
      await original.close();
    }

    const restored = await openSqliteLog({ path: copy });
    try {
      // A new op takes the position p2 had: a device that pulled p2 must not read past it.
      const other = new TestDevice(restored, workerA, 'tablet-a2');
      const taken = cursorOf(await other.write('patients', 'p3', 'create', patientData(FA)));
      expect(taken).not.toBe(afterBackup);
      for (const cursor of [atBackup, afterBackup]) {
        expect(leftOf(await restored.readAfter(workerA, cursor, 10)).code).toBe('reset_required');
      }
      const all = await pullAll(restored, workerA, undefined);
      expect(dotsOf(all.ops)).toEqual(expect.arrayContaining(['tablet-a1:1', 'tablet-a2:1']));
      expect(dotsOf(all.ops)).not.toContain('tablet-a1:2');
      expect((await restored.verify()).ok).toBe(true);
    } finally {
      await restored.close();
    }
    expect(await readdir(dir)).not.toContain('backup.db.partial');
  });

  it('completes while the log keeps committing, and the copy holds a whole prefix of it', async () => {
    const original = await openSqliteLog({ path: join(dir, 'log.db') });
    const copy = join(dir, 'busy.db');
    try {
      await seedReferenceData(original);
      const tablet = new TestDevice(original, workerA, 'tablet-a1');
      let writing = true;
      let written = 0;
      const writer = (async () => {
        while (writing) {
          await tablet.write('patients', `p${written}`, 'create', patientData(FA));
          written += 1;
          // A turn of the event loop between commits (an append alone never gives one up).
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      // Some commits before, during and after the copy.
      while (written < 20) await new Promise((resolve) => setTimeout(resolve, 5));
      await backupSqliteLog(join(dir, 'log.db'), copy);
      const atEnd = written;
      while (written < atEnd + 20) await new Promise((resolve) => setTimeout(resolve, 5));
      writing = false;
      await writer;
    } finally {
      await original.close();
    }
    const restored = await openSqliteLog({ path: copy });
    try {
      expect((await restored.verify()).ok).toBe(true);
      const seqs = dotsOf((await pullAll(restored, workerA, undefined)).ops)
        .filter((dot) => dot.startsWith('tablet-a1:'))
        .map((dot) => Number(dot.split(':')[1]));
      // Whole commits from the first on, none after a gap.
      expect(seqs.length).toBeGreaterThanOrEqual(20);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    } finally {
      await restored.close();
    }
  });

  it('refuses a copy onto an existing file, and a log that does not exist', async () => {
    const log = await openSqliteLog({ path: join(dir, 'log.db') });
    await log.close();
    await backupSqliteLog(join(dir, 'log.db'), join(dir, 'one.db'));
    await expect(backupSqliteLog(join(dir, 'log.db'), join(dir, 'one.db'))).rejects.toThrow(
      'exists already',
    );
    await expect(backupSqliteLog(join(dir, 'none.db'), join(dir, 'two.db'))).rejects.toThrow(
      'no SQLite log',
    );
    expect(existsSync(join(dir, 'two.db'))).toBe(false);
  });
});
