/**
 * Device status on the SQL log (PROTOCOL.md, GET /v1/status): each device's progress, how far
 * behind the log it is, its rejected ops and the open conflicts it takes part in.
 *
 * The rules (who may see a device, where its backlog starts, which devices are stale) are
 * `device-status-rules.ts`'s; this file only reads what they need from the SQL tables.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Kysely } from 'kysely';
import type { SyncError } from '../domain/errors.ts';
import type { Principal } from '../domain/principal.ts';
import { type DeviceRow, loadDevice } from './device-registry.ts';
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
} from './device-status-rules.ts';
import { headPosition } from './log-head.ts';
import type { LogIdentity } from './log-identity.ts';
import type { LogTables } from './log-tables.ts';
import type { DeviceStatus, StatusOverview } from './operation-log.ts';
import { countVisibleAfter } from './visibility.ts';

/** Open conflicts by candidate device. */
const openConflictsByDevice = async (
  db: Kysely<LogTables>,
): Promise<ReadonlyMap<string, number>> => {
  const rows = await db
    .selectFrom('conflicts')
    .select('record')
    .where('live', '=', 1)
    .where('status', '=', 'open')
    .execute();
  return countOpenConflicts(rows, (row) => row.record);
};

/** Rejected ops by device. */
const rejectedByDevice = async (db: Kysely<LogTables>): Promise<ReadonlyMap<string, number>> => {
  const rows = await db
    .selectFrom('quarantine')
    .select((eb) => ['device_id', eb.fn.countAll<number>().as('n')])
    .groupBy('device_id')
    .execute();
  return new Map(rows.map((r) => [r.device_id, Number(r.n)]));
};

/** The counts of the whole log at `head`: rejected ops, then open conflicts. */
const countsOf = async (db: Kysely<LogTables>, head: number): Promise<StatusCounts> => ({
  head,
  rejected: await rejectedByDevice(db),
  open: await openConflictsByDevice(db),
});

/** The status of one device, given the counts of the whole log. */
const statusOf = async (
  db: Kysely<LogTables>,
  identity: LogIdentity,
  row: DeviceRow,
  counts: StatusCounts,
): Promise<DeviceStatus> => {
  const from = pulledFrom(identity, row, counts.head);
  const behind = await countVisibleAfter(db, backlogFacilities(row), from, counts.head);
  return deviceStatusOf(row, counts, behind);
};

/** The status of one device (see the rules on who may see it). */
export const deviceStatus = async (
  db: Kysely<LogTables>,
  identity: LogIdentity,
  principal: Principal,
  deviceId: string,
): Promise<E.Either<SyncError, DeviceStatus>> => {
  const row = deviceToSee(principal, deviceId, await loadDevice(db, deviceId));
  if (E.isLeft(row)) return row;
  const head = await headPosition(db);
  const counts = await countsOf(db, head);
  return E.right(await statusOf(db, identity, row.right, counts));
};

/** Every device the principal may see (the server's own left out), and the stale ones. */
export const statusOverview = async (
  db: Kysely<LogTables>,
  identity: LogIdentity,
  principal: Principal,
  now: number,
): Promise<E.Either<SyncError, StatusOverview>> => {
  const reader = overviewReader(principal);
  if (E.isLeft(reader)) return reader;
  const head = await headPosition(db);
  const rows = await db.selectFrom('devices').selectAll().orderBy('device_id').execute();
  const counts = await countsOf(db, head);
  const shown: ShownDevice[] = [];
  for (const row of devicesToShow(principal, rows)) {
    shown.push({ row, status: await statusOf(db, identity, row, counts) });
  }
  return E.right(overviewOf(identity, head, shown, now));
};
