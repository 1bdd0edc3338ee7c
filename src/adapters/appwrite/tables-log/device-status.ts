/**
 * Device status on the TablesDB log (the rules, and who may see a device, are
 * `src/log/device-status.ts`'s): each device's progress, how far behind the log it is, its
 * rejected ops and the open conflicts it takes part in.
 */
import * as E from 'fp-ts/lib/Either.js';
import { Query } from 'node-appwrite';
import { type SyncError, syncError } from '../../../domain/errors.ts';
import { isReservedDevice } from '../../../domain/ids.ts';
import { may } from '../../../domain/permissions.ts';
import { type Principal, readsEverything } from '../../../domain/principal.ts';
import { decodeCursor, encodeCursor, positionOf, START } from '../../../log/cursor.ts';
import { type DeviceRow, ownerOf } from '../../../log/device-registry.ts';
import { maySee, STALE_AFTER_MS } from '../../../log/device-status.ts';
import type { LogIdentity } from '../../../log/log-identity.ts';
import type { DeviceStatus, StatusOverview } from '../../../log/operation-log.ts';
import { readConflictRecord } from '../../../log/stored-json.ts';
import { readingFacilities } from '../../../log/visibility.ts';
import { deviceRowOf, loadDevice } from './device-rows.ts';
import {
  CONFLICTS_TABLE,
  ConflictsRowCodec,
  DEVICES_TABLE,
  decodeRow,
  QUARANTINE_TABLE,
  QuarantineRowCodec,
} from './log-rows.ts';
import type { LogStore } from './log-store.ts';
import { headOf } from './pull-reads.ts';
import { countVisibleAfter } from './visible-ops.ts';

const isoOrNull = (ms: number | null): string | null =>
  ms === null ? null : new Date(ms).toISOString();

/** Open conflicts by candidate device. */
const openConflictsByDevice = async (store: LogStore): Promise<ReadonlyMap<string, number>> => {
  const rows = await store.all(CONFLICTS_TABLE, [
    Query.equal('live', true),
    Query.equal('status', 'open'),
  ]);
  const counts = new Map<string, number>();
  for (const raw of rows) {
    const row = decodeRow(ConflictsRowCodec, raw, `conflict ${raw.$id}`);
    const devices = new Set(readConflictRecord(row.record).candidates.map((c) => c.deviceId));
    for (const d of devices) counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  return counts;
};

/** Rejected ops by device. */
const rejectedByDevice = async (store: LogStore): Promise<ReadonlyMap<string, number>> => {
  const counts = new Map<string, number>();
  for (const raw of await store.all(QUARANTINE_TABLE, [])) {
    const row = decodeRow(QuarantineRowCodec, raw, `quarantined ${raw.$id}`);
    counts.set(row.deviceId, (counts.get(row.deviceId) ?? 0) + 1);
  }
  return counts;
};

const statusOf = async (
  store: LogStore,
  identity: LogIdentity,
  row: DeviceRow,
  head: number,
  rejected: ReadonlyMap<string, number>,
  open: ReadonlyMap<string, number>,
): Promise<DeviceStatus> => {
  const pulled =
    row.pulled_cursor === null ? undefined : decodeCursor(identity, row.pulled_cursor, head);
  const from = pulled !== undefined && E.isRight(pulled) ? pulled.right : START;
  const owner = ownerOf(row);
  const behind = await countVisibleAfter(
    store,
    owner === undefined ? undefined : readingFacilities(owner),
    from,
    head,
  );
  return {
    deviceId: row.device_id,
    userId: row.user_id,
    ackedSeq: row.acked_seq,
    lastPushAt: isoOrNull(row.last_push_at),
    lastPullAt: isoOrNull(row.last_pull_at),
    pulledCursor: row.pulled_cursor,
    behind,
    rejected: rejected.get(row.device_id) ?? 0,
    openConflicts: open.get(row.device_id) ?? 0,
  };
};

/** The status of one device. */
export const deviceStatus = async (
  store: LogStore,
  identity: LogIdentity,
  principal: Principal,
  deviceId: string,
): Promise<E.Either<SyncError, DeviceStatus>> => {
  const row = await loadDevice(store, deviceId);
  if (row === undefined) {
    return E.left(
      readsEverything(principal.role)
        ? syncError('not_found', `no device ${deviceId}`)
        : syncError('forbidden', `device ${deviceId} is not yours to see`),
    );
  }
  if (!maySee(principal, row))
    return E.left(syncError('forbidden', `device ${deviceId} is not yours to see`));
  const head = await headOf(store);
  return E.right(
    await statusOf(
      store,
      identity,
      row,
      head,
      await rejectedByDevice(store),
      await openConflictsByDevice(store),
    ),
  );
};

/** Every device the principal may see (the server's own left out), and the stale ones. */
export const statusOverview = async (
  store: LogStore,
  identity: LogIdentity,
  principal: Principal,
  now: number,
): Promise<E.Either<SyncError, StatusOverview>> => {
  if (!may(principal, 'read_status', [])) {
    return E.left(syncError('forbidden', `a ${principal.role} may not read the status of devices`));
  }
  const head = await headOf(store);
  const rows = (await store.all(DEVICES_TABLE, [Query.orderAsc('$id')])).map(deviceRowOf);
  const rejected = await rejectedByDevice(store);
  const open = await openConflictsByDevice(store);
  const devices: DeviceStatus[] = [];
  const stale: DeviceStatus[] = [];
  for (const row of rows) {
    if (isReservedDevice(row.device_id) || !maySee(principal, row)) continue;
    const status = await statusOf(store, identity, row, head, rejected, open);
    devices.push(status);
    const lastSeen = Math.max(row.last_push_at ?? 0, row.last_pull_at ?? 0);
    if (lastSeen < now - STALE_AFTER_MS) stale.push(status);
  }
  return E.right({ head: encodeCursor(identity, positionOf(head)), devices, stale });
};
