/**
 * The answers of the sync routes (PROTOCOL.md), as codecs: the client believes nothing of an
 * answer that these have not decoded. Logged ops go through the domain's `decodeLoggedOp`, so
 * a pulled op is held to the same codecs as a pushed one.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { CollectionNameCodec } from '../../domain/collections.ts';
import { joinPath, reportValidation } from '../../domain/errors.ts';
import { decodeLoggedOp, type LoggedOp } from '../../domain/operation.ts';
import { WholeNumber } from '../../domain/scalars.ts';
import { isFieldValue } from '../../projections/state-records.ts';
import { OpErrorCodec } from '../op-error-codec.ts';

const PushResultCodec = t.union([
  t.type({ seq: WholeNumber, status: t.literal('accepted'), cursor: t.string }),
  t.type({ seq: WholeNumber, status: t.literal('duplicate'), cursor: t.string }),
  t.type({ seq: WholeNumber, status: t.literal('rejected'), error: OpErrorCodec }),
  t.type({ seq: WholeNumber, status: t.literal('gap'), expected: WholeNumber }),
]);
/** The answer for one op of a push. */
export type PushResult = t.TypeOf<typeof PushResultCodec>;

/** `POST /v1/push` answers: one result per op, `ackedSeq` and `head`. */
export const PushAnswerCodec = t.type(
  { results: t.readonlyArray(PushResultCodec), ackedSeq: WholeNumber, head: t.string },
  'PushAnswer',
);
/** The answer of `POST /v1/push`. */
export type PushAnswer = t.TypeOf<typeof PushAnswerCodec>;

const PullEnvelope = t.type({
  ops: t.readonlyArray(t.unknown),
  next: t.string,
  hasMore: t.boolean,
  head: t.string,
});

/** A page of `GET /v1/pull`, its ops decoded. */
export interface PullAnswer {
  readonly ops: readonly LoggedOp[];
  readonly next: string;
  readonly hasMore: boolean;
  readonly head: string;
}

const SnapshotDocCodec = t.type({
  collection: CollectionNameCodec,
  docId: t.string,
  data: t.record(t.string, t.union([t.string, t.number, t.boolean, t.null])),
  deleted: t.boolean,
  meta: t.unknown,
});
/** `GET /v1/snapshot` pages. */
export const SnapshotAnswerCodec = t.type(
  {
    docs: t.readonlyArray(SnapshotDocCodec),
    cursor: t.string,
    nextPage: t.union([t.string, t.null]),
  },
  'SnapshotAnswer',
);
/** A page of `GET /v1/snapshot`. */
export type SnapshotAnswer = t.TypeOf<typeof SnapshotAnswerCodec>;
/** One document of a snapshot page. */
export type SnapshotDoc = t.TypeOf<typeof SnapshotDocCodec>;

const OpsEnvelope = t.type({ ops: t.readonlyArray(t.unknown) });

/** `{"error": {"code", "message", "path"?}}`. */
export const ErrorBodyCodec = t.type({
  error: t.intersection([
    t.type({ code: t.string, message: t.string }),
    t.partial({ path: t.string }),
  ]),
});
/** The body of every error answer. */
export type ErrorBody = t.TypeOf<typeof ErrorBodyCodec>;

/** Why an answer was not understood, with the path into it. */
export interface AnswerError {
  readonly message: string;
  /** True when an op is of a newer schema than this client knows (an app update is needed). */
  readonly unsupportedSchema: boolean;
}

const decodeWith = <A>(codec: t.Decoder<unknown, A>, body: unknown): E.Either<AnswerError, A> => {
  const decoded = codec.decode(body);
  return E.isLeft(decoded)
    ? E.left({
        message: reportValidation('bad_request', decoded.left).message,
        unsupportedSchema: false,
      })
    : E.right(decoded.right);
};

const decodeOps = (raw: readonly unknown[]): E.Either<AnswerError, readonly LoggedOp[]> => {
  const ops: LoggedOp[] = [];
  for (const [i, item] of raw.entries()) {
    const decoded = decodeLoggedOp(item);
    if (E.isLeft(decoded)) {
      return E.left({
        message: `${decoded.left.message} (at ${joinPath('ops', i, decoded.left.path)})`,
        unsupportedSchema: decoded.left.code === 'unsupported_schema',
      });
    }
    ops.push(decoded.right);
  }
  return E.right(ops);
};

/** Decodes a push answer. */
export const decodePushAnswer = (body: unknown): E.Either<AnswerError, PushAnswer> =>
  decodeWith(PushAnswerCodec, body);

/** Decodes a pull page, each op by the domain's `decodeLoggedOp`. */
export const decodePullAnswer = (body: unknown): E.Either<AnswerError, PullAnswer> => {
  const envelope = decodeWith(PullEnvelope, body);
  if (E.isLeft(envelope)) return envelope;
  const ops = decodeOps(envelope.right.ops);
  return E.isLeft(ops) ? ops : E.right({ ...envelope.right, ops: ops.right });
};

/** `SnapshotDocCodec.is`, written out (see `isSnapshotAnswer`). */
const isSnapshotDoc = (u: unknown): boolean => {
  if (!t.UnknownRecord.is(u)) return false;
  if (!CollectionNameCodec.is(u.collection) || typeof u.docId !== 'string') return false;
  if (typeof u.deleted !== 'boolean' || !t.UnknownRecord.is(u.data)) return false;
  const data = u.data;
  for (const field of Object.keys(data)) if (!isFieldValue(data[field])) return false;
  return true;
};

/**
 * `SnapshotAnswerCodec.is`, written out: the same answer for every value JSON can hold (a
 * property test holds it to the codec's), in a fraction of the time (io-ts composes its checks
 * from closures and `every`, and a device checks every document of every page it takes).
 */
export const isSnapshotAnswer = (u: unknown): u is SnapshotAnswer =>
  t.UnknownRecord.is(u) &&
  Array.isArray(u.docs) &&
  u.docs.every(isSnapshotDoc) &&
  typeof u.cursor === 'string' &&
  (u.nextPage === null || typeof u.nextPage === 'string');

/**
 * Decodes a snapshot page. Its codec has no exact type and transforms nothing, so a body it
 * accepts decodes to itself: such a body is taken as it is after a check that allocates
 * nothing (`isSnapshotAnswer`), and only a body it refuses goes through `decode`, for the
 * error's path.
 */
export const decodeSnapshotAnswer = (body: unknown): E.Either<AnswerError, SnapshotAnswer> =>
  isSnapshotAnswer(body) ? E.right(body) : decodeWith(SnapshotAnswerCodec, body);

/** Decodes the answer of `GET /v1/ops/:collection/:docId`. */
export const decodeOpsAnswer = (body: unknown): E.Either<AnswerError, readonly LoggedOp[]> => {
  const envelope = decodeWith(OpsEnvelope, body);
  return E.isLeft(envelope) ? envelope : decodeOps(envelope.right.ops);
};
