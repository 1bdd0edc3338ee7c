/**
 * The rules of appending one op, apart from storage (DESIGN.md section 4; PROTOCOL.md, POST
 * /v1/push): the dot check, permissions and business rules, the op's logged form, its link in
 * the device's hash chain, its flags, the facilities its document arrives at, and its
 * document's projection. The SQL log (`append-session.ts`) and the TablesDB log (its
 * `chunk-plan.ts`) load the documents, then ask these functions, and write what they answer
 * each in its own way, so both give the same results and the same rejections.
 *
 * Invariants:
 * 1. Pure: nothing here reads or writes a store; an answer depends on the inputs only. The one
 *    mutation is `chainOp`'s, which advances the device's progress it is handed.
 * 2. Checks run in PROTOCOL.md's order: the dot (`dotError`), then permissions (for a push),
 *    then business rules (`checkOp`); the first failure is the answer.
 * 3. An accepted op's author and receive time are the server's (from authentication and the
 *    clock), never the body's; its cursor is its position's.
 * 4. The hot path of every push runs through here: no function allocates more than the code it
 *    replaced, and none makes an extra pass over the batch.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { CollectionName } from '../domain/collection.ts';
import type { DocumentLookup, DocumentView } from '../domain/document-view.ts';
import { type OpError, syncError } from '../domain/errors.ts';
import type { LoggedOp, Operation } from '../domain/operation.ts';
import { checkWrite } from '../domain/permissions.ts';
import type { Author, Principal } from '../domain/principal.ts';
import { checkBusinessRules, type OpFlag } from '../domain/rules.ts';
import { apply, type DocumentState, fold } from '../projections/document-state.ts';
import { SKEW_TOLERANCE_MS } from '../projections/history.ts';
import { viewOf } from '../projections/materialize.ts';
import { encodeCursor, positionOf } from './cursor.ts';
import type { DeviceProgress } from './device-registry.ts';
import type { CachedDocument } from './document-cache.ts';
import { arrivingFacilities, currentFacilitiesOf, ownFacilitiesOf } from './document-scope.ts';
import { chainHash } from './hash-chain.ts';
import type { LogIdentity } from './log-identity.ts';
import { type OpRow, opRowOf, readRecentOpRow } from './op-rows.ts';

/** Who vouches for an op: a user through push (permissions apply), or the server itself. */
export type Authority =
  | { readonly kind: 'push'; readonly principal: Principal }
  | { readonly kind: 'server' };

/** What became of one processed op. */
export type ProcessedOp =
  | { readonly kind: 'accepted'; readonly position: number; readonly op: LoggedOp }
  | { readonly kind: 'rejected'; readonly error: OpError };

/** The dot an op is expected to have: the device's next seq. */
export interface ExpectedDot {
  readonly deviceId: string;
  readonly seq: number;
}

/**
 * The documents an append checks ops against, loaded beforehand: the SQL log's
 * `DocumentCache` and the TablesDB plan's `BatchDocuments` both are.
 */
export interface AppendDocuments {
  /** The document (a new, empty one if the store has none); throws if it was never loaded. */
  get(collection: CollectionName, docId: string): CachedDocument;
  /** The patient's records that are not deleted, as they stand. */
  recordsOf(patientId: string): readonly DocumentView[];
  /** True when another, not deleted record of the patient has the same vaccine and dose. */
  duplicateDose(patientId: string, vaccineId: string, doseNumber: number, docId: string): boolean;
}

/** The flags of an accepted op's audit record. */
export const flagsFor = (
  ruleFlags: readonly OpFlag[],
  upcastFrom: number | null,
  hlcMs: number,
  receivedAt: number,
): readonly OpFlag[] => {
  const flags: OpFlag[] = [...ruleFlags];
  if (upcastFrom !== null) flags.push('upcast');
  if (hlcMs > receivedAt + SKEW_TOLERANCE_MS) flags.push('skewed');
  return flags;
};

/** Why a decoded op does not have the dot it was placed at, if so: its device, then its seq. */
export const dotError = (op: Operation, expected: ExpectedDot): OpError | undefined => {
  if (op.deviceId !== expected.deviceId) {
    return syncError('invalid', 'the op is of another device', 'deviceId');
  }
  if (op.seq !== expected.seq) return syncError('invalid', `expected seq ${expected.seq}`, 'seq');
  return undefined;
};

/**
 * Permissions (for a push), then business rules, of an op against its document as it stands
 * (`current`) and its scope: the first failure, or the rules' flags.
 */
export const checkOp = (
  docs: AppendDocuments,
  lookup: DocumentLookup,
  op: Operation,
  current: DocumentView | undefined,
  scope: readonly string[],
  authority: Authority,
  now: number,
): E.Either<OpError, readonly OpFlag[]> => {
  if (authority.kind === 'push') {
    const allowed = checkWrite(authority.principal, op, current, scope);
    if (E.isLeft(allowed)) return allowed;
  }
  return checkBusinessRules(op, current, {
    ...lookup,
    now,
    recordsOfPatient: (patientId) => docs.recordsOf(patientId),
    duplicateDose: (patientId, vaccineId, dose, docId) =>
      docs.duplicateDose(patientId, vaccineId, dose, docId),
  });
};

/** An accepted op as the log holds it: at `position`, with the server's author and time. */
export const loggedOpOf = (
  identity: LogIdentity,
  op: Operation,
  author: Author,
  receivedAt: number,
  position: number,
  scope: readonly string[],
): LoggedOp => ({
  ...op,
  author,
  receivedAt,
  cursor: encodeCursor(identity, positionOf(position)),
  scope,
});

/**
 * Links an accepted op into its device's hash chain and answers its row; advances `device`
 * to the op (its chain hash and acknowledged seq).
 */
export const chainOp = (
  device: DeviceProgress,
  logged: LoggedOp,
  position: number,
  flags: readonly OpFlag[],
): OpRow => {
  const hash = chainHash(device.chainHash, logged);
  device.chainHash = hash;
  device.ackedSeq = logged.seq;
  return opRowOf(logged, position, flags, hash);
};

/**
 * The facilities an existing document arrives at with an op of this scope (none for a new
 * document): its whole history must become visible there.
 */
export const arrivingAt = (
  doc: CachedDocument,
  lookup: DocumentLookup,
  scope: readonly string[],
): readonly string[] =>
  doc.view === undefined
    ? []
    : arrivingFacilities(currentFacilitiesOf(doc.view, doc.facilities, lookup), scope);

/**
 * The state an op folds its document into incrementally, or `undefined` when the document
 * must be re-folded from all of its ops (`refoldedState`). Throws for an op projected twice (a
 * bug).
 */
export const appliedState = (doc: CachedDocument, op: LoggedOp): DocumentState | undefined => {
  const result = apply(doc.state, op);
  switch (result.kind) {
    case 'applied':
      return result.state;
    case 'duplicate':
      throw new Error(`bug: ${op.deviceId}:${op.seq} was projected twice`);
    case 'refold':
      return undefined;
    default: {
      const unreachable: never = result;
      return unreachable;
    }
  }
};

/** A document's state folded from all of its op rows, in position order. */
export const refoldedState = (
  identity: LogIdentity,
  op: LoggedOp,
  rows: readonly OpRow[],
): DocumentState =>
  fold(
    op.collection,
    op.docId,
    rows.map((row) => readRecentOpRow(identity, row)),
  );

/**
 * The document once `op` (at `position`) is projected into `state`: `latest` is the entry as
 * the documents hold it now, `doc` the one the op was checked against.
 */
export const projectedDocument = (
  latest: CachedDocument,
  doc: CachedDocument,
  op: LoggedOp,
  state: DocumentState,
  position: number,
): CachedDocument => {
  const view = viewOf(state);
  return {
    ...latest,
    state,
    view,
    facilities: ownFacilitiesOf(doc.collection, view?.data ?? {}, op.scope),
    createdPosition: doc.createdPosition === 0 ? position : doc.createdPosition,
    lastPosition: position,
    lastScope: op.scope,
  };
};
