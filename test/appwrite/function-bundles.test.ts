/**
 * The esbuild bundles load as the open-runtimes runtime loads them (`require`, then
 * `mod.default || mod`) and answer through their real composition root: without the
 * deployment's variables, `503 unavailable` with the missing names in the execution log.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFunction } from '../../scripts/function-bundle.ts';
import { execute } from './open-runtimes-harness.ts';

let dir: string;
const load = createRequire(import.meta.url);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'immune-sync-bundles-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the function bundles', () => {
  it('status bundles to a CommonJS index.js whose entry answers 503 without its variables', async () => {
    const bytes = await bundleFunction('status', join(dir, 'status'));
    expect(bytes).toBeGreaterThan(0);
    expect(JSON.parse(await readFile(join(dir, 'status', 'package.json'), 'utf8'))).toEqual({
      type: 'commonjs',
    });
    const execution = await execute(load(join(dir, 'status', 'index.js')), {
      url: '/v1/status',
      userId: 'u1',
    });
    expect(execution.statusCode).toBe(503);
    expect(execution.errors.join('\n')).toContain('APPWRITE_FUNCTION_API_ENDPOINT');
  });

  it('changes-trigger bundles to an entry that refuses an HTTP execution with 403', async () => {
    await bundleFunction('changes-trigger', join(dir, 'changes-trigger'));
    const execution = await execute(load(join(dir, 'changes-trigger', 'index.js')), {
      method: 'POST',
      body: '{}',
    });
    expect(execution.statusCode).toBe(403);
  });
});
