/**
 * The device registry (DESIGN.md section 6): each device is bound to the first user that pushes
 * or pulls for it, and the log keeps its progress: `ackedSeq`, the head of its hash chain, its
 * last push and pull and the cursor its last pull was handed.
 *
 * Invariants:
 * 1. A device's owner never changes. Another user's request for it is `forbidden`, and so is
 *    any user's request for a `server.` device, which only the log itself appends for.
 * 2. `acked_seq` only grows, and only inside an append transaction.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Kysely, Selectable } from 'kysely';
import { forbidden, type SyncError } from '../domain/errors.ts';
import type { Hlc } from '../domain/hlc.ts';
import { isReservedDevice } from '../domain/ids.ts';
import { type Principal, Principal as PrincipalCodec } from '../domain/principal.ts';
import { GENESIS_HASH } from './hash-chain.ts';
import type { DevicesTable, LogTables } from './log-tables.ts';
import { clockOfBody } from './op-rows.ts';
import { FacilityIds, readJsonText } from './stored-json.ts';

/** The owner recorded for the server's own devices. */
export const SERVER_OWNER = 'system';

export type DeviceRow = Selectable<DevicesTable>;

/** What an append changes of its device. */
export interface DeviceProgress {
  ackedSeq: number;
  chainHash: string;
}

/** The device's row, if it is known. */
export const loadDevice = async (
  db: Kysely<LogTables>,
  deviceId: string,
): Promise<DeviceRow | undefined> =>
  db.selectFrom('devices').selectAll().where('device_id', '=', deviceId).executeTakeFirst();

/** The owner of a device as a principal (undefined for the server's devices: they read all). */
export const ownerOf = (row: DeviceRow): Principal | undefined => {
  if (row.owner_role === SERVER_OWNER) return undefined;
  const decoded = PrincipalCodec.decode({
    userId: row.user_id,
    role: row.owner_role,
    facilityIds: readJsonText(FacilityIds, row.owner_facilities, `owner of ${row.device_id}`),
  });
  return E.isRight(decoded) ? decoded.right : undefined;
};

const newDeviceRow = (
  deviceId: string,
  userId: string,
  role: string,
  facilities: readonly string[],
  now: number,
): DeviceRow => ({
  device_id: deviceId,
  user_id: userId,
  owner_role: role,
  owner_facilities: JSON.stringify(facilities),
  acked_seq: 0,
  chain_hash: GENESIS_HASH,
  last_push_at: null,
  last_pull_at: null,
  pulled_cursor: null,
  created_at: now,
});

/**
 * Binds an unknown device to the principal, or checks that the principal owns it; refreshes the
 * owner's role and facilities as authentication states them now.
 */
export const claimDevice = async (
  db: Kysely<LogTables>,
  principal: Principal,
  deviceId: string,
  now: number,
): Promise<E.Either<SyncError<'forbidden'>, DeviceRow>> => {
  if (isReservedDevice(deviceId)) {
    return E.left(forbidden(`device ${deviceId} is reserved for the server`, 'deviceId'));
  }
  const facilities = JSON.stringify(principal.facilityIds);
  await db
    .insertInto('devices')
    .values(newDeviceRow(deviceId, principal.userId, principal.role, principal.facilityIds, now))
    .onConflict((oc) => oc.column('device_id').doNothing())
    .execute();
  const row = await loadDevice(db, deviceId);
  if (row === undefined) throw new Error(`bug: device ${deviceId} vanished after its insert`);
  if (row.user_id !== principal.userId) {
    return E.left(forbidden(`device ${deviceId} belongs to another user`, 'deviceId'));
  }
  if (row.owner_role !== principal.role || row.owner_facilities !== facilities) {
    await db
      .updateTable('devices')
      .set({ owner_role: principal.role, owner_facilities: facilities })
      .where('device_id', '=', deviceId)
      .execute();
  }
  return E.right({ ...row, owner_role: principal.role, owner_facilities: facilities });
};

/** The row of one of the server's own devices, registered on first use. */
export const claimServerDevice = async (
  db: Kysely<LogTables>,
  deviceId: string,
  now: number,
): Promise<DeviceRow> => {
  if (!isReservedDevice(deviceId)) {
    throw new Error(`bug: ${deviceId} is not a server device`);
  }
  await db
    .insertInto('devices')
    .values(newDeviceRow(deviceId, SERVER_OWNER, SERVER_OWNER, ['*'], now))
    .onConflict((oc) => oc.column('device_id').doNothing())
    .execute();
  const row = await loadDevice(db, deviceId);
  if (row === undefined) throw new Error(`bug: device ${deviceId} vanished after its insert`);
  return row;
};

/**
 * The clock of a server device's last accepted op (`zero` before its first): its next op's
 * clock ticks from it (`clockOfBody`).
 */
export const lastServerClock = async (db: Kysely<LogTables>, deviceId: string): Promise<Hlc> => {
  const row = await db
    .selectFrom('ops')
    .select('body')
    .where('device_id', '=', deviceId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return clockOfBody(row?.body, `last op of ${deviceId}`);
};

/** Stores what an append changed of its device. */
export const saveProgress = async (
  db: Kysely<LogTables>,
  deviceId: string,
  progress: DeviceProgress,
  now: number,
): Promise<void> => {
  await db
    .updateTable('devices')
    .set({ acked_seq: progress.ackedSeq, chain_hash: progress.chainHash, last_push_at: now })
    .where('device_id', '=', deviceId)
    .execute();
};

/** Records the cursor a pull handed to a device. */
export const savePull = async (
  db: Kysely<LogTables>,
  deviceId: string,
  next: string,
  now: number,
): Promise<void> => {
  await db
    .updateTable('devices')
    .set({ pulled_cursor: next, last_pull_at: now })
    .where('device_id', '=', deviceId)
    .execute();
};
