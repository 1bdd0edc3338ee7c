/**
 * Resolving a conflict (PROTOCOL.md, POST /v1/conflicts/:id/resolve): an auditor, an admin or a
 * supervisor of the document's facility picks the values of a current `field` record, and the
 * log appends them as an op of device `server.resolutions` that has seen the whole document.
 *
 * Invariants:
 * 1. Everything is decided inside the append transaction, after the append lock: the record
 *    checked is the record resolved.
 * 2. A refused resolution changes nothing: no op, no seq consumed, no quarantine row.
 * 3. The resolution op's `ctx` is the document's whole version vector, so it has seen every
 *    candidate; its author is the principal, never the body.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Kysely } from 'kysely';
import { COLLECTIONS } from '../domain/collections.ts';
import { reportValidation, type SyncError, syncError } from '../domain/errors.ts';
import { RESOLUTIONS_DEVICE } from '../domain/ids.ts';
import { CURRENT_OP_SCHEMA } from '../domain/operation.ts';
import { may } from '../domain/permissions.ts';
import type { Author, Principal } from '../domain/principal.ts';
import { normalize } from '../domain/version-vector.ts';
import type { ConflictRecord } from '../projections/conflict-record.ts';
import { conflictsOf } from '../projections/conflicts.ts';
import { type AppendEnvironment, AppendSession } from './append-session.ts';
import { claimServerDevice, type DeviceProgress, saveProgress } from './device-registry.ts';
import type { LogTables } from './log-tables.ts';
import { readConflictRecord } from './stored-json.ts';
import { facilitiesOfDocument } from './visibility.ts';

/** A resolution's answer, and the head to announce. */
export interface ResolveOutcome {
  readonly conflict: ConflictRecord;
  readonly cursor: string;
  readonly head: number;
}

/** Aborts the resolution's transaction with the answer to give. */
class Refusal extends Error {
  constructor(readonly error: SyncError) {
    super(error.message);
  }
}

const isPlainObject = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === 'object' && u !== null && !Array.isArray(u);

/** The values of a resolution: exactly the record's fields, each valid for the collection. */
export const resolutionValues = (
  record: ConflictRecord,
  data: unknown,
): E.Either<SyncError, Readonly<Record<string, unknown>>> => {
  if (!isPlainObject(data)) {
    return E.left(syncError('bad_request', 'expected the chosen values as an object', 'data'));
  }
  for (const key of Object.keys(data)) {
    if (!record.fields.includes(key)) {
      return E.left(
        syncError('bad_request', `${key} is not a field of this conflict`, `data.${key}`),
      );
    }
  }
  for (const field of record.fields) {
    if (!Object.hasOwn(data, field)) {
      return E.left(syncError('bad_request', `expected a value for ${field}`, `data.${field}`));
    }
  }
  const decoded = COLLECTIONS[record.collection].update.decode(data);
  return E.isLeft(decoded)
    ? E.left(reportValidation('bad_request', decoded.left, 'data'))
    : E.right(data);
};

/** Why a stored record cannot be resolved, if it cannot. */
export const refusalOf = (record: ConflictRecord, live: boolean): SyncError | undefined => {
  if (record.kind !== 'field') {
    return syncError(
      'not_resolvable',
      `a ${record.kind} conflict is settled by editing or restoring the document`,
    );
  }
  if (record.status === 'resolved')
    return syncError('already_resolved', 'the conflict was resolved already');
  if (!live || !record.current) {
    return syncError('stale', 'later ops changed this conflict: list the conflicts again');
  }
  return undefined;
};

/** Resolves a conflict (see the module's invariants). */
export const resolveConflict = async (
  db: Kysely<LogTables>,
  env: AppendEnvironment,
  principal: Principal,
  conflictId: string,
  data: unknown,
  now: number,
): Promise<E.Either<SyncError, ResolveOutcome>> => {
  if (!may(principal, 'resolve', [])) {
    return E.left(syncError('forbidden', `a ${principal.role} may not resolve conflicts`));
  }
  try {
    const outcome = await db.transaction().execute(async (trx) => {
      const session = await AppendSession.begin(trx, env, now);
      const row = await trx
        .selectFrom('conflicts')
        .selectAll()
        .where('id', '=', conflictId)
        .executeTakeFirst();
      if (row === undefined) throw new Refusal(syncError('not_found', `no conflict ${conflictId}`));
      const facilities = (await facilitiesOfDocument(trx, row.collection, row.doc_id)) ?? [];
      if (!may(principal, 'resolve', facilities)) {
        throw new Refusal(syncError('forbidden', 'the document is not of your facilities'));
      }
      const record = readConflictRecord(row.record);
      const refusal = refusalOf(record, row.live === 1);
      if (refusal !== undefined) throw new Refusal(refusal);
      const values = resolutionValues(record, data);
      if (E.isLeft(values)) throw new Refusal(values.left);

      const device = await claimServerDevice(trx, RESOLUTIONS_DEVICE, now);
      const progress: DeviceProgress = { ackedSeq: device.acked_seq, chainHash: device.chain_hash };
      const seq = progress.ackedSeq + 1;
      await session.cache.load([{ collection: record.collection, docId: record.docId }]);
      const vv = session.cache.get(record.collection, record.docId).view?.vv ?? {};
      const raw = {
        deviceId: RESOLUTIONS_DEVICE,
        seq,
        hlc: { ms: now, n: 0 },
        collection: record.collection,
        docId: record.docId,
        kind: 'update',
        data: values.right,
        ctx: normalize(vv),
        schema: CURRENT_OP_SCHEMA,
      };
      const author: Author = { userId: principal.userId, role: principal.role };
      const processed = await session.process(
        0,
        raw,
        { deviceId: RESOLUTIONS_DEVICE, seq },
        progress,
        author,
        {
          kind: 'server',
        },
      );
      if (processed.kind === 'rejected') {
        const { path } = processed.error;
        throw new Refusal(syncError('bad_request', processed.error.message, path));
      }
      await session.finish(1);
      await saveProgress(trx, RESOLUTIONS_DEVICE, progress, now);
      const after = conflictsOf(session.cache.get(record.collection, record.docId).state);
      const conflict = after.find((r) => r.id === record.id) ?? {
        ...record,
        status: 'resolved',
        rule: 'resolution',
        current: false,
        winner: { deviceId: RESOLUTIONS_DEVICE, seq },
        resolvedBy: { userId: principal.userId, deviceId: RESOLUTIONS_DEVICE, seq },
      };
      return {
        conflict,
        cursor: processed.op.cursor,
        head: session.head,
      };
    });
    return E.right(outcome);
  } catch (error) {
    if (error instanceof Refusal) return E.left(error.error);
    throw error;
  }
};
