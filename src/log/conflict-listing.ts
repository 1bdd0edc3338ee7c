/**
 * Listing conflict records (PROTOCOL.md, GET /v1/conflicts): live records by status, for
 * auditors and admins (all of them) and supervisors (their facilities'), in pages ordered by id.
 *
 * Invariants:
 * 1. The storage-free rules (`conflictPageRequest`, `conflictPageOf`) are shared with the
 *    TablesDB log, so both check a query and shape a page the same way; each log only reads.
 * 2. A page continues after a signed token naming the last id of the page before; `next` is
 *    `null` on the last page.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Kysely } from 'kysely';
import { type SyncError, syncError } from '../domain/errors.ts';
import { may } from '../domain/permissions.ts';
import type { Principal } from '../domain/principal.ts';
import type { LogIdentity } from './log-identity.ts';
import type { LogTables } from './log-tables.ts';
import type { ConflictPage, ConflictQuery } from './operation-log.ts';
import { signToken, verifyToken } from './signed-token.ts';
import { readConflictRecord } from './stored-json.ts';
import { documentVisibleTo, readingFacilities } from './visibility.ts';

/** Records per page unless the query says otherwise, and at most. */
export const DEFAULT_CONFLICT_PAGE = 100;
export const MAX_CONFLICT_PAGE = 1000;

const PAGE_KIND = 'k';

/** A checked listing query: the page size, and the id the page continues after. */
export interface ConflictPageRequest {
  readonly limit: number;
  readonly afterId: string | undefined;
}

/** Checks the principal's role and the query's limit and page token. */
export const conflictPageRequest = (
  identity: LogIdentity,
  principal: Principal,
  query: ConflictQuery,
): E.Either<SyncError, ConflictPageRequest> => {
  if (!may(principal, 'list_conflicts', [])) {
    return E.left(syncError('forbidden', `a ${principal.role} may not list conflicts`));
  }
  const limit = query.limit ?? DEFAULT_CONFLICT_PAGE;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_CONFLICT_PAGE) {
    return E.left(
      syncError('bad_request', `limit must be from 1 to ${MAX_CONFLICT_PAGE}`, 'limit'),
    );
  }
  if (query.after === undefined) return E.right({ limit, afterId: undefined });
  const fields = verifyToken(identity, PAGE_KIND, query.after, 'conflicts page');
  return E.isLeft(fields) ? fields : E.right({ limit, afterId: fields.right[0] });
};

/**
 * The page of up to `limit` records from the visible rows found in id order after the token;
 * reading one row more than `limit` tells that a next page exists.
 */
export const conflictPageOf = (
  identity: LogIdentity,
  found: readonly { readonly id: string; readonly record: string }[],
  limit: number,
): ConflictPage => {
  const page = found.slice(0, limit);
  const last = page.at(-1);
  return {
    conflicts: page.map((row) => readConflictRecord(row.record)),
    next:
      found.length > limit && last !== undefined ? signToken(identity, PAGE_KIND, [last.id]) : null,
  };
};

/** A page of the conflict records the principal may list. */
export const listConflicts = async (
  db: Kysely<LogTables>,
  identity: LogIdentity,
  principal: Principal,
  query: ConflictQuery,
): Promise<E.Either<SyncError, ConflictPage>> => {
  const request = conflictPageRequest(identity, principal, query);
  if (E.isLeft(request)) return request;
  const { limit, afterId } = request.right;

  let select = db.selectFrom('conflicts').select(['id', 'record']).where('live', '=', 1);
  if (query.status !== 'all') select = select.where('status', '=', query.status);
  if (query.collection !== undefined) select = select.where('collection', '=', query.collection);
  if (afterId !== undefined) select = select.where('id', '>', afterId);
  const facilities = readingFacilities(principal);
  if (facilities !== undefined) select = select.where(documentVisibleTo(facilities, 'conflicts'));
  const rows = await select
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  return E.right(conflictPageOf(identity, rows, limit));
};
