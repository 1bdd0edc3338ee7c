/**
 * Rewriting every projected row in Appwrite from the log (`immune-sync appwrite sync-rows`):
 * the repair for rows that lag (a function stopped between its commit and its fan-out), and
 * the way to fill the tables of a project that is added to an existing log.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { DocumentRowStore } from '../../adapters/appwrite/document-rows.ts';
import type { OperationLog } from '../../log/operation-log.ts';
import { systemPrincipal } from '../system-principal.ts';
import { documentRowOf } from './commit-fanout.ts';

/** Writes the row of every document of the log; returns how many. */
export const resyncRows = async (
  log: OperationLog,
  rows: DocumentRowStore,
  progress: (written: number) => void = () => undefined,
): Promise<number> => {
  const system = systemPrincipal('system', 'admin');
  let written = 0;
  let page: string | undefined;
  do {
    const snapshot = await log.snapshot(system, page);
    if (E.isLeft(snapshot)) throw new Error(`cannot read the documents: ${snapshot.left.message}`);
    for (const doc of snapshot.right.docs) {
      const row = await documentRowOf(log, { collection: doc.collection, docId: doc.docId });
      if (row === undefined) continue;
      await rows.write(row);
      written += 1;
      progress(written);
    }
    page = snapshot.right.nextPage ?? undefined;
  } while (page !== undefined);
  return written;
};
