/**
 * `POST /v1/push` (PROTOCOL.md): the request a device sends and the answer it gets.
 *
 * Request-level checks, in order (the first failure answers, nothing is processed):
 * 1. the shape `{deviceId, ops: [...]}` (`400 bad_request` at `deviceId` or `ops`);
 * 2. 1 to 1000 ops (0: `400` at `ops`; more: `413 too_large`);
 * 3. each op's dot decodes (`400` at `ops.N.deviceId` or `ops.N.seq`), is of the request's
 *    device (`400` at `ops.N.deviceId`), and seqs increase (`400` at `ops.N.seq`).
 * Anything else wrong with an op is that op's `rejected` result, decided by the log.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { reportValidation, type SyncError, syncError } from '../../domain/errors.ts';
import { DeviceId } from '../../domain/ids.ts';
import { OpIdentity } from '../../domain/operation.ts';
import { PositiveInt, WholeNumber } from '../../domain/scalars.ts';
import type { AppendResult, IncomingOp, OpResult } from '../../log/operation-log.ts';
import { errorJson } from '../answer.ts';

/** The most ops one push may carry. */
export const MAX_PUSH_OPS = 1000;

/** The largest request body, after decompression: 4 MiB. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** The request's envelope; each op is checked further by `decodePushRequest`. */
export const PushRequest = t.type({ deviceId: DeviceId, ops: t.array(t.unknown) }, 'PushRequest');

/** A push that passed the request-level checks. */
export interface DecodedPush {
  readonly deviceId: DeviceId;
  readonly ops: readonly IncomingOp[];
}

/** Applies the module's checks to a parsed body. */
export const decodePushRequest = (json: unknown): E.Either<SyncError, DecodedPush> => {
  const envelope = PushRequest.decode(json);
  if (E.isLeft(envelope)) return E.left(reportValidation('bad_request', envelope.left));
  const { deviceId, ops } = envelope.right;
  if (ops.length === 0)
    return E.left(syncError('bad_request', 'a push carries 1 or more ops', 'ops'));
  if (ops.length > MAX_PUSH_OPS) {
    return E.left(
      syncError(
        'too_large',
        `a push carries at most ${MAX_PUSH_OPS} ops, not ${ops.length}`,
        'ops',
      ),
    );
  }
  const incoming: IncomingOp[] = [];
  let previous = 0;
  for (const [i, raw] of ops.entries()) {
    const identity = OpIdentity.decode(raw);
    if (E.isLeft(identity))
      return E.left(reportValidation('bad_request', identity.left, `ops.${i}`));
    const { deviceId: opDevice, seq } = identity.right;
    if (opDevice !== deviceId) {
      return E.left(
        syncError(
          'bad_request',
          `op of device ${opDevice} in a push of ${deviceId}`,
          `ops.${i}.deviceId`,
        ),
      );
    }
    if (seq <= previous) {
      return E.left(
        syncError(
          'bad_request',
          `seq ${seq} after ${previous}: seqs must increase`,
          `ops.${i}.seq`,
        ),
      );
    }
    previous = seq;
    incoming.push({ seq, raw });
  }
  return E.right({ deviceId, ops: incoming });
};

/** An error as it travels: `{code, message, path?}`. */
export const ErrorJson = t.exact(
  t.intersection([t.type({ code: t.string, message: t.string }), t.partial({ path: t.string })]),
  'ErrorJson',
);

/** One op's result. */
export const OpResultJson = t.union(
  [
    t.type({ seq: PositiveInt, status: t.literal('accepted'), cursor: t.string }),
    t.type({ seq: PositiveInt, status: t.literal('duplicate'), cursor: t.string }),
    t.type({ seq: PositiveInt, status: t.literal('rejected'), error: ErrorJson }),
    t.type({ seq: PositiveInt, status: t.literal('gap'), expected: PositiveInt }),
  ],
  'OpResult',
);
export type OpResultJson = t.TypeOf<typeof OpResultJson>;

/** The answer to a push. */
export const PushResponse = t.type(
  { results: t.array(OpResultJson), ackedSeq: WholeNumber, head: t.string },
  'PushResponse',
);
export type PushResponse = t.TypeOf<typeof PushResponse>;

const encodeResult = (result: OpResult): OpResultJson => {
  switch (result.status) {
    case 'accepted':
    case 'duplicate':
      return { seq: result.seq, status: result.status, cursor: result.cursor };
    case 'rejected':
      return { seq: result.seq, status: 'rejected', error: errorJson(result.error) };
    case 'gap':
      return { seq: result.seq, status: 'gap', expected: result.expected };
    default: {
      const unreachable: never = result;
      return unreachable;
    }
  }
};

/** The wire form of an append's result. */
export const encodePushResponse = (result: AppendResult): PushResponse => ({
  results: result.results.map(encodeResult),
  ackedSeq: result.ackedSeq,
  head: result.head,
});
