/** `POST /v1/verify`: admins; checks the hash chains and re-derives every projection. */
import { forbidden } from '../../domain/errors.ts';
import { may } from '../../domain/permissions.ts';
import { failure, ok } from '../answer.ts';
import type { SyncHandler } from '../sync-handler.ts';
import { encodeVerifyResponse } from '../wire/verify-messages.ts';

/** Runs the log's integrity check for an admin. */
export const verifyHandler: SyncHandler = async ({ principal }, deps) => {
  if (!may(principal, 'verify', [])) return failure(forbidden('verify is for admins'));
  const report = await deps.log.verify();
  deps.logger.info(
    {
      userId: principal.userId,
      ok: report.ok,
      ...report.checked,
      problems: report.problems.length,
    },
    'verify',
  );
  return ok(encodeVerifyResponse(report));
};
