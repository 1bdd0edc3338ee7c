/**
 * Replay (DESIGN.md section 4): rebuilds every document's projection, facilities and conflict
 * records from the log, as `rematerialize-from-eventlog` does in LiveStore. The log is the
 * truth; everything replay writes is derived from it.
 *
 * Invariants:
 * 1. It runs in one transaction holding the append lock: appends wait, readers see the old
 *    projection or the new one, never a half-built one.
 * 2. Conflict rows are not deleted but marked not live, then the derived ones made live again,
 *    so `resolve` still tells `stale` from `not_found`.
 * 3. Replayed as of a cursor, the projection stands as of it (a tool for audits): `verify` then
 *    reports the documents the later ops changed, and a replay without a cursor restores them.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Kysely } from 'kysely';
import { CollectionNameCodec } from '../domain/collections.ts';
import { fold } from '../projections/document-state.ts';
import { viewOf } from '../projections/materialize.ts';
import { CompiledInserts } from './compiled-inserts.ts';
import { decodeCursor } from './cursor.ts';
import type { CachedDocument } from './document-cache.ts';
import { ownFacilitiesOf } from './document-scope.ts';
import { forEachDocument } from './document-stream.ts';
import type { LogDialect } from './log-dialect.ts';
import { headPosition } from './log-head.ts';
import type { LogIdentity } from './log-identity.ts';
import type { LogTables } from './log-tables.ts';
import { readOpRow } from './op-rows.ts';
import type { Progress } from './operation-log.ts';
import { writeDocuments } from './pending-writes.ts';

const WRITE_BATCH = 500;

/** Rebuilds the projections from the log, up to `asOf` (default: the head). */
export const replayLog = async (
  db: Kysely<LogTables>,
  identity: LogIdentity,
  dialect: LogDialect,
  asOf: string | undefined,
  progress?: Progress,
): Promise<{ readonly documents: number; readonly ops: number }> =>
  db.transaction().execute(async (trx) => {
    await dialect.serializeAppends(trx, identity.lockKey);
    const inserts = new CompiledInserts();
    const head = await headPosition(trx);
    let upTo = head;
    if (asOf !== undefined) {
      const position = decodeCursor(identity, asOf, head);
      if (E.isLeft(position))
        throw new Error(`cannot replay as of that cursor: ${position.left.message}`);
      upTo = position.right.at;
    }
    await trx.updateTable('conflicts').set({ live: 0 }).execute();
    await trx.deleteFrom('document_facilities').execute();
    await trx.deleteFrom('documents').execute();

    let documents = 0;
    let ops = 0;
    let batch: CachedDocument[] = [];
    await forEachDocument(trx, upTo, async ({ collection: name, docId, rows }) => {
      const collection = CollectionNameCodec.decode(name);
      if (E.isLeft(collection))
        throw new Error(`the log holds an op of unknown collection ${name}`);
      const logged = rows.map((row) => readOpRow(identity, row));
      const state = fold(collection.right, docId, logged);
      const view = viewOf(state);
      batch.push({
        collection: collection.right,
        docId,
        state,
        view,
        facilities: ownFacilitiesOf(collection.right, view?.data ?? {}, logged.at(-1)?.scope ?? []),
        storedFacilities: undefined,
        storedPatientId: undefined,
        storedConflicts: [],
        createdPosition: rows[0]?.position ?? 0,
        lastPosition: rows.at(-1)?.position ?? 0,
        lastScope: logged.at(-1)?.scope ?? [],
      });
      documents += 1;
      ops += rows.length;
      progress?.(ops, upTo);
      if (batch.length >= WRITE_BATCH) {
        await writeDocuments(trx, batch, dialect.maxParameters, inserts);
        batch = [];
      }
    });
    await writeDocuments(trx, batch, dialect.maxParameters, inserts);
    return { documents, ops };
  });
