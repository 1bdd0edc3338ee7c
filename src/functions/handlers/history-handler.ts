/**
 * `GET /v1/history/:collection/:docId?asOf=CURSOR`: auditors, admins, and supervisors of the
 * document's facility (the log knows the facility and checks it; health workers are refused
 * here at once).
 */
import * as E from 'fp-ts/lib/Either.js';
import { forbidden, syncError } from '../../domain/errors.ts';
import { may } from '../../domain/permissions.ts';
import { failure, ok } from '../answer.ts';
import { documentAddressOf } from '../document-address.ts';
import type { SyncHandler } from '../sync-handler.ts';
import { encodeHistoryResponse, HistoryQuery } from '../wire/history-messages.ts';
import { decodeParams, presentOrUndefined } from '../wire/query-params.ts';

/** Serves a document's history (see the module). */
export const historyHandler: SyncHandler = async ({ request, params, principal }, deps) => {
  if (!may(principal, 'read_history', [])) {
    return failure(forbidden('history is for auditors, admins and supervisors'));
  }
  const query = decodeParams(HistoryQuery, request.query);
  if (E.isLeft(query)) return failure(query.left);
  const address = documentAddressOf(params);
  if (address === undefined) return failure(syncError('not_found', 'no such document'));
  const history = await deps.log.history(
    principal,
    address.collection,
    address.docId,
    presentOrUndefined(query.right.asOf),
  );
  if (E.isLeft(history)) return failure(history.left);
  return ok(encodeHistoryResponse(history.right));
};
