/**
 * Test-only builders for the domain tests. Ops and principals are built from raw JSON through
 * the real codecs, so every fixture is a value the server itself could hold; a fixture that does
 * not decode fails the test that builds it, with the codec's error.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { CollectionName, DocumentData } from '../../src/domain/collection.ts';
import type { DocumentLookup, DocumentView } from '../../src/domain/document-view.ts';
import { decodeOperation, type Operation } from '../../src/domain/operation.ts';
import { Principal, type Role } from '../../src/domain/principal.ts';
import type { VersionVector } from '../../src/domain/version-vector.ts';

/** The server's clock in the tests: 2025-06-15, midday UTC. */
export const NOW = Date.parse('2025-06-15T12:00:00.000Z');
export const TODAY = '2025-06-15';
export const TOMORROW = '2025-06-16';
export const DAY_AFTER_TOMORROW = '2025-06-17';

/** The device that authors ops unless a test says otherwise. */
export const DEVICE = 'tablet-07';

/** An op from its raw JSON, as a device would send it; throws when it does not decode. */
export const opFrom = (raw: unknown): Operation => {
  const decoded = decodeOperation(raw);
  if (E.isLeft(decoded)) {
    throw new Error(`fixture op does not decode: ${JSON.stringify(decoded.left)}`);
  }
  return decoded.right.op;
};

/**
 * An op of `DEVICE` (seq 12, empty context, schema 1) with the given fields on top; `collection`,
 * `docId` and `kind` (and `data` for creates and updates) are the caller's.
 */
export const anOp = (fields: Readonly<Record<string, unknown>>): Operation =>
  opFrom({
    deviceId: DEVICE,
    seq: 12,
    hlc: { ms: NOW, n: 0 },
    ctx: {},
    schema: 1,
    ...fields,
  });

/** A principal from its raw JSON; throws when it does not decode. */
export const principalFrom = (raw: unknown): Principal => {
  const decoded = Principal.decode(raw);
  if (E.isLeft(decoded)) {
    throw new Error(`fixture principal does not decode: ${JSON.stringify(decoded.left)}`);
  }
  return decoded.right;
};

export const aPrincipal = (
  role: Role,
  facilityIds: readonly string[],
  userId = `${role.replace('_', '-')}-1`,
): Principal => principalFrom({ userId, role, facilityIds });

/** A document as the projection holds it. */
export const viewOf = (
  collection: CollectionName,
  docId: string,
  data: DocumentData,
  options: { readonly deleted?: boolean; readonly vv?: VersionVector } = {},
): DocumentView => ({
  collection,
  docId,
  data,
  deleted: options.deleted ?? false,
  vv: options.vv ?? { 'tablet-01': 1 },
});

/** An in-memory look-up over the given documents and users' facility lists. */
export const lookupOf = (
  docs: readonly DocumentView[],
  users: Readonly<Record<string, readonly string[]>> = {},
): DocumentLookup => {
  const byKey = new Map(docs.map((doc) => [`${doc.collection}/${doc.docId}`, doc]));
  return {
    document: (collection, docId) => byKey.get(`${collection}/${docId}`),
    userFacilities: (userId) => (Object.hasOwn(users, userId) ? (users[userId] ?? []) : []),
  };
};

/** Valid fields of a new document of each collection, to spread overrides onto. */
export const facilityData = {
  name: 'Kisumu Health Centre',
  district: 'Kisumu East',
  region: 'Nyanza',
} as const;

export const vaccineData = { name: 'Pentavalent', code: 'PENTA', doses: 3 } as const;

export const patientData = {
  fullName: 'Achieng Otieno',
  sex: 'F',
  dateOfBirth: '2024-01-10',
  facilityId: 'fac-a',
} as const;

export const recordData = {
  patientId: 'pat-a',
  vaccineId: 'vac-penta',
  doseNumber: 1,
  dateAdministered: '2024-02-21',
  facilityId: 'fac-a',
} as const;

export const notificationData = {
  userId: 'health-worker-1',
  patientId: 'pat-a',
  type: 'dose_due',
  message: 'Penta dose 2 is due',
  read: false,
} as const;
