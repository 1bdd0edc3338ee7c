/**
 * The demo principals file that `serve` writes when it is given none: an admin, an auditor, a
 * supervisor of two facilities and two health workers, each with a random token. An existing
 * file is reused, so tokens stay the same across restarts.
 */
import { randomBytes } from 'node:crypto';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Role } from '../domain/principal.ts';

/** The file's name, in the data directory. */
export const DEMO_PRINCIPALS_FILE = 'principals.demo.json';

interface DemoEntry {
  readonly token: string;
  readonly userId: string;
  readonly role: Role;
  readonly facilityIds: readonly string[];
}

const token = (): string => randomBytes(24).toString('base64url');

/** The demo users; their facilities are the demo facilities of `reference-data.ts`. */
export const demoPrincipals = (): readonly DemoEntry[] => [
  { token: token(), userId: 'admin', role: 'admin', facilityIds: ['*'] },
  { token: token(), userId: 'auditor', role: 'auditor', facilityIds: ['*'] },
  {
    token: token(),
    userId: 'supervisor',
    role: 'supervisor',
    facilityIds: ['fac-north', 'fac-south'],
  },
  { token: token(), userId: 'hw-north', role: 'health_worker', facilityIds: ['fac-north'] },
  { token: token(), userId: 'hw-south', role: 'health_worker', facilityIds: ['fac-south'] },
];

const exists = async (path: string): Promise<boolean> => {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
};

/**
 * The path of the demo file in `directory`, written first if it does not exist (readable by its
 * owner only: it holds tokens).
 */
export const ensureDemoPrincipals = async (
  directory: string,
): Promise<{ readonly path: string; readonly created: boolean }> => {
  const path = join(directory, DEMO_PRINCIPALS_FILE);
  if (await exists(path)) return { path, created: false };
  await mkdir(directory, { recursive: true });
  await writeFile(path, `${JSON.stringify(demoPrincipals(), null, 2)}\n`, {
    mode: 0o600,
    flag: 'wx',
  });
  return { path, created: true };
};
