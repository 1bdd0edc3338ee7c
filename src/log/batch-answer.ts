/**
 * How a batch is answered, apart from storage (PROTOCOL.md, POST /v1/push): which ops are
 * answered again, which are gaps, the answer of a processed op, the raw op of a server draft,
 * and the batch's result. The SQL log (`append.ts`) and the TablesDB log (its
 * `append-batch.ts`) read the device's earlier answers and process ops, and ask these
 * functions for the rest, so both answer the same batch the same way.
 *
 * Invariants:
 * 1. Pure: nothing here reads or writes a store; the only mutation is `answerUnprocessed`'s,
 *    which appends to the answers it is handed.
 * 2. Per op, in order: a seq the device already used gets its first answer again (`duplicate`
 *    with the op's cursor, or the same `rejected`); a seq beyond the next expected one is a
 *    `gap`, for it and every later op of the request; the next seq is processed.
 * 3. A seq the device acknowledged but the log has no answer for is a bug: it throws.
 */
import * as E from 'fp-ts/lib/Either.js';
import { CollectionNameCodec } from '../domain/collections.ts';
import type { OpError } from '../domain/errors.ts';
import type { Hlc } from '../domain/hlc.ts';
import { CURRENT_OP_SCHEMA } from '../domain/operation.ts';
import type { DocumentRef } from '../domain/scope.ts';
import { normalize } from '../domain/version-vector.ts';
import type { ProcessedOp } from './append-rules.ts';
import { encodeCursor, positionOf } from './cursor.ts';
import type { CachedDocument } from './document-cache.ts';
import type { LogIdentity } from './log-identity.ts';
import type { AppendResult, OpResult, ServerOpDraft } from './operation-log.ts';

/** An op of a request, as far as answering it goes. */
interface IncomingOp {
  readonly seq: number;
  readonly raw: unknown;
}

/** The seqs of a request the device has already used (at most `ackedSeq`). */
export const knownSeqs = (ops: readonly IncomingOp[], ackedSeq: number): number[] =>
  ops.map((o) => o.seq).filter((seq) => seq <= ackedSeq);

/** The raw ops of a request the device has not used yet (beyond `ackedSeq`). */
export const newRaws = (ops: readonly IncomingOp[], ackedSeq: number): unknown[] =>
  ops.filter((o) => o.seq > ackedSeq).map((o) => o.raw);

/** The first answer of an accepted op, given again to a retry: `duplicate` with its cursor. */
export const duplicateAnswer = (
  identity: LogIdentity,
  seq: number,
  position: number,
): OpResult => ({
  seq,
  status: 'duplicate',
  cursor: encodeCursor(identity, positionOf(position)),
});

/** The first answer of a quarantined op, given again to a retry. */
export const quarantinedAnswer = (seq: number, error: OpError): OpResult => ({
  seq,
  status: 'rejected',
  error,
});

/**
 * Answers the op of `ops` at `index` if it is not the device's next (invariant 2): `answered`
 * (a used seq: its first answer is appended), `gaps` (`gap` is appended for it and every later
 * op: stop), or `next` (nothing appended: process it).
 */
export const answerUnprocessed = (
  answers: OpResult[],
  prior: ReadonlyMap<number, OpResult>,
  deviceId: string,
  ops: readonly IncomingOp[],
  index: number,
  ackedSeq: number,
): 'answered' | 'gaps' | 'next' => {
  const seq = ops[index]?.seq;
  if (seq === undefined) throw new Error(`bug: no op at ${index}`);
  if (seq <= ackedSeq) {
    const answer = prior.get(seq);
    if (answer === undefined) {
      throw new Error(`bug: ${deviceId}:${seq} was acknowledged but has no answer`);
    }
    answers.push(answer);
    return 'answered';
  }
  if (seq > ackedSeq + 1) {
    const expected = ackedSeq + 1;
    for (const rest of ops.slice(index)) {
      answers.push({ seq: rest.seq, status: 'gap', expected });
    }
    return 'gaps';
  }
  return 'next';
};

/** The answer of a processed op. */
export const answerOf = (seq: number, processed: ProcessedOp): OpResult =>
  processed.kind === 'accepted'
    ? { seq, status: 'accepted', cursor: processed.op.cursor }
    : { seq, status: 'rejected', error: processed.error };

/** A batch's result: its answers, the device's acknowledged seq and the log's head. */
export const appendResultOf = (
  identity: LogIdentity,
  results: readonly OpResult[],
  ackedSeq: number,
  head: number,
): AppendResult => ({
  results,
  ackedSeq,
  head: encodeCursor(identity, positionOf(head)),
});

/** The document a server draft changes, if its collection is one (to load before `rawOfDraft`). */
export const draftRef = (draft: ServerOpDraft): DocumentRef | undefined => {
  const collection = CollectionNameCodec.decode(draft.collection);
  return E.isRight(collection) ? { collection: collection.right, docId: draft.docId } : undefined;
};

/**
 * The raw op of a server draft: the device's next seq, its next clock (`hlc`, ticked from the
 * device's last op by the caller), and a ctx of the document's whole vector (`docs` holds the
 * document, loaded).
 */
export const rawOfDraft = (
  docs: { get(collection: DocumentRef['collection'], docId: string): CachedDocument },
  deviceId: string,
  seq: number,
  draft: ServerOpDraft,
  hlc: Hlc,
): Record<string, unknown> => {
  const collection = CollectionNameCodec.decode(draft.collection);
  const ctx = E.isRight(collection)
    ? normalize(docs.get(collection.right, draft.docId).view?.vv ?? {})
    : {};
  const raw: Record<string, unknown> = {
    deviceId,
    seq,
    hlc,
    collection: draft.collection,
    docId: draft.docId,
    kind: draft.kind,
    ctx,
    schema: CURRENT_OP_SCHEMA,
  };
  if (draft.data !== undefined) raw.data = draft.data;
  return raw;
};
