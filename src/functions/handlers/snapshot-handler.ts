/** `GET /v1/snapshot?page=TOKEN`: a page of the documents visible to the principal. */
import * as E from 'fp-ts/lib/Either.js';
import type { SyncError } from '../../domain/errors.ts';
import type { Principal } from '../../domain/principal.ts';
import { type Answer, failure, okJsonText } from '../answer.ts';
import { renderAnswer } from '../render-answer.ts';
import type { BuiltPage, PageRequest } from '../snapshot-pages-ahead.ts';
import type { SyncDeps, SyncHandler } from '../sync-handler.ts';
import { decodeParams, presentOrUndefined } from '../wire/query-params.ts';
import { encodeSnapshotPieces, SnapshotQuery } from '../wire/snapshot-messages.ts';

/** Reads and renders one page, as `acceptEncoding` asks. */
const buildPage = async (
  deps: SyncDeps,
  principal: Principal,
  page: string | undefined,
  acceptEncoding: string | undefined,
): Promise<E.Either<SyncError, BuiltPage>> => {
  const read = await deps.log.snapshot(principal, page);
  if (E.isLeft(read)) return read;
  const headers: Record<string, string> =
    acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding };
  const response = await renderAnswer(okJsonText(encodeSnapshotPieces(read.right)), headers);
  return E.right({
    response,
    docs: read.right.docs.length,
    cursor: read.right.cursor,
    nextPage: read.right.nextPage,
  });
};

/** Serves a snapshot page: one built ahead for this very request, else one read now. */
export const snapshotHandler: SyncHandler = async ({ request, principal }, deps) => {
  const query = decodeParams(SnapshotQuery, request.query);
  if (E.isLeft(query)) return failure(query.left);
  const page = presentOrUndefined(query.right.page);
  const acceptEncoding = request.headers['accept-encoding'];
  const ahead = deps.snapshotPagesAhead;
  const kept =
    page === undefined || ahead === undefined
      ? undefined
      : await ahead.take({ principal, page, acceptEncoding });
  const built =
    kept === undefined ? await buildPage(deps, principal, page, acceptEncoding) : E.right(kept);
  if (E.isLeft(built)) return failure(built.left);
  const { response, docs, cursor, nextPage } = built.right;
  deps.logger.info(
    { userId: principal.userId, docs, cursor, builtAhead: kept !== undefined },
    'snapshot page',
  );
  const answer: Answer = { kind: 'rendered', response };
  if (ahead === undefined || nextPage === null) return answer;
  const next: PageRequest = { principal, page: nextPage, acceptEncoding };
  return {
    ...answer,
    after: () => ahead.buildAhead(next, () => buildPage(deps, principal, nextPage, acceptEncoding)),
  };
};
