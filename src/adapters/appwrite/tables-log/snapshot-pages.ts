/**
 * Snapshots on the TablesDB log (the rules are `src/log/snapshot.ts`'s): the documents visible
 * to the principal as of one cursor, in pages ordered by (collection, id), from the collections'
 * rows.
 *
 * Invariants:
 * 1. Every page of one snapshot carries the same cursor, the head when its first page was made;
 *    a document changed since is re-folded from its ops up to it, one created since is left out
 *    (`syncCreated` above the head).
 * 2. Which documents are visible is decided now, by their own facilities or their patient's.
 * 3. Page tokens are signed like cursors: a forged one is `bad_cursor`.
 */
import * as E from 'fp-ts/lib/Either.js';
import { Query } from 'node-appwrite';
import type { CollectionName, DocumentData } from '../../../domain/collection.ts';
import { COLLECTION_NAMES, COLLECTIONS } from '../../../domain/collections.ts';
import { type SyncError, syncError } from '../../../domain/errors.ts';
import type { Principal } from '../../../domain/principal.ts';
import { encodeCursor, positionOf } from '../../../log/cursor.ts';
import { patientIdOf } from '../../../log/document-scope.ts';
import type { LogIdentity } from '../../../log/log-identity.ts';
import { readOpRow } from '../../../log/op-rows.ts';
import type { SnapshotDoc, SnapshotPage } from '../../../log/operation-log.ts';
import { signToken, verifyToken } from '../../../log/signed-token.ts';
import { MAX_SNAPSHOT_PAGE } from '../../../log/snapshot.ts';
import { readingFacilities } from '../../../log/visibility.ts';
import { fold } from '../../../projections/document-state.ts';
import { materialize } from '../../../projections/materialize.ts';
import { snapshotMeta } from '../../../projections/state-codec.ts';
import { LIST_PAGE, type LogStore } from './log-store.ts';
import { documentOfRow } from './projected-documents.ts';
import { headOf } from './pull-reads.ts';
import { documentOpRows } from './visible-ops.ts';

const PAGE_KIND = 's';

interface PagePosition {
  readonly head: number;
  readonly after: { readonly collection: string; readonly docId: string } | undefined;
}

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

/** The collections in the order snapshots go through them. */
const ORDERED: readonly CollectionName[] = [...COLLECTION_NAMES].sort();

/** One page of the principal's snapshot (see the module's invariants). */
export const snapshotPage = async (
  store: LogStore,
  identity: LogIdentity,
  principal: Principal,
  page: string | undefined,
  pageSize: number = MAX_SNAPSHOT_PAGE,
): Promise<E.Either<SyncError, SnapshotPage>> => {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > MAX_SNAPSHOT_PAGE) {
    return E.left(
      syncError('bad_request', `a snapshot page holds 1 to ${MAX_SNAPSHOT_PAGE} documents`),
    );
  }
  const position =
    page === undefined
      ? E.right<SyncError, PagePosition>({ head: await headOf(store), after: undefined })
      : readPageToken(identity, page);
  if (E.isLeft(position)) return position;
  const { head, after } = position.right;
  const facilities = readingFacilities(principal);
  const patientFacilities = new Map<string, readonly string[]>();
  const visible = async (
    collection: CollectionName,
    own: readonly string[],
    data: DocumentData,
  ): Promise<boolean> => {
    if (facilities === undefined) return true;
    if (own.some((f) => facilities.includes(f))) return true;
    const patientId = patientIdOf(collection, data);
    if (patientId === undefined) return false;
    let of = patientFacilities.get(patientId);
    if (of === undefined) {
      const row = await store.get('patients', patientId);
      of = row === undefined ? [] : documentOfRow('patients', row).facilities;
      patientFacilities.set(patientId, of);
    }
    return of.some((f) => facilities.includes(f));
  };

  const docs: SnapshotDoc[] = [];
  let full = false;
  for (const collection of ORDERED) {
    if (after !== undefined && collection < after.collection) continue;
    // Documents with facilities of their own are filtered by Appwrite; those that follow a
    // patient are checked against the patient's row, here.
    const ownOnly = facilities !== undefined && COLLECTIONS[collection].scope.kind !== 'patient';
    const queries = [
      Query.isNotNull('syncState'),
      ...(ownOnly ? [Query.contains('syncFacilities', [...facilities])] : []),
      Query.lessThanEqual('syncCreated', head),
      ...(after !== undefined && collection === after.collection
        ? [Query.greaterThan('$id', after.docId)]
        : []),
      Query.orderAsc('$id'),
    ];
    let cursor: string | undefined;
    while (!full) {
      const rows = await store.page(collection, queries, LIST_PAGE, cursor);
      for (const row of rows) {
        const doc = documentOfRow(collection, row);
        if (!(await visible(collection, doc.facilities, doc.view?.data ?? {}))) continue;
        if (docs.length === pageSize) {
          full = true;
          break;
        }
        const state =
          doc.lastPosition <= head
            ? doc.state
            : fold(
                collection,
                doc.docId,
                (await documentOpRows(store, collection, doc.docId, head)).map((r) =>
                  readOpRow(identity, r),
                ),
              );
        const m = materialize(state);
        docs.push({
          collection,
          docId: doc.docId,
          data: m.data,
          deleted: m.deleted,
          meta: snapshotMeta(state),
        });
      }
      const last = rows.at(-1);
      if (rows.length < LIST_PAGE || last === undefined) break;
      cursor = last.$id;
    }
    if (full) break;
  }
  const last = docs.at(-1);
  return E.right({
    docs,
    cursor: encodeCursor(identity, positionOf(head)),
    nextPage:
      full && last !== undefined
        ? signToken(identity, PAGE_KIND, [String(head), last.collection, last.docId])
        : null,
  });
};
