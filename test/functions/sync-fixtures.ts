/**
 * Fixtures shared by the handler tests and the end-to-end tests: principals with known tokens,
 * and ops as a device sends them (raw JSON: the server decodes them).
 */
import * as E from 'fp-ts/lib/Either.js';
import { type PrincipalEntry, PrincipalsFile } from '../../src/domain/principal.ts';

/** The token of each test user (at least 16 characters, as the principals file requires). */
export const TOKENS = {
  admin: 'admin-token-0000000000000001',
  auditor: 'auditor-token-00000000000002',
  supervisor: 'supervisor-token-00000000003',
  hwNorth: 'hw-north-token-0000000000004',
  hwNorth2: 'hw-north2-token-000000000005',
  hwSouth: 'hw-south-token-0000000000006',
} as const;

export type TestUser = keyof typeof TOKENS;

/** The principals file's entries (decoded, so a bad fixture fails at once). */
export const PRINCIPAL_ENTRIES: readonly PrincipalEntry[] = (() => {
  const raw = [
    { token: TOKENS.admin, userId: 'admin', role: 'admin', facilityIds: ['*'] },
    { token: TOKENS.auditor, userId: 'auditor', role: 'auditor', facilityIds: [] },
    {
      token: TOKENS.supervisor,
      userId: 'supervisor',
      role: 'supervisor',
      facilityIds: ['fac-north', 'fac-south'],
    },
    {
      token: TOKENS.hwNorth,
      userId: 'hw-north',
      role: 'health_worker',
      facilityIds: ['fac-north'],
    },
    {
      token: TOKENS.hwNorth2,
      userId: 'hw-north-2',
      role: 'health_worker',
      facilityIds: ['fac-north'],
    },
    {
      token: TOKENS.hwSouth,
      userId: 'hw-south',
      role: 'health_worker',
      facilityIds: ['fac-south'],
    },
  ];
  const decoded = PrincipalsFile.decode(raw);
  if (E.isLeft(decoded)) throw new Error('the test principals do not decode');
  return decoded.right;
})();

/** The JSON text of the principals file. */
export const principalsFileText = (): string => JSON.stringify(PRINCIPAL_ENTRIES, null, 2);

/** A clock value in the past (2025-01-01), so no op is flagged skewed. */
const BASE_MS = Date.parse('2025-01-01T00:00:00.000Z');

type RawOp = Record<string, unknown>;

const envelope = (deviceId: string, seq: number, ctx: Readonly<Record<string, number>>): RawOp => ({
  deviceId,
  seq,
  hlc: { ms: BASE_MS + seq, n: 0 },
  ctx,
  schema: 1,
});

/** A patient's create. */
export const patientCreate = (
  deviceId: string,
  seq: number,
  docId: string,
  facilityId: string,
  fields: Readonly<Record<string, unknown>> = {},
): RawOp => ({
  ...envelope(deviceId, seq, {}),
  collection: 'patients',
  docId,
  kind: 'create',
  data: { fullName: 'Amina Okello', sex: 'F', dateOfBirth: '2024-01-02', facilityId, ...fields },
});

/** An update of a patient's fields, having seen `ctx`. */
export const patientUpdate = (
  deviceId: string,
  seq: number,
  docId: string,
  data: Readonly<Record<string, unknown>>,
  ctx: Readonly<Record<string, number>>,
): RawOp => ({
  ...envelope(deviceId, seq, ctx),
  collection: 'patients',
  docId,
  kind: 'update',
  data,
});

/** A patient's delete, having seen `ctx`. */
export const patientDelete = (
  deviceId: string,
  seq: number,
  docId: string,
  ctx: Readonly<Record<string, number>>,
): RawOp => ({ ...envelope(deviceId, seq, ctx), collection: 'patients', docId, kind: 'delete' });

/** `count` patient creates of one device from `firstSeq` on, at `facilityId`. */
export const patientBatch = (
  deviceId: string,
  firstSeq: number,
  count: number,
  facilityId: string,
  prefix = deviceId,
): RawOp[] =>
  Array.from({ length: count }, (_, i) =>
    patientCreate(deviceId, firstSeq + i, `${prefix}-p${firstSeq + i}`, facilityId),
  );

/** A push body. */
export const pushBody = (
  deviceId: string,
  ops: readonly RawOp[],
): { deviceId: string; ops: readonly RawOp[] } => ({
  deviceId,
  ops,
});
