/**
 * `POST /v1/conflicts/:id/resolve` with `{"data": {field: value}}`: the log appends a resolution
 * op of `server.resolutions` that has seen every candidate. Health workers are refused at once;
 * the log checks the rest (the facility, the record's kind and state, each value).
 */
import * as E from 'fp-ts/lib/Either.js';
import { forbidden } from '../../domain/errors.ts';
import { may } from '../../domain/permissions.ts';
import { failure, ok } from '../answer.ts';
import { decodeRequestBody } from '../content-coding.ts';
import { parseJsonBody } from '../json-body.ts';
import type { SyncHandler } from '../sync-handler.ts';
import { encodeResolveResponse, ResolveRequest } from '../wire/conflict-messages.ts';
import { MAX_BODY_BYTES } from '../wire/push-messages.ts';
import { decodeParams } from '../wire/query-params.ts';

/** Resolves a conflict (see the module). */
export const resolveHandler: SyncHandler = async ({ request, params, principal }, deps) => {
  if (!may(principal, 'resolve', [])) {
    return failure(forbidden('resolutions are for auditors, admins and supervisors'));
  }
  const body = await decodeRequestBody(request.headers, request.body, MAX_BODY_BYTES);
  if (E.isLeft(body)) return failure(body.left);
  const json = parseJsonBody(body.right);
  if (E.isLeft(json)) return failure(json.left);
  const resolution = decodeParams(ResolveRequest, json.right);
  if (E.isLeft(resolution)) return failure(resolution.left);
  const conflictId = params.id ?? '';
  const result = await deps.log.resolve(principal, conflictId, resolution.right.data);
  if (E.isLeft(result)) return failure(result.left);
  deps.logger.info(
    {
      conflictId,
      userId: principal.userId,
      fields: Object.keys(resolution.right.data),
      cursor: result.right.cursor,
      dot:
        result.right.conflict.resolvedBy === null
          ? undefined
          : `${result.right.conflict.resolvedBy.deviceId}:${result.right.conflict.resolvedBy.seq}`,
    },
    'conflict resolved',
  );
  return ok(encodeResolveResponse(result.right));
};
