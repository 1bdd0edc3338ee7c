/**
 * What the load script's processes share: the users (three health workers and a supervisor per
 * facility, an admin for the checks), the shared documents of each facility, how a device is
 * opened, and the messages between the script and its device processes.
 */
import * as E from 'fp-ts/lib/Either.js';
import { createReplica, type Replica } from '../../src/client/replica.ts';
import { httpTransport } from '../../src/client/transports/http-transport.ts';
import type { AuthorRole } from '../../src/domain/principal.ts';

export const FACILITIES = ['fac-north', 'fac-south', 'fac-west'] as const;
export type Facility = (typeof FACILITIES)[number];

export interface LoadUser {
  readonly token: string;
  readonly userId: string;
  readonly role: AuthorRole;
  readonly facility: Facility;
}

/** Three health workers and a supervisor per facility. */
export const USERS: readonly LoadUser[] = FACILITIES.flatMap((facility) => [
  ...[1, 2, 3].map((i) => ({
    token: `load-${facility}-hw${i}-token-00000`,
    userId: `${facility}-hw${i}`,
    role: 'health_worker' as const,
    facility,
  })),
  {
    token: `load-${facility}-sup-token-000000`,
    userId: `${facility}-sup`,
    role: 'supervisor' as const,
    facility,
  },
]);
export const ADMIN_TOKEN = 'load-admin-token-0000000000';

export const principalsText = (): string =>
  JSON.stringify([
    ...USERS.map((u) => ({
      token: u.token,
      userId: u.userId,
      role: u.role,
      facilityIds: [u.facility],
    })),
    { token: ADMIN_TOKEN, userId: 'load-admin', role: 'admin', facilityIds: ['*'] },
  ]);

/** The user of device number `i`. */
export const userOf = (i: number): LoadUser => {
  const user = USERS[i % USERS.length];
  if (user === undefined) throw new Error('no users');
  return user;
};

export const sharedPatient = (facility: Facility, i: number): string => `${facility}-shared-p${i}`;
export const sharedRecord = (facility: Facility, i: number): string => `${facility}-shared-r${i}`;

export const patient = (fullName: string, facilityId: Facility) => ({
  fullName,
  sex: 'F' as const,
  dateOfBirth: '2024-01-02',
  facilityId,
});

export const record = (patientId: string, facilityId: Facility, doseNumber: number) => ({
  patientId,
  vaccineId: 'vac-penta',
  doseNumber,
  dateAdministered: '2024-03-01',
  facilityId,
});

export interface LoadDevice {
  readonly id: string;
  readonly user: LoadUser;
  readonly replica: Replica;
  /** `deviceId:seq` of every op it wrote. */
  readonly written: string[];
}

/** A real replica in memory over HTTP; `fetch` may time the requests. */
export const openDevice = async (
  url: string,
  id: string,
  user: LoadUser,
  fetch: typeof globalThis.fetch = globalThis.fetch,
): Promise<LoadDevice> => ({
  id,
  user,
  written: [],
  replica: await createReplica({
    deviceId: id,
    principal: { userId: user.userId, role: user.role },
    transport: httpTransport({ baseUrl: url, token: user.token, timeoutMs: 120_000, fetch }),
    backoff: { baseMs: 50, maxMs: 1000 },
  }),
});

export const syncUntilOk = async (device: LoadDevice): Promise<void> => {
  for (let attempt = 0; attempt < 50; attempt++) {
    const report = await device.replica.sync();
    if (report.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
  }
  const status = await device.replica.status();
  throw new Error(`${device.id}: sync kept failing: ${status.lastError?.message ?? '?'}`);
};

/** Records the op a mutation wrote (a refusal is a bug of the script). */
export const wrote = (
  device: LoadDevice,
  result: E.Either<{ readonly message: string }, { readonly seq: number }>,
): void => {
  if (E.isLeft(result)) throw new Error(`${device.id} refused a write: ${result.left.message}`);
  device.written.push(`${device.id}:${result.right.seq}`);
};

/** What the script tells a device process. */
export type ToDevices =
  | {
      readonly kind: 'start';
      readonly label: string;
      /** Device numbers of this process, and the server each one talks to. */
      readonly devices: readonly { readonly index: number; readonly url: string }[];
      readonly ops: number;
      readonly syncEvery: number;
      readonly shared: number;
      readonly checkUrl: string;
    }
  | { readonly kind: 'settle' }
  | { readonly kind: 'check' };

/** What a device process tells the script. */
export type FromDevices =
  | { readonly kind: 'progress'; readonly ops: number; readonly pushes: number }
  | {
      readonly kind: 'written';
      readonly written: readonly string[];
      readonly latencies: readonly number[];
      readonly seconds: number;
    }
  | { readonly kind: 'settled' }
  | { readonly kind: 'checked'; readonly problems: readonly string[] }
  | { readonly kind: 'failed'; readonly message: string };
