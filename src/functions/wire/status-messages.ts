/**
 * `GET /v1/status?deviceId=ID` and `GET /v1/status` (PROTOCOL.md): one device's sync state, or
 * every device the principal may see with the stale ones apart.
 */
import * as t from 'io-ts';
import { DeviceId } from '../../domain/ids.ts';
import type { DeviceStatus, StatusOverview } from '../../log/operation-log.ts';

/** The status query parameters. */
export const StatusQuery = t.exact(t.partial({ deviceId: DeviceId }), 'StatusQuery');

const NullableText = t.union([t.string, t.null]);

/** One device's state. */
export const DeviceStatusJson = t.type(
  {
    deviceId: t.string,
    userId: t.string,
    ackedSeq: t.number,
    lastPushAt: NullableText,
    lastPullAt: NullableText,
    pulledCursor: NullableText,
    behind: t.number,
    rejected: t.number,
    openConflicts: t.number,
  },
  'DeviceStatus',
);
export type DeviceStatusJson = t.TypeOf<typeof DeviceStatusJson>;

/** Every device the principal may see. */
export const StatusOverviewJson = t.type(
  { head: t.string, devices: t.array(DeviceStatusJson), stale: t.array(DeviceStatusJson) },
  'StatusOverview',
);
export type StatusOverviewJson = t.TypeOf<typeof StatusOverviewJson>;

/** The wire form of one device's state (exactly PROTOCOL.md's keys). */
export const encodeDeviceStatus = (status: DeviceStatus): DeviceStatusJson => ({
  deviceId: status.deviceId,
  userId: status.userId,
  ackedSeq: status.ackedSeq,
  lastPushAt: status.lastPushAt,
  lastPullAt: status.lastPullAt,
  pulledCursor: status.pulledCursor,
  behind: status.behind,
  rejected: status.rejected,
  openConflicts: status.openConflicts,
});

/** The wire form of the overview. */
export const encodeStatusOverview = (overview: StatusOverview): StatusOverviewJson => ({
  head: overview.head,
  devices: overview.devices.map(encodeDeviceStatus),
  stale: overview.stale.map(encodeDeviceStatus),
});
