/**
 * The checks of `verify` that need no storage (DESIGN.md section 4, "Integrity"), shared by the
 * SQL log (`verify.ts`) and the TablesDB log: each backend reads its rows its own way, into the
 * plain values below, and these functions say what is wrong with them.
 *
 * Invariants:
 * 1. Pure: no function here reads or writes a store; the same values give the same problems,
 *    in the same order, whichever backend read them.
 * 2. A device's chain is followed from the stored link of each op, not from the recomputed
 *    one, so one changed op is reported once and not for every op after it.
 * 3. A document's checks stop at the first thing that makes the rest meaningless (an unknown
 *    collection, no projection row, columns that do not read); otherwise every check runs.
 * 4. The problem texts are part of `POST /v1/verify`'s answer: both backends give the same.
 * 5. A recorded chain head (`ChainHead`, kept outside the store) must be the stored link of its
 *    op; a recorded head whose op the chains never reach is a problem too. Heads pin what the
 *    chains cannot: a history changed and linked again by someone who can write the store.
 *    (The log read in position order, its digest and visibility: `verify-log-order.ts`.)
 */
import * as E from 'fp-ts/lib/Either.js';
import type { CollectionName, DocumentData } from '../domain/collection.ts';
import { CollectionNameCodec } from '../domain/collections.ts';
import type { LoggedOp } from '../domain/operation.ts';
import { equals } from '../domain/version-vector.ts';
import { conflictsOf } from '../projections/conflicts.ts';
import { type DocumentState, fold } from '../projections/document-state.ts';
import { type MaterializedDocument, materialize } from '../projections/materialize.ts';
import { decodeState } from '../projections/state-codec.ts';
import { canonicalJson } from './canonical-json.ts';
import type { DeviceRow } from './device-registry.ts';
import { ownFacilitiesOf, patientIdOf } from './document-scope.ts';
import { chainHash, GENESIS_HASH } from './hash-chain.ts';
import type { LogIdentity } from './log-identity.ts';
import { decodeOpRow, type OpRow } from './op-rows.ts';
import type {
  ChainHead,
  ChainRecord,
  Progress,
  VerifyProblem,
  VerifyReport,
} from './operation-log.ts';

/** A counter to call once per op checked; it reports every 1000th step, and the last. */
export const progressTicker = (total: number, progress?: Progress): (() => void) => {
  let done = 0;
  return () => {
    done += 1;
    if (progress !== undefined && (done % 1000 === 0 || done === total)) progress(done, total);
  };
};

/**
 * Where a device's chain stands after the ops seen so far: its last stored link, the seq of that
 * op, how many ops, and whether the chain passed through the device's recorded head (if any).
 */
export interface ChainTip {
  readonly hash: string;
  readonly seq: number;
  readonly count: number;
  readonly passedRecorded: boolean;
}

const START: ChainTip = { hash: GENESIS_HASH, seq: 0, count: 0, passedRecorded: false };

/** Recorded chain heads by device id (at most one per device: the last recorded wins). */
export const recordedByDevice = (
  recorded: readonly ChainHead[] = [],
): ReadonlyMap<string, ChainHead> => new Map(recorded.map((head) => [head.deviceId, head]));

/**
 * Follows the chains of `rows`, taken in (device, seq) order, on from `tips` (a run of rows may
 * continue the previous run's devices): each row must decode and link to its device's tip, and
 * the op of a device's recorded head (`recorded`) must have that head as its stored link.
 */
export const followChains = (
  identity: LogIdentity,
  tips: ReadonlyMap<string, ChainTip>,
  rows: readonly OpRow[],
  recorded: ReadonlyMap<string, ChainHead> = new Map(),
): {
  readonly tips: ReadonlyMap<string, ChainTip>;
  readonly problems: readonly VerifyProblem[];
} => {
  const next = new Map(tips);
  const problems: VerifyProblem[] = [];
  for (const row of rows) {
    const tip = next.get(row.device_id) ?? START;
    const op = decodeOpRow(identity, row);
    if (E.isLeft(op)) {
      problems.push({
        kind: 'op',
        collection: row.collection,
        docId: row.doc_id,
        detail: `op ${row.device_id}:${row.seq}: ${op.left}`,
      });
    } else if (chainHash(tip.hash, op.right) !== row.hash) {
      problems.push({
        kind: 'chain',
        collection: row.collection,
        docId: row.doc_id,
        detail: `op ${row.device_id}:${row.seq} does not match its link in the device's hash chain`,
      });
    }
    const head = recorded.get(row.device_id);
    const atHead = head !== undefined && head.seq === row.seq;
    if (atHead && head.hash !== row.hash) {
      problems.push({
        kind: 'chain',
        collection: row.collection,
        docId: row.doc_id,
        detail: `op ${row.device_id}:${row.seq} is not the recorded head of the device's hash chain: its history up to there was changed`,
      });
    }
    // Invariant 2: continue from the stored link.
    next.set(row.device_id, {
      hash: row.hash,
      seq: row.seq,
      count: tip.count + 1,
      passedRecorded: tip.passedRecorded || atHead,
    });
  }
  return { tips: next, problems };
};

/** Recorded heads whose op the chains never reached (removed, or of a device now unknown). */
export const missingHeadProblems = (
  tips: ReadonlyMap<string, ChainTip>,
  recorded: ReadonlyMap<string, ChainHead>,
): readonly VerifyProblem[] =>
  [...recorded.values()]
    .filter((head) => tips.get(head.deviceId)?.passedRecorded !== true)
    .map((head) => ({
      kind: 'chain' as const,
      collection: null,
      docId: null,
      detail: `device ${head.deviceId}: op ${head.seq}, the recorded head of its hash chain, is not in the log`,
    }));

/** The head of every chain followed, by device id. */
export const chainHeadsOf = (tips: ReadonlyMap<string, ChainTip>): readonly ChainHead[] =>
  [...tips.entries()]
    .filter(([, tip]) => tip.count > 0)
    .map(([deviceId, tip]) => ({ deviceId, seq: tip.seq, hash: tip.hash }))
    .sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));

/**
 * Checks each registered device against the tip its ops reached: its recorded chain head, and
 * its `ackedSeq` against the ops logged and quarantined for it (`rejected`, by device).
 */
export const deviceProblems = (
  tips: ReadonlyMap<string, ChainTip>,
  devices: readonly Pick<DeviceRow, 'device_id' | 'acked_seq' | 'chain_hash'>[],
  rejected: ReadonlyMap<string, number>,
): readonly VerifyProblem[] => {
  const problems: VerifyProblem[] = [];
  for (const device of devices) {
    const tip = tips.get(device.device_id) ?? START;
    if (tip.hash !== device.chain_hash) {
      problems.push({
        kind: 'chain',
        collection: null,
        docId: null,
        detail: `device ${device.device_id}: its last op is not the head of its recorded chain`,
      });
    }
    const processed = tip.count + (rejected.get(device.device_id) ?? 0);
    if (processed !== device.acked_seq) {
      problems.push({
        kind: 'chain',
        collection: null,
        docId: null,
        detail: `device ${device.device_id}: ackedSeq is ${device.acked_seq} but ${processed} ops are logged or quarantined`,
      });
    }
  }
  return problems;
};

/** A document's projection row as a backend stores it, read into plain values. */
export interface StoredProjection {
  /** The reducer state (`encodeState`). */
  readonly state: string;
  /** The stored fields; undefined when they do not read as fields. */
  readonly fields: unknown;
  /**
   * How the fold's fields are put before the comparison with `fields`: as they are by default;
   * TablesDB, whose columns hold null for a missing field, leaves the nulls out of both.
   */
  readonly fieldsView?: (data: DocumentData) => DocumentData;
  readonly deleted: boolean;
  /** The stored patient; undefined where the backend keeps no patient column (TablesDB). */
  readonly patientId?: string | null;
  /** The stored own facilities; undefined when they do not decode. */
  readonly facilities: readonly string[] | undefined;
}

/** What a backend holds of one document. */
export interface StoredDocument {
  /** The projection row: undefined when there is none, Left (why) when its columns do not read. */
  readonly projection: E.Either<string, StoredProjection> | undefined;
  /** The live conflict records, each canonical JSON (`undecodable <id>` if not), by id. */
  readonly conflicts: readonly string[];
}

/** The details of what differs between a stored projection and the fold of the ops. */
const projectionDifferences = (
  collection: CollectionName,
  ops: readonly LoggedOp[],
  folded: DocumentState,
  expected: MaterializedDocument,
  stored: StoredProjection,
): readonly string[] => {
  const differences: string[] = [];
  const state = decodeState(stored.state);
  if (E.isLeft(state)) {
    differences.push(`the stored state does not decode: ${state.left.message}`);
  } else {
    const view = (m: MaterializedDocument) =>
      canonicalJson({ data: m.data, deleted: m.deleted, disputed: m.disputed });
    if (view(materialize(state.right)) !== view(expected))
      differences.push('the stored state differs from the fold of its ops');
    if (!equals(state.right.vv, folded.vv))
      differences.push('the stored version vector differs from its ops');
  }
  const fieldsView = stored.fieldsView ?? ((data: DocumentData) => data);
  if (
    stored.fields === undefined ||
    canonicalJson(stored.fields) !== canonicalJson(fieldsView(expected.data))
  ) {
    differences.push('the stored fields differ from the fold of its ops');
  }
  if (stored.deleted !== expected.deleted)
    differences.push('the stored deleted flag differs from its ops');
  if (
    stored.patientId !== undefined &&
    stored.patientId !== (patientIdOf(collection, expected.data) ?? null)
  ) {
    differences.push('the stored patient differs from its ops');
  }
  const lastScope = ops.at(-1)?.scope ?? [];
  if (
    stored.facilities === undefined ||
    canonicalJson(stored.facilities) !==
      canonicalJson(ownFacilitiesOf(collection, expected.data, lastScope))
  ) {
    differences.push('the stored facilities differ from its ops');
  }
  return differences;
};

/**
 * Compares what a backend holds of one document (`doc`: its op rows, in position order) with
 * the fold of its ops; rows that do not decode are left out of the fold (`followChains` reports
 * them).
 */
export const documentProblems = (
  identity: LogIdentity,
  doc: { readonly collection: string; readonly docId: string; readonly rows: readonly OpRow[] },
  stored: StoredDocument,
): readonly VerifyProblem[] => {
  const { collection: name, docId } = doc;
  const problems: VerifyProblem[] = [];
  const report = (kind: VerifyProblem['kind'], detail: string): readonly VerifyProblem[] => {
    problems.push({ kind, collection: name, docId, detail });
    return problems;
  };
  const collection = CollectionNameCodec.decode(name);
  if (E.isLeft(collection)) return report('op', `unknown collection ${name}`);
  const ops: LoggedOp[] = [];
  for (const row of doc.rows) {
    const op = decodeOpRow(identity, row);
    if (E.isRight(op)) ops.push(op.right);
  }
  const folded = fold(collection.right, docId, ops);
  const expected = materialize(folded);
  if (stored.projection === undefined)
    return report('projection', 'the document has ops but no projection row');
  if (E.isLeft(stored.projection)) return report('projection', stored.projection.left);
  for (const detail of projectionDifferences(
    collection.right,
    ops,
    folded,
    expected,
    stored.projection.right,
  )) {
    report('projection', detail);
  }
  const derived = [...conflictsOf(folded)]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((r) => canonicalJson(r));
  if (canonicalJson(stored.conflicts) !== canonicalJson(derived)) {
    report(
      'conflicts',
      `the stored conflict records (${stored.conflicts.length}) differ from the ${derived.length} its ops give`,
    );
  }
  return problems;
};

/** The problem of a projection row whose document has no ops. */
export const projectionWithoutOps = (collection: string, docId: string): VerifyProblem => ({
  kind: 'projection',
  collection,
  docId,
  detail: 'a projection row without ops',
});

/** The report of a run: ok when it found no problem. */
export const verifyReport = (
  problems: readonly VerifyProblem[],
  checked: VerifyReport['checked'],
  record: ChainRecord,
): VerifyReport => ({ ok: problems.length === 0, checked, problems, record });
