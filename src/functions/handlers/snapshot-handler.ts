/** `GET /v1/snapshot?page=TOKEN`: a page of the documents visible to the principal. */
import * as E from 'fp-ts/lib/Either.js';
import { failure, okJsonText } from '../answer.ts';
import type { SyncHandler } from '../sync-handler.ts';
import { decodeParams, presentOrUndefined } from '../wire/query-params.ts';
import { encodeSnapshotText, SnapshotQuery } from '../wire/snapshot-messages.ts';

/** Serves a snapshot page. */
export const snapshotHandler: SyncHandler = async ({ request, principal }, deps) => {
  const query = decodeParams(SnapshotQuery, request.query);
  if (E.isLeft(query)) return failure(query.left);
  const page = await deps.log.snapshot(principal, presentOrUndefined(query.right.page));
  if (E.isLeft(page)) return failure(page.left);
  deps.logger.info(
    { userId: principal.userId, docs: page.right.docs.length, cursor: page.right.cursor },
    'snapshot page',
  );
  return okJsonText(encodeSnapshotText(page.right));
};
