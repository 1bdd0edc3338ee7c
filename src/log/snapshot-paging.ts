/**
 * The storage-free rules of a snapshot page, shared by every log backend: checking the page
 * size, reading and signing page tokens, and shaping documents and the page from what a backend
 * has read.
 *
 * Invariants:
 * 1. A page size is a whole number from 1 to `MAX_SNAPSHOT_PAGE`, else `bad_request`.
 * 2. A page token is signed like a cursor and names the snapshot's head and the last document
 *    given, `(collection, docId)`; a forged or malformed one is `bad_cursor`.
 * 3. Every page of one snapshot carries the cursor of the same head, the one read for its first
 *    page; later pages take it from their token, never from the log.
 * 4. A page has a `nextPage` only when documents remain after it and it holds at least one.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { CollectionName } from '../domain/collection.ts';
import { type SyncError, syncError } from '../domain/errors.ts';
import type { DocumentState } from '../projections/document-state.ts';
import { materialize } from '../projections/materialize.ts';
import { snapshotMeta } from '../projections/state-codec.ts';
import { encodeCursor, positionOf } from './cursor.ts';
import type { LogIdentity } from './log-identity.ts';
import type { SnapshotDoc, SnapshotPage } from './operation-log.ts';
import { signToken, verifyToken } from './signed-token.ts';

/** The most documents a snapshot page holds. */
export const MAX_SNAPSHOT_PAGE = 5000;

const PAGE_KIND = 's';

/** Where a page starts: the snapshot's head, and the last document of the page before. */
export interface PagePosition {
  readonly head: number;
  readonly after: { readonly collection: string; readonly docId: string } | undefined;
}

/** `pageSize` if it is a whole number from 1 to `MAX_SNAPSHOT_PAGE`, else `bad_request`. */
export const checkSnapshotPageSize = (pageSize: number): E.Either<SyncError, number> =>
  Number.isSafeInteger(pageSize) && pageSize >= 1 && pageSize <= MAX_SNAPSHOT_PAGE
    ? E.right(pageSize)
    : E.left(syncError('bad_request', `a snapshot page holds 1 to ${MAX_SNAPSHOT_PAGE} documents`));

const readPageToken = (identity: LogIdentity, token: string): E.Either<SyncError, PagePosition> => {
  const fields = verifyToken(identity, PAGE_KIND, token, 'snapshot page');
  if (E.isLeft(fields)) return fields;
  const [head, collection, docId] = fields.right;
  if (
    head === undefined ||
    collection === undefined ||
    docId === undefined ||
    !/^\d+$/.test(head)
  ) {
    return E.left(syncError('bad_cursor', 'the snapshot page is not one this server issued'));
  }
  return E.right({ head: Number(head), after: { collection, docId } });
};

/**
 * Where the page `page` starts: a new snapshot at the head `readHead` gives when `page` is
 * absent (the head is read only then), else the position its token names.
 */
export const pagePosition = async (
  identity: LogIdentity,
  page: string | undefined,
  readHead: () => Promise<number>,
): Promise<E.Either<SyncError, PagePosition>> =>
  page === undefined
    ? E.right({ head: await readHead(), after: undefined })
    : readPageToken(identity, page);

/** A document of a snapshot page, given as its state as of the snapshot's head. */
export const snapshotDoc = (
  collection: CollectionName,
  docId: string,
  state: DocumentState,
): SnapshotDoc => {
  const m = materialize(state);
  return { collection, docId, data: m.data, deleted: m.deleted, meta: snapshotMeta(state) };
};

/** The page of `docs` of the snapshot at `head`; `more` when documents remain after them. */
export const snapshotAnswer = (
  identity: LogIdentity,
  head: number,
  docs: readonly SnapshotDoc[],
  more: boolean,
): SnapshotPage => {
  const last = docs.at(-1);
  return {
    docs,
    cursor: encodeCursor(identity, positionOf(head)),
    nextPage:
      more && last !== undefined
        ? signToken(identity, PAGE_KIND, [String(head), last.collection, last.docId])
        : null,
  };
};
