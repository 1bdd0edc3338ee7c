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
 *
 * The storage-free rules (page size, page tokens, shaping the page) are
 * `src/log/snapshot-paging.ts`'s; this module holds the TablesDB reads.
 */
import * as E from 'fp-ts/lib/Either.js';
import { Query } from 'node-appwrite';
import type { CollectionName, DocumentData } from '../../../domain/collection.ts';
import { COLLECTION_NAMES, COLLECTIONS } from '../../../domain/collections.ts';
import type { SyncError } from '../../../domain/errors.ts';
import type { Principal } from '../../../domain/principal.ts';
import { patientIdOf } from '../../../log/document-scope.ts';
import type { LogIdentity } from '../../../log/log-identity.ts';
import { readOpRow } from '../../../log/op-rows.ts';
import type { SnapshotDoc, SnapshotPage } from '../../../log/operation-log.ts';
import {
  checkSnapshotPageSize,
  DEFAULT_SNAPSHOT_PAGE,
  pagePosition,
  snapshotAnswer,
  snapshotDoc,
} from '../../../log/snapshot-paging.ts';
import { readingFacilities } from '../../../log/visibility.ts';
import { fold } from '../../../projections/document-state.ts';
import { LIST_PAGE, type LogStore } from './log-store.ts';
import { documentOfRow } from './projected-documents.ts';
import { headOf } from './pull-reads.ts';
import { documentOpRows } from './visible-ops.ts';

/** The collections in the order snapshots go through them. */
const ORDERED: readonly CollectionName[] = [...COLLECTION_NAMES].sort();

/** One page of the principal's snapshot (see the module's invariants). */
export const snapshotPage = async (
  store: LogStore,
  identity: LogIdentity,
  principal: Principal,
  page: string | undefined,
  pageSize: number = DEFAULT_SNAPSHOT_PAGE,
): Promise<E.Either<SyncError, SnapshotPage>> => {
  const checked = checkSnapshotPageSize(pageSize);
  if (E.isLeft(checked)) return checked;
  const position = await pagePosition(identity, page, () => headOf(store));
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
        docs.push(snapshotDoc(collection, doc.docId, state));
      }
      const last = rows.at(-1);
      if (rows.length < LIST_PAGE || last === undefined) break;
      cursor = last.$id;
    }
    if (full) break;
  }
  return E.right(snapshotAnswer(identity, head, docs, full));
};
