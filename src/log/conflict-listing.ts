/**
 * Listing conflict records (PROTOCOL.md, GET /v1/conflicts): live records by status, for
 * auditors and admins (all of them) and supervisors (their facilities'), in pages ordered by id.
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

/** A page of the conflict records the principal may list. */
export const listConflicts = async (
  db: Kysely<LogTables>,
  identity: LogIdentity,
  principal: Principal,
  query: ConflictQuery,
): Promise<E.Either<SyncError, ConflictPage>> => {
  if (!may(principal, 'list_conflicts', [])) {
    return E.left(syncError('forbidden', `a ${principal.role} may not list conflicts`));
  }
  const limit = query.limit ?? DEFAULT_CONFLICT_PAGE;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_CONFLICT_PAGE) {
    return E.left(
      syncError('bad_request', `limit must be from 1 to ${MAX_CONFLICT_PAGE}`, 'limit'),
    );
  }
  let afterId: string | undefined;
  if (query.after !== undefined) {
    const fields = verifyToken(identity, PAGE_KIND, query.after, 'conflicts page');
    if (E.isLeft(fields)) return fields;
    afterId = fields.right[0];
  }

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

  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return E.right({
    conflicts: page.map((row) => readConflictRecord(row.record)),
    next:
      rows.length > limit && last !== undefined ? signToken(identity, PAGE_KIND, [last.id]) : null,
  });
};
