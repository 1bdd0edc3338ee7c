/**
 * Arbitraries of ops for property tests: every collection and kind, as devices make them, and as
 * the log holds them.
 */
import { fc } from '@fast-check/vitest';
import { deviceIdArb, docIdArb, facilityIdArb, userIdArb } from '../../src/domain/arbitraries.ts';
import type { CollectionName } from '../../src/domain/collection.ts';
import { COLLECTION_NAMES, COLLECTIONS } from '../../src/domain/collections.ts';
import {
  CURRENT_OP_SCHEMA,
  type LoggedOp,
  type Operation,
  type OpKind,
  type OpPayload,
} from '../../src/domain/operation.ts';
import type { AuthorRole } from '../../src/domain/principal.ts';

export const KINDS: readonly OpKind[] = ['create', 'update', 'delete', 'restore'];
export const AUTHOR_ROLES: readonly AuthorRole[] = [
  'health_worker',
  'supervisor',
  'admin',
  'auditor',
  'system',
];

const payloadArb = (collection: CollectionName, kind: OpKind): fc.Arbitrary<OpPayload> => {
  const spec = COLLECTIONS[collection];
  switch (kind) {
    case 'create':
      return spec.arbitrary.create.map((data): OpPayload => ({ kind: 'create', data }));
    case 'update':
      return spec.arbitrary.update.map((data): OpPayload => ({ kind: 'update', data }));
    case 'delete':
    case 'restore':
      return fc.constant({ kind });
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
};

export const opArb = (collection: CollectionName, kind: OpKind): fc.Arbitrary<Operation> =>
  fc
    .record({
      deviceId: deviceIdArb(),
      seq: fc.oneof(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      ),
      hlc: fc.record({
        ms: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        n: fc.integer({ min: 0, max: 1000 }),
      }),
      docId: docIdArb(),
      ctx: fc.dictionary(deviceIdArb(), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), {
        maxKeys: 4,
      }),
      payload: payloadArb(collection, kind),
    })
    .map(
      ({ payload, ...header }): Operation => ({
        ...header,
        collection,
        schema: CURRENT_OP_SCHEMA,
        ...payload,
      }),
    );

export const anyOpArb: fc.Arbitrary<Operation> = fc
  .tuple(fc.constantFrom(...COLLECTION_NAMES), fc.constantFrom(...KINDS))
  .chain(([collection, kind]) => opArb(collection, kind));

export const loggedOpArb: fc.Arbitrary<LoggedOp> = fc
  .record({
    op: anyOpArb,
    cursor: fc.string({ maxLength: 30 }),
    author: fc.record({ userId: userIdArb(), role: fc.constantFrom(...AUTHOR_ROLES) }),
    receivedAt: fc.integer({ min: -8_640_000_000_000_000, max: 8_640_000_000_000_000 }),
    scope: fc.array(fc.oneof(facilityIdArb(), fc.constant('*')), { maxLength: 3 }),
  })
  .map(({ op, ...extras }): LoggedOp => ({ ...op, ...extras }));
