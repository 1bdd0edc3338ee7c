/**
 * The rules of resolving a conflict, apart from storage (PROTOCOL.md, POST
 * /v1/conflicts/:id/resolve): who may resolve, which records can be resolved with which values,
 * the op that carries the values and the record to answer with. The SQL log (`resolve.ts`) and
 * the TablesDB log (its `resolve-conflict.ts`) read the conflict row and the document, then ask
 * these functions, so both give the same answers and the same refusals.
 *
 * Invariants:
 * 1. Pure: nothing here reads or writes a store; each function's answer depends on its inputs.
 * 2. Refusals come in one order: the principal's role (`forbidden`), the conflict's existence
 *    (`not_found`), the document's facilities (`forbidden`), the record (`not_resolvable`,
 *    `already_resolved`, `stale`), then the values (`bad_request`).
 * 3. The resolution op is an `update` of device `server.resolutions` whose `ctx` is the
 *    document's whole version vector, so it has seen every candidate; its author is the
 *    principal, never the request body.
 */
import * as E from 'fp-ts/lib/Either.js';
import { COLLECTIONS } from '../domain/collections.ts';
import { type OpError, reportValidation, type SyncError, syncError } from '../domain/errors.ts';
import type { Hlc } from '../domain/hlc.ts';
import { type Dot, RESOLUTIONS_DEVICE } from '../domain/ids.ts';
import { CURRENT_OP_SCHEMA } from '../domain/operation.ts';
import { may } from '../domain/permissions.ts';
import type { Author, Principal } from '../domain/principal.ts';
import { normalize, type VersionVector } from '../domain/version-vector.ts';
import type { ConflictRecord } from '../projections/conflict-record.ts';
import { conflictsOf } from '../projections/conflicts.ts';
import type { DocumentState } from '../projections/document-state.ts';
import { readConflictRecord } from './stored-json.ts';

const isPlainObject = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === 'object' && u !== null && !Array.isArray(u);

/** Why the principal may resolve no conflict at all, if so (checked before any read). */
export const resolverRefusal = (principal: Principal): SyncError | undefined =>
  may(principal, 'resolve', [])
    ? undefined
    : syncError('forbidden', `a ${principal.role} may not resolve conflicts`);

/** The answer for a conflict id the log does not hold. */
export const conflictNotFound = (conflictId: string): SyncError =>
  syncError('not_found', `no conflict ${conflictId}`);

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

/** A conflict row as both logs store it: the record as JSON text, and whether it is live. */
export interface StoredConflict {
  readonly record: string;
  readonly live: boolean;
}

/** A resolution request that passed every check: the record to resolve and its new values. */
export interface CheckedResolution {
  readonly record: ConflictRecord;
  readonly values: Readonly<Record<string, unknown>>;
}

/**
 * Checks a request against a stored conflict, given the facilities its document is visible to
 * (`[]` when the document is unknown). Throws `CorruptRowError` if the stored record does not
 * decode: a row the log wrote is not bad input.
 */
export const checkResolution = (
  principal: Principal,
  facilities: readonly string[],
  stored: StoredConflict,
  data: unknown,
): E.Either<SyncError, CheckedResolution> => {
  if (!may(principal, 'resolve', facilities)) {
    return E.left(syncError('forbidden', 'the document is not of your facilities'));
  }
  const record = readConflictRecord(stored.record);
  const refusal = refusalOf(record, stored.live);
  if (refusal !== undefined) return E.left(refusal);
  const values = resolutionValues(record, data);
  return E.isLeft(values) ? values : E.right({ record, values: values.right });
};

/** The op that resolves a record, as the append pipeline takes it (`raw`, `expected`, `author`). */
export interface ResolutionOp {
  readonly raw: unknown;
  readonly expected: Dot;
  readonly author: Author;
}

/**
 * The op of a checked resolution, sequence number `seq` of device `server.resolutions`, with
 * clock `hlc` (ticked from the device's last op by the caller).
 */
export const resolutionOp = (
  principal: Principal,
  { record, values }: CheckedResolution,
  seq: number,
  vv: VersionVector,
  hlc: Hlc,
): ResolutionOp => ({
  raw: {
    deviceId: RESOLUTIONS_DEVICE,
    seq,
    hlc,
    collection: record.collection,
    docId: record.docId,
    kind: 'update',
    data: values,
    ctx: normalize(vv),
    schema: CURRENT_OP_SCHEMA,
  },
  expected: { deviceId: RESOLUTIONS_DEVICE, seq },
  author: { userId: principal.userId, role: principal.role },
});

/** The answer when the append pipeline rejects the resolution op. */
export const rejectedResolution = (error: OpError): SyncError =>
  syncError('bad_request', error.message, error.path);

/**
 * The record to answer with once op `seq` is applied and the document is in `state`: the
 * record as the projection now has it, or else the resolved form of the record checked.
 */
export const resolvedConflict = (
  principal: Principal,
  record: ConflictRecord,
  seq: number,
  state: DocumentState,
): ConflictRecord =>
  conflictsOf(state).find((r) => r.id === record.id) ?? {
    ...record,
    status: 'resolved',
    rule: 'resolution',
    current: false,
    winner: { deviceId: RESOLUTIONS_DEVICE, seq },
    resolvedBy: { userId: principal.userId, deviceId: RESOLUTIONS_DEVICE, seq },
  };
