/**
 * Loading the reference data at start, idempotently: a document already in the log (from an
 * earlier start, or another instance) is left alone; the missing ones are created in one append
 * of the server's `server.seed` device, as the system. Two instances starting together on one
 * database may both try a create; the log rejects the second (a create of an existing id), which
 * counts here as present.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { SyncError } from '../domain/errors.ts';
import { SEED_DEVICE } from '../domain/ids.ts';
import type { OperationLog, ServerOpDraft } from '../log/operation-log.ts';
import { REFERENCE_DATA, type ReferenceDoc } from './reference-data.ts';
import { systemPrincipal } from './system-principal.ts';

/** What a load did: documents created, documents already there, ops the log rejected. */
export interface SeedReport {
  readonly created: number;
  readonly present: number;
  readonly rejected: readonly { readonly docId: string; readonly reason: string }[];
}

/** Creates the documents of `docs` that the log does not hold yet. */
export const seedReferenceData = async (
  log: OperationLog,
  docs: readonly ReferenceDoc[] = REFERENCE_DATA,
): Promise<E.Either<SyncError, SeedReport>> => {
  const admin = systemPrincipal('seed', 'admin');
  const missing: ReferenceDoc[] = [];
  for (const doc of docs) {
    const ops = await log.documentOps(admin, doc.collection, doc.docId);
    if (E.isLeft(ops) && ops.left.code !== 'not_found') return E.left(ops.left);
    if (E.isLeft(ops) || ops.right.length === 0) missing.push(doc);
  }
  if (missing.length === 0) return E.right({ created: 0, present: docs.length, rejected: [] });
  const drafts: ServerOpDraft[] = missing.map((doc) => ({
    collection: doc.collection,
    docId: doc.docId,
    kind: 'create',
    data: doc.data,
  }));
  const result = await log.appendAsServer(
    SEED_DEVICE,
    { userId: 'system', role: 'system' },
    drafts,
  );
  if (E.isLeft(result)) return E.left(result.left);
  let raced = 0;
  const rejected: { docId: string; reason: string }[] = [];
  for (const [i, r] of result.right.results.entries()) {
    if (r.status !== 'rejected') continue;
    // Another instance created it between our look and our append (`invalid` at `docId`).
    if (r.error.code === 'invalid' && r.error.path === 'docId') raced += 1;
    else rejected.push({ docId: missing[i]?.docId ?? '?', reason: r.error.message });
  }
  return E.right({
    created: missing.length - raced - rejected.length,
    present: docs.length - missing.length + raced,
    rejected,
  });
};
