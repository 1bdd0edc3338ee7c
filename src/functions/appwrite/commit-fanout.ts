/**
 * After a commit made by a function, bring Appwrite up to date (DESIGN.md sections 5 and 7):
 * write the projected row of every document the new ops changed (so that apps reading rows
 * with Appwrite's SDKs see them, within their facilities' permissions), then set the
 * `sync_heads` row of every facility that can see the new ops (a Realtime poke).
 *
 * Invariants:
 * 1. The rows are derived from the log (the document's ops folded by the same reducers), never
 *    from the request, so a row always equals the log's document as of its `syncCursor`.
 * 2. A patient whose facility changed (a transfer) has its records and notifications rewritten
 *    too, so their read permission follows the patient.
 * 3. Ops appended concurrently by other executions may be included: writing a row again with
 *    the same values is harmless, and a poke costs one pull.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { DocumentRow, DocumentRowStore } from '../../adapters/appwrite/document-rows.ts';
import type { SyncHeadsStore } from '../../adapters/appwrite/sync-heads-store.ts';
import type { CollectionName } from '../../domain/collection.ts';
import { specOf } from '../../domain/collections.ts';
import { stringField } from '../../domain/document-view.ts';
import type { LoggedOp } from '../../domain/operation.ts';
import { ALL_FACILITIES } from '../../domain/principal.ts';
import type { OperationLog } from '../../log/operation-log.ts';
import { fold } from '../../projections/document-state.ts';
import { materialize } from '../../projections/materialize.ts';
import { systemPrincipal } from '../system-principal.ts';

const PAGE = 5000;
const system = () => systemPrincipal('system', 'admin');

/** A document changed by a commit. */
interface DocumentRef {
  readonly collection: CollectionName;
  readonly docId: string;
}

/** What the ops appended after `before` touched: documents, facilities, and the head read. */
export interface Touched {
  readonly documents: readonly DocumentRef[];
  /** Patients whose facility an update changed (transfers). */
  readonly placedPatients: readonly string[];
  readonly facilities: readonly string[];
  readonly head: string;
}

/** Reads the ops appended after `before`, as the system (every facility). */
export const touchedSince = async (log: OperationLog, before: string): Promise<Touched> => {
  const documents = new Map<string, DocumentRef>();
  const placed = new Set<string>();
  const facilities = new Set<string>();
  let after = before;
  let head = before;
  for (;;) {
    const page = await log.readAfter(system(), after, PAGE);
    if (E.isLeft(page)) throw new Error(`cannot read the appended ops: ${page.left.message}`);
    for (const op of page.right.ops) {
      documents.set(`${op.collection}/${op.docId}`, { collection: op.collection, docId: op.docId });
      for (const facility of op.scope) facilities.add(facility);
      // A transfer: the patient's followers written earlier must follow it. (A created
      // patient's followers are in this commit's documents already.)
      if (op.collection === 'patients' && op.kind === 'update') {
        if (Object.hasOwn(op.data, 'facilityId')) placed.add(op.docId);
      }
    }
    head = page.right.head;
    if (!page.right.hasMore) break;
    after = page.right.next;
  }
  return {
    documents: [...documents.values()],
    placedPatients: [...placed],
    facilities: [...facilities],
    head,
  };
};

const opsOf = async (log: OperationLog, ref: DocumentRef): Promise<readonly LoggedOp[]> => {
  const ops = await log.documentOps(system(), ref.collection, ref.docId);
  if (E.isLeft(ops)) {
    if (ops.left.code === 'not_found') return [];
    throw new Error(`cannot read ${ref.collection}/${ref.docId}: ${ops.left.message}`);
  }
  return ops.right;
};

/** The facilities whose teams may read the document now (PROTOCOL.md, Scope). */
const facilitiesOf = async (
  log: OperationLog,
  ref: DocumentRef,
  data: Readonly<Record<string, unknown>>,
  last: LoggedOp,
): Promise<readonly string[]> => {
  const scope = specOf(ref.collection).scope;
  switch (scope.kind) {
    case 'everyone':
      return [ALL_FACILITIES];
    case 'facility': {
      const facility = data[scope.field];
      return typeof facility === 'string' ? [facility] : last.scope;
    }
    case 'patient': {
      const patientId = data[scope.field];
      if (typeof patientId !== 'string') return last.scope;
      const patientOps = await opsOf(log, { collection: 'patients', docId: patientId });
      const patient = materialize(fold('patients', patientId, patientOps));
      const facility = stringField(patient.data, 'facilityId');
      return facility === undefined ? last.scope : [facility];
    }
    default: {
      const unreachable: never = scope;
      return unreachable;
    }
  }
};

/** The row of a document as the log holds it now, or undefined if it was never created. */
export const documentRowOf = async (
  log: OperationLog,
  ref: DocumentRef,
): Promise<DocumentRow | undefined> => {
  const ops = await opsOf(log, ref);
  const last = ops.at(-1);
  if (last === undefined) return undefined;
  const document = materialize(fold(ref.collection, ref.docId, ops));
  if (!document.exists) return undefined;
  return {
    collection: ref.collection,
    docId: ref.docId,
    data: document.data,
    deleted: document.deleted,
    cursor: last.cursor,
    facilities: await facilitiesOf(log, ref, document.data, last),
  };
};

/** Rows written at once: a large push fits in a synchronous execution's 30 s. */
const ROW_WRITERS = 8;

/** Runs `work` on every item, at most `limit` at a time; the first failure rejects. */
const eachConcurrently = async <T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> => {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      if (item !== undefined) await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
};

/** Where a commit is fanned out to. */
export interface CommitTargets {
  readonly rows: DocumentRowStore;
  readonly heads: SyncHeadsStore;
}

/** Writes the changed rows, then pokes the facilities (see the module); returns the counts. */
export const fanOutCommit = async (
  log: OperationLog,
  targets: CommitTargets,
  before: string,
): Promise<{ readonly rows: number; readonly facilities: number }> => {
  const touched = await touchedSince(log, before);
  const refs = new Map(touched.documents.map((ref) => [`${ref.collection}/${ref.docId}`, ref]));
  for (const patientId of touched.placedPatients) {
    for (const ref of await targets.rows.followersOf(patientId)) {
      refs.set(`${ref.collection}/${ref.docId}`, ref);
    }
  }
  let rows = 0;
  await eachConcurrently([...refs.values()], ROW_WRITERS, async (ref) => {
    const row = await documentRowOf(log, ref);
    if (row === undefined) return;
    await targets.rows.write(row);
    rows += 1;
  });
  if (touched.facilities.length > 0) await targets.heads.publish(touched.facilities, touched.head);
  return { rows, facilities: touched.facilities.length };
};
