/**
 * The principals of a benchmark's server: an admin, and the health worker of every facility of
 * the data set (PROTOCOL.md, Authentication).
 */
import { writeFile } from 'node:fs/promises';
import type { FacilityPlan } from '../data/immunization-dataset.ts';

/** The admin's token. */
export const ADMIN_TOKEN = 'bench-token-admin-00000000000';

/** Writes the principals file of `facilities` to `path`. */
export const writePrincipals = async (
  path: string,
  facilities: readonly FacilityPlan[],
): Promise<void> => {
  const entries = [
    { token: ADMIN_TOKEN, userId: 'bench-admin', role: 'admin', facilityIds: ['*'] },
    ...facilities.map((f) => ({
      token: f.workerToken,
      userId: f.workerUserId,
      role: 'health_worker',
      facilityIds: [f.docId],
    })),
  ];
  await writeFile(path, JSON.stringify(entries));
};
