/**
 * The log's contract on SQLite (always run): in memory, and in a file in WAL mode.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MMAP_BYTES } from '../../src/adapters/sqlite/mapped-reads.ts';
import { openSqliteLog } from '../../src/adapters/sqlite/sqlite-log.ts';
import { isSelected, LOG_BACKENDS, selectLogBackends } from './log-backends.ts';
import { type LogFactory, runLogContract } from './log-contract.ts';
import { sqlTamper } from './sql-tamper.ts';

const inMemory: LogFactory = async (options) => {
  const log = await openSqliteLog({ path: ':memory:', ...options });
  return { log, tamper: sqlTamper(log), close: () => log.close() };
};

const inFile: LogFactory = async (options) => {
  const dir = await mkdtemp(join(tmpdir(), 'immune-sync-log-'));
  const log = await openSqliteLog({ path: join(dir, 'log.db'), ...options });
  return {
    log,
    tamper: sqlTamper(log),
    close: async () => {
      await log.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
};

describe('the selection of log backends by LOG_BACKENDS', () => {
  it('selects every backend when the variable is absent', () => {
    expect(selectLogBackends(undefined)).toEqual(LOG_BACKENDS);
  });

  it('selects the named backends', () => {
    expect(selectLogBackends('postgres')).toEqual(['postgres']);
    expect(selectLogBackends(' sqlite , postgres ')).toEqual(['sqlite', 'postgres']);
  });

  it('throws on an unknown name and on a selection of nothing', () => {
    expect(() => selectLogBackends('sqlite,mysql')).toThrow('mysql');
    expect(() => selectLogBackends('')).toThrow('selects no backend');
  });
});

if (isSelected('sqlite')) {
  runLogContract('SQLite in memory', inMemory, { severalInstances: false });
  runLogContract('SQLite in a WAL file', inFile, { severalInstances: false });

  describe('the SQLite file', () => {
    it('keeps the log across a reopen, in WAL mode with synced commits and mapped reads', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'immune-sync-log-'));
      try {
        const path = join(dir, 'log.db');
        const first = await openSqliteLog({ path });
        const epoch = first.epoch;
        const head = await first.head();
        await first.close();
        const second = await openSqliteLog({ path });
        try {
          expect(second.epoch).toBe(epoch);
          expect(await second.head()).toBe(head);
          const { sql } = await import('kysely');
          const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(second.db);
          const sync = await sql<{ synchronous: number }>`pragma synchronous`.execute(second.db);
          expect(mode.rows[0]?.journal_mode).toBe('wal');
          expect(sync.rows[0]?.synchronous).toBe(2);
          const mapped = await sql<{ mmap_size: number }>`pragma mmap_size`.execute(second.db);
          expect(mapped.rows[0]?.mmap_size).toBe(MMAP_BYTES);
        } finally {
          await second.close();
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}
