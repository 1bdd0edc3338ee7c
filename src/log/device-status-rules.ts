/**
 * The rules of device status (PROTOCOL.md, GET /v1/status), shared by every log backend. Each
 * backend reads the devices, the head and the counts from its own storage; these pure functions
 * decide who sees what and shape the answer, so that the backends answer alike.
 *
 * 1. Who may see a device: its owner, a supervisor of its owner's facilities, an admin or an
 *    auditor (`maySee`).
 * 2. An unknown device is `not_found` for admins and auditors, `forbidden` for the rest (so that
 *    nobody else can probe which device ids exist).
 * 3. How far behind a device is counts from its pulled cursor when that cursor verifies against
 *    this log and its head, else from the start of the log; only ops its owner may read count.
 * 4. The overview leaves out reserved devices (the server's own) and those the principal may not
 *    see, keeps the order it is given, and calls a device stale when neither a push nor a pull
 *    came within `STALE_AFTER_MS` of `now`.
 */
import * as E from 'fp-ts/lib/Either.js';
import { type SyncError, syncError } from '../domain/errors.ts';
import { isReservedDevice } from '../domain/ids.ts';
import { may } from '../domain/permissions.ts';
import { type Principal, readsEverything } from '../domain/principal.ts';
import { decodeCursor, encodeCursor, type LogPosition, positionOf, START } from './cursor.ts';
import { type DeviceRow, ownerOf } from './device-registry.ts';
import type { LogIdentity } from './log-identity.ts';
import type { DeviceStatus, StatusOverview } from './operation-log.ts';
import { readConflictRecord } from './stored-json.ts';
import { readingFacilities } from './visibility.ts';

/** A device with no push or pull for this long is stale. */
export const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

/** What a backend reads of the whole log before it gives any device's status. */
export interface StatusCounts {
  /** The log's head position. */
  readonly head: number;
  /** Rejected (quarantined) ops by device. */
  readonly rejected: ReadonlyMap<string, number>;
  /** Open conflicts by candidate device. */
  readonly open: ReadonlyMap<string, number>;
}

/** A device shown in the overview, with the row it was read from. */
export interface ShownDevice {
  readonly row: DeviceRow;
  readonly status: DeviceStatus;
}

const isoOrNull = (ms: number | null): string | null =>
  ms === null ? null : new Date(ms).toISOString();

const notYours = (deviceId: string): SyncError =>
  syncError('forbidden', `device ${deviceId} is not yours to see`);

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

/** The device the principal asked for, or why they may not see it (rules 1 and 2). */
export const deviceToSee = (
  principal: Principal,
  deviceId: string,
  row: DeviceRow | undefined,
): E.Either<SyncError, DeviceRow> => {
  if (row === undefined) {
    return E.left(
      readsEverything(principal.role)
        ? syncError('not_found', `no device ${deviceId}`)
        : notYours(deviceId),
    );
  }
  return maySee(principal, row) ? E.right(row) : E.left(notYours(deviceId));
};

/** The principal, when they may read the overview of devices. */
export const overviewReader = (principal: Principal): E.Either<SyncError, Principal> =>
  may(principal, 'read_status', [])
    ? E.right(principal)
    : E.left(syncError('forbidden', `a ${principal.role} may not read the status of devices`));

/** The devices the overview shows, in the order given (rule 4). */
export const devicesToShow = (
  principal: Principal,
  rows: readonly DeviceRow[],
): readonly DeviceRow[] =>
  rows.filter((row) => !isReservedDevice(row.device_id) && maySee(principal, row));

/** Where a device's backlog starts: its pulled cursor if it verifies, else the start (rule 3). */
export const pulledFrom = (identity: LogIdentity, row: DeviceRow, head: number): LogPosition => {
  const pulled =
    row.pulled_cursor === null ? undefined : decodeCursor(identity, row.pulled_cursor, head);
  return pulled !== undefined && E.isRight(pulled) ? pulled.right : START;
};

/** The facilities whose ops count in a device's backlog (undefined: the whole log). */
export const backlogFacilities = (row: DeviceRow): readonly string[] | undefined => {
  const owner = ownerOf(row);
  return owner === undefined ? undefined : readingFacilities(owner);
};

/**
 * Open conflicts by candidate device: a conflict counts once for each device among its
 * candidates. `recordOf` gives a row's stored conflict record; rows are read in order.
 */
export const countOpenConflicts = <R>(
  rows: readonly R[],
  recordOf: (row: R) => string,
): ReadonlyMap<string, number> => {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const devices = new Set(readConflictRecord(recordOf(row)).candidates.map((c) => c.deviceId));
    for (const d of devices) counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  return counts;
};

/** A device's status, given the counts of the whole log and how many ops it is behind. */
export const deviceStatusOf = (
  row: DeviceRow,
  counts: StatusCounts,
  behind: number,
): DeviceStatus => ({
  deviceId: row.device_id,
  userId: row.user_id,
  ackedSeq: row.acked_seq,
  lastPushAt: isoOrNull(row.last_push_at),
  lastPullAt: isoOrNull(row.last_pull_at),
  pulledCursor: row.pulled_cursor,
  behind,
  rejected: counts.rejected.get(row.device_id) ?? 0,
  openConflicts: counts.open.get(row.device_id) ?? 0,
});

/** True when the device has neither pushed nor pulled within `STALE_AFTER_MS` of `now`. */
export const isStale = (row: DeviceRow, now: number): boolean =>
  Math.max(row.last_push_at ?? 0, row.last_pull_at ?? 0) < now - STALE_AFTER_MS;

/** The overview of the shown devices, in their order, with the stale ones (rule 4). */
export const overviewOf = (
  identity: LogIdentity,
  head: number,
  shown: readonly ShownDevice[],
  now: number,
): StatusOverview => ({
  head: encodeCursor(identity, positionOf(head)),
  devices: shown.map((d) => d.status),
  stale: shown.filter((d) => isStale(d.row, now)).map((d) => d.status),
});
