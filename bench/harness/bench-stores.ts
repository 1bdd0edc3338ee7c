/**
 * Fresh stores for a benchmark run: an SQLite file in a temporary directory, or a Postgres schema
 * of its own (on `DATABASE_URL`, 127.0.0.1 only), and how to remove them afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { BenchStore } from './bench-server.ts';

/** A store and the directory of the benchmark's files. */
export interface FreshStore {
  readonly store: BenchStore;
  readonly dir: string;
  readonly label: string;
  remove(): Promise<void>;
}

/** The backends to run: SQLite always, Postgres when `DATABASE_URL` is set. */
export const backends = (): readonly ('sqlite' | 'postgres')[] =>
  process.env.DATABASE_URL === undefined ? ['sqlite'] : ['sqlite', 'postgres'];

/** A fresh store of `kind`. */
export const freshStore = async (kind: 'sqlite' | 'postgres'): Promise<FreshStore> => {
  const dir = await mkdtemp(join(tmpdir(), 'immune-sync-bench-'));
  const removeDir = () => rm(dir, { recursive: true, force: true });
  const url = process.env.DATABASE_URL;
  if (kind === 'sqlite' || url === undefined) {
    return {
      store: { kind: 'sqlite', path: join(dir, 'log.db') },
      dir,
      label: 'SQLite (WAL file)',
      remove: removeDir,
    };
  }
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  return {
    store: { kind: 'postgres', url, schema },
    dir,
    label: 'Postgres',
    remove: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
      await removeDir();
    },
  };
};
