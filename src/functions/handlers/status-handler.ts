/**
 * `GET /v1/status?deviceId=ID`: one device (the log decides who may see it: its owner, a
 * supervisor of the owner's facilities, admins, auditors). `GET /v1/status`: every device the
 * principal may see, for supervisors, admins and auditors.
 */
import * as E from 'fp-ts/lib/Either.js';
import { forbidden } from '../../domain/errors.ts';
import { may } from '../../domain/permissions.ts';
import { failure, ok } from '../answer.ts';
import type { SyncHandler } from '../sync-handler.ts';
import { decodeParams } from '../wire/query-params.ts';
import { encodeDeviceStatus, encodeStatusOverview, StatusQuery } from '../wire/status-messages.ts';

/** Serves a device's status or the overview (see the module). */
export const statusHandler: SyncHandler = async ({ request, principal }, deps) => {
  const query = decodeParams(StatusQuery, request.query);
  if (E.isLeft(query)) return failure(query.left);
  const { deviceId } = query.right;
  if (deviceId !== undefined) {
    const status = await deps.log.deviceStatus(principal, deviceId);
    return E.isLeft(status) ? failure(status.left) : ok(encodeDeviceStatus(status.right));
  }
  if (!may(principal, 'read_status', [])) {
    return failure(
      forbidden('the overview is for supervisors, admins and auditors; ask for your deviceId'),
    );
  }
  const overview = await deps.log.statusOverview(principal);
  return E.isLeft(overview) ? failure(overview.left) : ok(encodeStatusOverview(overview.right));
};
