/**
 * Turning a mutation into an op, purely: validation by the collection's codecs, the seq, the
 * clock tick and the causal context.
 *
 * Invariants:
 * 1. The op's `seq` is the replica's next seq and its `hlc` is strictly after the replica's
 *    clock (hlc.ts `tick`), so a device's ops are ordered whatever its wall clock does.
 * 2. The op's `ctx` is the version vector of the document as the replica knows it (logged ops
 *    and its own pending ones): exactly what the op has seen (DESIGN.md section 2).
 * 3. A create of a document the replica knows, or an update, delete or restore of one it does
 *    not know, is refused here with `invalid` at `docId`, as the server would refuse it.
 * 4. Nothing here reads or writes storage: the caller persists the op before answering.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { CollectionName } from '../domain/collection.ts';
import { COLLECTIONS } from '../domain/collections.ts';
import { invalid, type OpError, reportValidation } from '../domain/errors.ts';
import { type Hlc, tick } from '../domain/hlc.ts';
import { type DeviceId, DocId } from '../domain/ids.ts';
import { CURRENT_OP_SCHEMA, type Operation, type OpPayload } from '../domain/operation.ts';
import { normalize, type VersionVector } from '../domain/version-vector.ts';

/** A change a device asks for, before validation. */
export type Mutation =
  | {
      readonly kind: 'create' | 'update';
      readonly collection: CollectionName;
      readonly docId: string;
      readonly data: unknown;
    }
  | {
      readonly kind: 'delete' | 'restore';
      readonly collection: CollectionName;
      readonly docId: string;
    };

/** What authoring reads of the replica. */
export interface AuthoringContext {
  readonly deviceId: DeviceId;
  readonly nextSeq: number;
  readonly clock: Hlc;
  /** Wall clock, epoch ms. */
  readonly now: number;
  /** What the replica knows of the document: whether it exists, and its version vector. */
  readonly current: KnownDocument;
}

/** What authoring needs to know of the document an op is about. */
export interface KnownDocument {
  /** True when the document's create is among the ops the replica holds (logged or pending). */
  readonly exists: boolean;
  /** The highest seq of each device among those ops. */
  readonly vv: VersionVector;
}

/** The op a mutation makes, and the clock after it. */
export interface AuthoredMutation {
  readonly op: Operation;
  readonly clock: Hlc;
}

/**
 * The fields as the op will hold them once stored and sent as JSON, which leaves out a key whose
 * value is `undefined`: checked as such, so that `{ townVillage: undefined }` is the empty update
 * it becomes (refused here) rather than an op that passes and cannot be read back.
 */
const asJsonFields = (data: unknown): unknown =>
  typeof data === 'object' && data !== null && !Array.isArray(data)
    ? Object.fromEntries(Object.entries(data).filter(([, value]) => value !== undefined))
    : data;

const payloadOf = (mutation: Mutation): E.Either<OpError, OpPayload> => {
  switch (mutation.kind) {
    case 'create': {
      const decoded = COLLECTIONS[mutation.collection].create.decode(asJsonFields(mutation.data));
      return E.isLeft(decoded)
        ? E.left(reportValidation('invalid', decoded.left, 'data'))
        : E.right({ kind: 'create', data: decoded.right });
    }
    case 'update': {
      const decoded = COLLECTIONS[mutation.collection].update.decode(asJsonFields(mutation.data));
      return E.isLeft(decoded)
        ? E.left(reportValidation('invalid', decoded.left, 'data'))
        : E.right({ kind: 'update', data: decoded.right });
    }
    case 'delete':
    case 'restore':
      return E.right({ kind: mutation.kind });
    default: {
      const unreachable: never = mutation;
      return unreachable;
    }
  }
};

const checkExistence = (mutation: Mutation, current: KnownDocument): OpError | undefined => {
  const exists = current.exists;
  if (mutation.kind === 'create' && exists) {
    return invalid(`${mutation.collection} ${mutation.docId} exists already`, 'docId');
  }
  if (mutation.kind !== 'create' && !exists) {
    return invalid(`${mutation.collection} ${mutation.docId} does not exist here`, 'docId');
  }
  return undefined;
};

/** The op of a mutation, or why the server would refuse it. */
export const authorOp = (
  mutation: Mutation,
  context: AuthoringContext,
): E.Either<OpError, AuthoredMutation> => {
  const docId = DocId.decode(mutation.docId);
  if (E.isLeft(docId)) return E.left(reportValidation('invalid', docId.left, 'docId'));
  const payload = payloadOf(mutation);
  if (E.isLeft(payload)) return payload;
  const refused = checkExistence(mutation, context.current);
  if (refused !== undefined) return E.left(refused);
  const clock = tick(context.clock, context.now);
  const op: Operation = {
    deviceId: context.deviceId,
    seq: context.nextSeq,
    hlc: clock,
    collection: mutation.collection,
    docId: docId.right,
    ctx: normalize(context.current.vv),
    schema: CURRENT_OP_SCHEMA,
    ...payload.right,
  };
  return E.right({ op, clock });
};
