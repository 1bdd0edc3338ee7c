/** The demo principals that `serve` writes when given none: valid, private, written once. */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemoPrincipals } from '../../src/cli/demo-principals.ts';
import { readPrincipalsFile } from '../../src/functions/principals-file.ts';
import { DEMO_FACILITIES } from '../../src/functions/reference-data.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'demo-principals-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ensureDemoPrincipals', () => {
  it('writes an admin, an auditor, a supervisor of two facilities and two health workers', async () => {
    const { path, created } = await ensureDemoPrincipals(join(dir, 'data'));
    expect(created).toBe(true);
    const entries = await readPrincipalsFile(path);
    expect(E.isRight(entries)).toBe(true);
    if (E.isLeft(entries)) return;
    expect(entries.right.map((e) => e.role)).toEqual([
      'admin',
      'auditor',
      'supervisor',
      'health_worker',
      'health_worker',
    ]);
    expect(entries.right.find((e) => e.role === 'supervisor')?.facilityIds).toHaveLength(2);
    const demoFacilities = DEMO_FACILITIES.map((f) => f.docId);
    for (const entry of entries.right) {
      for (const facility of entry.facilityIds)
        expect(['*', ...demoFacilities]).toContain(facility);
    }
    expect((await stat(path)).mode & 0o077).toBe(0);
  });

  it('reuses the file on the next start, tokens and all', async () => {
    const first = await readFile(join(dir, 'data', 'principals.demo.json'), 'utf8');
    const again = await ensureDemoPrincipals(join(dir, 'data'));
    expect(again.created).toBe(false);
    expect(await readFile(again.path, 'utf8')).toBe(first);
  });
});
