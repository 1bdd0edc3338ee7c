/**
 * The device registry on TablesDB (`src/log/device-registry.ts` states the rules): one
 * `sync_devices` row per device, whose id is the device's, read into the SQL log's `DeviceRow`
 * shape so that the registry's pure parts (`ownerOf`) serve both backends.
 *
 * Invariants:
 * 1. A device's owner never changes: an append plans the row's creation (a concurrent creation
 *    makes the commit conflict and the plan run again, which then finds the owner), and
 *    `bindDevice` creates it alone, or finds it.
 * 2. `ackedSeq` and the chain head change only in an append's transaction, under the head row.
 */
import * as E from 'fp-ts/lib/Either.js';
import { Query } from 'node-appwrite';
import { forbidden, type SyncError } from '../../../domain/errors.ts';
import type { Hlc } from '../../../domain/hlc.ts';
import { isReservedDevice } from '../../../domain/ids.ts';
import type { Principal } from '../../../domain/principal.ts';
import { type DeviceProgress, type DeviceRow, SERVER_OWNER } from '../../../log/device-registry.ts';
import { GENESIS_HASH } from '../../../log/hash-chain.ts';
import { clockOfBody } from '../../../log/op-rows.ts';
import { isAppwriteError } from '../appwrite-connection.ts';
import type { StagedWrite } from '../log-head-transaction.ts';
import { DEVICES_TABLE, DevicesRowCodec, decodeRow, OPS_TABLE, readOpsRow } from './log-rows.ts';
import type { LogStore } from './log-store.ts';

/** A device row as the SQL log's registry reads it. */
export const deviceRowOf = (row: unknown): DeviceRow => {
  const r = decodeRow(DevicesRowCodec, row, 'device row');
  return {
    device_id: r.$id,
    user_id: r.userId,
    owner_role: r.ownerRole,
    owner_facilities: r.ownerFacilities,
    acked_seq: r.ackedSeq,
    chain_hash: r.chainHash ?? GENESIS_HASH,
    last_push_at: r.lastPushAt,
    last_pull_at: r.lastPullAt,
    pulled_cursor: r.pulledCursor,
    created_at: r.createdAt,
  };
};

/** The device's row, if it is known. */
export const loadDevice = async (
  store: LogStore,
  deviceId: string,
): Promise<DeviceRow | undefined> => {
  const row = await store.get(DEVICES_TABLE, deviceId);
  return row === undefined ? undefined : deviceRowOf(row);
};

/** The columns of a new device row. */
const newDeviceColumns = (
  userId: string,
  role: string,
  facilities: readonly string[],
  now: number,
): Record<string, unknown> => ({
  userId,
  ownerRole: role,
  ownerFacilities: JSON.stringify(facilities),
  ackedSeq: 0,
  chainHash: GENESIS_HASH,
  lastPushAt: null,
  lastPullAt: null,
  pulledCursor: null,
  createdAt: now,
});

/** The device an append works for: its owner as stored (if it is), and its progress. */
export interface ClaimedDevice {
  readonly row: DeviceRow | undefined;
  readonly owner: { readonly userId: string; readonly role: string; readonly facilities: string };
  readonly progress: DeviceProgress;
}

/** Checks that the principal may push for the device (unknown devices are theirs). */
export const claimDevice = async (
  store: LogStore,
  principal: Principal,
  deviceId: string,
): Promise<E.Either<SyncError<'forbidden'>, ClaimedDevice>> => {
  if (isReservedDevice(deviceId)) {
    return E.left(forbidden(`device ${deviceId} is reserved for the server`, 'deviceId'));
  }
  const row = await loadDevice(store, deviceId);
  if (row !== undefined && row.user_id !== principal.userId) {
    return E.left(forbidden(`device ${deviceId} belongs to another user`, 'deviceId'));
  }
  return E.right({
    row,
    owner: {
      userId: principal.userId,
      role: principal.role,
      facilities: JSON.stringify(principal.facilityIds),
    },
    progress: {
      ackedSeq: row?.acked_seq ?? 0,
      chainHash: row?.chain_hash ?? GENESIS_HASH,
    },
  });
};

/** One of the server's own devices (registered by the append's commit on first use). */
export const claimServerDevice = async (
  store: LogStore,
  deviceId: string,
): Promise<ClaimedDevice> => {
  if (!isReservedDevice(deviceId)) throw new Error(`bug: ${deviceId} is not a server device`);
  const row = await loadDevice(store, deviceId);
  return {
    row,
    owner: { userId: SERVER_OWNER, role: SERVER_OWNER, facilities: JSON.stringify(['*']) },
    progress: { ackedSeq: row?.acked_seq ?? 0, chainHash: row?.chain_hash ?? GENESIS_HASH },
  };
};

/**
 * The clock of a server device's last accepted op (`zero` before its first): its next op's
 * clock ticks from it (`clockOfBody`).
 */
export const lastServerClock = async (store: LogStore, deviceId: string): Promise<Hlc> => {
  const [row] = await store.page(
    OPS_TABLE,
    [Query.equal('deviceId', deviceId), Query.orderDesc('seq')],
    1,
  );
  return clockOfBody(
    row === undefined ? undefined : readOpsRow(row).body,
    `last op of ${deviceId}`,
  );
};

/** The write of what an append changed of its device (its creation, for a new one). */
export const deviceWrite = (deviceId: string, claimed: ClaimedDevice, now: number): StagedWrite => {
  const progress = {
    ackedSeq: claimed.progress.ackedSeq,
    chainHash: claimed.progress.chainHash,
    lastPushAt: now,
  };
  if (claimed.row === undefined) {
    const { userId, role, facilities } = claimed.owner;
    return {
      action: 'create',
      tableId: DEVICES_TABLE,
      rowId: deviceId,
      data: {
        ...newDeviceColumns(userId, role, [], now),
        ownerFacilities: facilities,
        ...progress,
      },
    };
  }
  return {
    action: 'update',
    tableId: DEVICES_TABLE,
    rowId: deviceId,
    data: { ownerRole: claimed.owner.role, ownerFacilities: claimed.owner.facilities, ...progress },
  };
};

/**
 * Binds an unknown device to the principal, or checks that the principal owns it; refreshes
 * the owner's role and facilities (outside any append: the head row is not involved).
 */
export const bindDevice = async (
  store: LogStore,
  principal: Principal,
  deviceId: string,
  now: number,
): Promise<E.Either<SyncError<'forbidden'>, void>> => {
  if (isReservedDevice(deviceId)) {
    return E.left(forbidden(`device ${deviceId} is reserved for the server`, 'deviceId'));
  }
  try {
    await store.tablesDb.createRow({
      databaseId: store.databaseId,
      tableId: DEVICES_TABLE,
      rowId: deviceId,
      data: newDeviceColumns(principal.userId, principal.role, principal.facilityIds, now),
    });
    return E.right(undefined);
  } catch (error) {
    if (!isAppwriteError(error, 'row_already_exists')) throw error;
  }
  const row = await loadDevice(store, deviceId);
  if (row === undefined) throw new Error(`bug: device ${deviceId} vanished after its creation`);
  if (row.user_id !== principal.userId) {
    return E.left(forbidden(`device ${deviceId} belongs to another user`, 'deviceId'));
  }
  const facilities = JSON.stringify(principal.facilityIds);
  if (row.owner_role !== principal.role || row.owner_facilities !== facilities) {
    await store.tablesDb.updateRow({
      databaseId: store.databaseId,
      tableId: DEVICES_TABLE,
      rowId: deviceId,
      data: { ownerRole: principal.role, ownerFacilities: facilities },
    });
  }
  return E.right(undefined);
};

/** Records the cursor a pull handed to a device (an unknown device is left alone). */
export const savePull = async (
  store: LogStore,
  deviceId: string,
  next: string,
  now: number,
): Promise<void> => {
  try {
    await store.tablesDb.updateRow({
      databaseId: store.databaseId,
      tableId: DEVICES_TABLE,
      rowId: deviceId,
      data: { pulledCursor: next, lastPullAt: now },
    });
  } catch (error) {
    if (!isAppwriteError(error, 'row_not_found')) throw error;
  }
};
