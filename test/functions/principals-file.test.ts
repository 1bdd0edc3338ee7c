/** Reading the principals file: valid entries, or a message saying what is wrong. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPrincipalsFile } from '../../src/functions/principals-file.ts';
import { PRINCIPAL_ENTRIES, principalsFileText } from './sync-fixtures.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'principals-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fileWith = async (name: string, text: string): Promise<string> => {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
};

describe('readPrincipalsFile', () => {
  it('reads the entries of a valid file', async () => {
    expect(await readPrincipalsFile(await fileWith('ok.json', principalsFileText()))).toEqual(
      E.right(PRINCIPAL_ENTRIES),
    );
  });

  it.each([
    ['missing.json', undefined, 'cannot read'],
    ['not-json.json', '{', 'not JSON'],
    [
      'bad-role.json',
      JSON.stringify([{ token: 'x'.repeat(20), userId: 'u', role: 'boss', facilityIds: [] }]),
      'invalid',
    ],
    [
      'short.json',
      JSON.stringify([{ token: 'short', userId: 'u', role: 'admin', facilityIds: [] }]),
      'shorter than 16',
    ],
    [
      'repeated.json',
      JSON.stringify([
        { token: 'y'.repeat(20), userId: 'u', role: 'admin', facilityIds: [] },
        { token: 'y'.repeat(20), userId: 'v', role: 'admin', facilityIds: [] },
      ]),
      'repeats a token',
    ],
  ])('refuses %s', async (name, text, message) => {
    const path = text === undefined ? join(dir, name) : await fileWith(name, text);
    const result = await readPrincipalsFile(path);
    expect(E.isLeft(result) && result.left).toContain(message);
  });
});
