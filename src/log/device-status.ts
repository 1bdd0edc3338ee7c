/**
 * Device status (PROTOCOL.md, GET /v1/status): each device's progress, how far behind the log
 * it is, its rejected ops and the open conflicts it takes part in.
 *
 * Who may see a device: its owner, a supervisor of its owner's facilities, an admin or an
 * auditor. An unknown device is `not_found` for admins and auditors, `forbidden` for the rest
 * (so that nobody else can probe which device ids exist).
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Kysely } from 'kysely';
import { type SyncError, syncError } from '../domain/errors.ts';
import { isReservedDevice } from '../domain/ids.ts';
import { may } from '../domain/permissions.ts';
import { type Principal, readsEverything } from '../domain/principal.ts';
import { decodeCursor, encodeCursor, positionOf, START } from './cursor.ts';
import { type DeviceRow, loadDevice, ownerOf } from './device-registry.ts';
import { headPosition } from './log-head.ts';
import type { LogIdentity } from './log-identity.ts';
import type { LogTables } from './log-tables.ts';
import type { DeviceStatus, StatusOverview } from './operation-log.ts';
import { readConflictRecord } from './stored-json.ts';
import { countVisibleAfter, readingFacilities } from './visibility.ts';

/** A device with no push or pull for this long is stale. */
export const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

const isoOrNull = (ms: number | null): string | null =>
  ms === null ? null : new Date(ms).toISOString();

/**
 * True when the principal may see the device's status. An owner without facilities of their own
 * (an admin, an auditor, a list of `*`, the server) is everyone's, so only admins and auditors
 * see their devices besides themselves.
 */
export const maySee = (principal: Principal, row: DeviceRow): boolean => {
  if (principal.userId === row.user_id) return true;
  const owner = ownerOf(row);
  if (
    owner === undefined ||
    readingFacilities(owner) === undefined ||
    owner.facilityIds.length === 0
  ) {
    return readsEverything(principal.role);
  }
  return may(principal, 'read_status', owner.facilityIds);
};

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
  const counts = new Map<string, number>();
  for (const row of rows) {
    const devices = new Set(readConflictRecord(row.record).candidates.map((c) => c.deviceId));
    for (const d of devices) counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  return counts;
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

/** The status of one device, given the counts of the whole log. */
const statusOf = async (
  db: Kysely<LogTables>,
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
    db,
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

/** The status of one device (see the module's rules on who may see it). */
export const deviceStatus = async (
  db: Kysely<LogTables>,
  identity: LogIdentity,
  principal: Principal,
  deviceId: string,
): Promise<E.Either<SyncError, DeviceStatus>> => {
  const row = await loadDevice(db, deviceId);
  if (row === undefined) {
    return E.left(
      readsEverything(principal.role)
        ? syncError('not_found', `no device ${deviceId}`)
        : syncError('forbidden', `device ${deviceId} is not yours to see`),
    );
  }
  if (!maySee(principal, row))
    return E.left(syncError('forbidden', `device ${deviceId} is not yours to see`));
  const head = await headPosition(db);
  return E.right(
    await statusOf(
      db,
      identity,
      row,
      head,
      await rejectedByDevice(db),
      await openConflictsByDevice(db),
    ),
  );
};

/** Every device the principal may see (the server's own left out), and the stale ones. */
export const statusOverview = async (
  db: Kysely<LogTables>,
  identity: LogIdentity,
  principal: Principal,
  now: number,
): Promise<E.Either<SyncError, StatusOverview>> => {
  if (!may(principal, 'read_status', [])) {
    return E.left(syncError('forbidden', `a ${principal.role} may not read the status of devices`));
  }
  const head = await headPosition(db);
  const rows = await db.selectFrom('devices').selectAll().orderBy('device_id').execute();
  const rejected = await rejectedByDevice(db);
  const open = await openConflictsByDevice(db);
  const devices: DeviceStatus[] = [];
  const stale: DeviceStatus[] = [];
  for (const row of rows) {
    if (isReservedDevice(row.device_id) || !maySee(principal, row)) continue;
    const status = await statusOf(db, identity, row, head, rejected, open);
    devices.push(status);
    const lastSeen = Math.max(row.last_push_at ?? 0, row.last_pull_at ?? 0);
    if (lastSeen < now - STALE_AFTER_MS) stale.push(status);
  }
  return E.right({ head: encodeCursor(identity, positionOf(head)), devices, stale });
};
