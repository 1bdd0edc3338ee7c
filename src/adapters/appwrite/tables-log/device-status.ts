/**
 * Device status on the TablesDB log: each device's progress, how far behind the log it is, its
 * rejected ops and the open conflicts it takes part in.
 *
 * The rules (who may see a device, where its backlog starts, which devices are stale) are
 * `src/log/device-status-rules.ts`'s, shared with the SQL log; this file only reads what they
 * need from the TablesDB tables.
 */
import * as E from 'fp-ts/lib/Either.js';
import { Query } from 'node-appwrite';
import type { SyncError } from '../../../domain/errors.ts';
import type { Principal } from '../../../domain/principal.ts';
import type { DeviceRow } from '../../../log/device-registry.ts';
import {
  backlogFacilities,
  countOpenConflicts,
  deviceStatusOf,
  devicesToShow,
  deviceToSee,
  overviewOf,
  overviewReader,
  pulledFrom,
  type ShownDevice,
  type StatusCounts,
} from '../../../log/device-status-rules.ts';
import type { LogIdentity } from '../../../log/log-identity.ts';
import type { DeviceStatus, StatusOverview } from '../../../log/operation-log.ts';
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

/** Open conflicts by candidate device. */
const openConflictsByDevice = async (store: LogStore): Promise<ReadonlyMap<string, number>> => {
  const rows = await store.all(CONFLICTS_TABLE, [
    Query.equal('live', true),
    Query.equal('status', 'open'),
  ]);
  return countOpenConflicts(
    rows,
    (raw) => decodeRow(ConflictsRowCodec, raw, `conflict ${raw.$id}`).record,
  );
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

/** The counts of the whole log at `head`: rejected ops, then open conflicts. */
const countsOf = async (store: LogStore, head: number): Promise<StatusCounts> => ({
  head,
  rejected: await rejectedByDevice(store),
  open: await openConflictsByDevice(store),
});

/** The status of one device, given the counts of the whole log. */
const statusOf = async (
  store: LogStore,
  identity: LogIdentity,
  row: DeviceRow,
  counts: StatusCounts,
): Promise<DeviceStatus> => {
  const from = pulledFrom(identity, row, counts.head);
  const behind = await countVisibleAfter(store, backlogFacilities(row), from, counts.head);
  return deviceStatusOf(row, counts, behind);
};

/** The status of one device (see the rules on who may see it). */
export const deviceStatus = async (
  store: LogStore,
  identity: LogIdentity,
  principal: Principal,
  deviceId: string,
): Promise<E.Either<SyncError, DeviceStatus>> => {
  const row = deviceToSee(principal, deviceId, await loadDevice(store, deviceId));
  if (E.isLeft(row)) return row;
  const head = await headOf(store);
  const counts = await countsOf(store, head);
  return E.right(await statusOf(store, identity, row.right, counts));
};

/** Every device the principal may see (the server's own left out), and the stale ones. */
export const statusOverview = async (
  store: LogStore,
  identity: LogIdentity,
  principal: Principal,
  now: number,
): Promise<E.Either<SyncError, StatusOverview>> => {
  const reader = overviewReader(principal);
  if (E.isLeft(reader)) return reader;
  const head = await headOf(store);
  const rows = (await store.all(DEVICES_TABLE, [Query.orderAsc('$id')])).map(deviceRowOf);
  const counts = await countsOf(store, head);
  const shown: ShownDevice[] = [];
  for (const row of devicesToShow(principal, rows)) {
    shown.push({ row, status: await statusOf(store, identity, row, counts) });
  }
  return E.right(overviewOf(identity, head, shown, now));
};
