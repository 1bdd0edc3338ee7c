/**
 * `GET /v1/ops/:collection/:docId`: every logged op of one document visible to the principal.
 * An unknown collection or a malformed id names no document: `404 not_found`, like a document
 * the principal cannot see.
 */
import * as E from 'fp-ts/lib/Either.js';
import { syncError } from '../../domain/errors.ts';
import { encodeLoggedOp } from '../../domain/operation.ts';
import { failure, ok } from '../answer.ts';
import { documentAddressOf } from '../document-address.ts';
import type { SyncHandler } from '../sync-handler.ts';

/** Serves one document's ops (see the module). */
export const documentOpsHandler: SyncHandler = async ({ params, principal }, deps) => {
  const address = documentAddressOf(params);
  if (address === undefined) return failure(syncError('not_found', 'no such document'));
  const ops = await deps.log.documentOps(principal, address.collection, address.docId);
  if (E.isLeft(ops)) return failure(ops.left);
  return ok({ ops: ops.right.map(encodeLoggedOp) });
};
