/** `immune-sync appwrite setup` and `check`, run as a user runs them, on the TablesDB double. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTablesDbDouble, type TablesDbDouble } from './tables-db-double/tables-db-double.ts';

const BIN = fileURLToPath(new URL('../../bin/immune-sync.js', import.meta.url));
let double: TablesDbDouble;

beforeEach(async () => {
  double = await startTablesDbDouble();
});

afterEach(async () => {
  await double.close();
});

/** Runs the command line; resolves with its exit code and output, whatever the code. */
const run = async (
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> => {
  const env = {
    ...process.env,
    APPWRITE_ENDPOINT: double.endpoint,
    APPWRITE_PROJECT_ID: double.projectId,
    APPWRITE_API_KEY: double.apiKey,
  };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error instanceof Error ? error : new Error(String(error));
    return {
      code: Number(Reflect.get(failed, 'code') ?? 1),
      stdout: String(Reflect.get(failed, 'stdout') ?? ''),
      stderr: String(Reflect.get(failed, 'stderr') ?? ''),
    };
  }
};

describe('immune-sync appwrite', () => {
  it('check reports the missing database and exits 1, setup creates it, then check exits 0', async () => {
    const before = await run('appwrite', 'check');
    expect([before.code, before.stdout.trim()]).toEqual([1, 'database immune_sync is missing']);
    const setup = await run('appwrite', 'setup');
    expect(setup.code).toBe(0);
    expect(setup.stdout).toContain('created table immunization_records');
    const after = await run('appwrite', 'check', '--json');
    expect([after.code, JSON.parse(after.stdout)]).toEqual([0, { ok: true, differences: [] }]);
    const again = await run('appwrite', 'setup');
    expect(again.stdout.trim()).toBe('nothing to do: the project is set up');
  });

  it('names what is missing when the project is not given', async () => {
    const result = await promisify(execFile)(process.execPath, [BIN, 'appwrite', 'check'], {
      env: { PATH: process.env.PATH ?? '' },
    }).catch((error: unknown) => ({
      stdout: '',
      stderr: String(Reflect.get(Object(error), 'stderr')),
    }));
    expect(result.stderr).toContain('--endpoint (or APPWRITE_ENDPOINT)');
  });

  it('sync-rows rewrites the rows of the log given by --db', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'immune-sync-rows-'));
    try {
      await run('appwrite', 'setup');
      const result = await run('appwrite', 'sync-rows', '--db', join(dir, 'log.db'), '--json');
      expect([result.code, JSON.parse(result.stdout)]).toEqual([0, { rows: 0 }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('seed loads the reference data into the log on the project once, and the audit commands read it with --appwrite', async () => {
    await run('appwrite', 'setup');
    const first = await run('appwrite', 'seed', '--json');
    expect(first.code).toBe(0);
    const created = Number(JSON.parse(first.stdout).created);
    expect(created).toBeGreaterThan(10);
    const again = await run('appwrite', 'seed', '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ created: 0, present: created });
    const verify = await run('verify', '--appwrite', '--json');
    expect([verify.code, JSON.parse(verify.stdout)]).toMatchObject([
      0,
      { ok: true, checked: { ops: created } },
    ]);
    const history = await run('history', 'vaccines', 'vac-bcg', '--appwrite', '--json');
    expect(history.code).toBe(0);
    expect(JSON.stringify(JSON.parse(history.stdout))).toContain('BCG');
  });

  it('refuses --appwrite with --db, naming the choice', async () => {
    const result = await run('verify', '--appwrite', '--db', 'x.db');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('give one of --db, --postgres and --appwrite');
  });
});
