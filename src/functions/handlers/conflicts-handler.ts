/**
 * `GET /v1/conflicts?status=&collection=&after=`: conflict records, `open` by default, for
 * auditors, admins and supervisors (of their facilities: the log filters).
 */
import * as E from 'fp-ts/lib/Either.js';
import { forbidden } from '../../domain/errors.ts';
import { may } from '../../domain/permissions.ts';
import type { ConflictQuery } from '../../log/operation-log.ts';
import { failure, ok } from '../answer.ts';
import type { SyncHandler } from '../sync-handler.ts';
import { ConflictsQuery, encodeConflictsResponse } from '../wire/conflict-messages.ts';
import { decodeParams, presentOrUndefined } from '../wire/query-params.ts';

/** Lists conflict records (see the module). */
export const conflictsHandler: SyncHandler = async ({ request, principal }, deps) => {
  if (!may(principal, 'list_conflicts', [])) {
    return failure(forbidden('conflicts are for auditors, admins and supervisors'));
  }
  const query = decodeParams(ConflictsQuery, request.query);
  if (E.isLeft(query)) return failure(query.left);
  const { collection } = query.right;
  const after = presentOrUndefined(query.right.after);
  const conflictQuery: ConflictQuery = {
    status: query.right.status ?? 'open',
    ...(collection === undefined ? {} : { collection }),
    ...(after === undefined ? {} : { after }),
  };
  const page = await deps.log.conflicts(principal, conflictQuery);
  if (E.isLeft(page)) return failure(page.left);
  return ok(encodeConflictsResponse(page.right));
};
