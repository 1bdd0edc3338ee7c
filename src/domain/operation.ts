/**
 * The operation envelope: the op a device sends, and the logged op the server returns.
 *
 * Invariants:
 * 1. An op is decoded in order: its schema version (newer than known: `unsupported_schema`;
 *    older: upcast step by step through the registry), then the envelope, then `data` by the
 *    collection's codec (`create`: full, `update`: partial). The first failure is the answer,
 *    with its path relative to the op.
 * 2. Fields not listed in PROTOCOL.md are dropped: an `author` in a body changes nothing.
 * 3. `(deviceId, seq)` is the op's identity (its dot).
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as t from 'io-ts';
import type { CollectionName, DocumentData } from './collection.ts';
import { COLLECTIONS, CollectionNameCodec } from './collections.ts';
import { type OpError, reportValidation, syncError } from './errors.ts';
import { Hlc } from './hlc.ts';
import { DeviceId, DocId, type Dot } from './ids.ts';
import { Author } from './principal.ts';
import { IsoTimestamp, PositiveInt, WholeNumber } from './scalars.ts';
import { VersionVector } from './version-vector.ts';

/** The op schema version this code writes and reads. */
export const CURRENT_OP_SCHEMA = 1;

export const OpKind = t.keyof(
  { create: null, update: null, delete: null, restore: null },
  'OpKind',
);
export type OpKind = t.TypeOf<typeof OpKind>;

/** What every op carries besides its kind and data. */
export interface OpHeader {
  readonly deviceId: DeviceId;
  readonly seq: number;
  readonly hlc: Hlc;
  readonly collection: CollectionName;
  readonly docId: DocId;
  readonly ctx: VersionVector;
  readonly schema: number;
}

/** An op's kind and its data: creates and updates carry fields, deletes and restores none. */
export type OpPayload =
  | { readonly kind: 'create' | 'update'; readonly data: DocumentData }
  | { readonly kind: 'delete' | 'restore' };

/** An op as a device makes it. */
export type Operation = OpHeader & OpPayload;

/** An op with the author the server (or the local replica, for a pending op) stamped on it. */
export type AuthoredOp = Operation & {
  readonly author: Author;
  /** Server time (epoch ms) of the append; absent for a pending op. */
  readonly receivedAt?: number;
  /** Position in the log; absent for a pending op. */
  readonly cursor?: string;
};

/** An op as the log holds it and serves it. */
export type LoggedOp = Operation & {
  readonly author: Author;
  readonly receivedAt: number;
  readonly cursor: string;
  /** Facility ids that may read it, or `["*"]`. */
  readonly scope: readonly string[];
};

/** The data an op writes (empty for delete and restore). */
export const dataOf = (op: OpPayload): DocumentData =>
  op.kind === 'create' || op.kind === 'update' ? op.data : {};

export const dotOf = (op: Dot): Dot => ({ deviceId: op.deviceId, seq: op.seq });

/** Turns an op of schema `v` into one of schema `v + 1` (raw JSON to raw JSON). */
export type Upcaster = (raw: Readonly<Record<string, unknown>>) => Record<string, unknown>;

/** The schema versions a decoder knows: the current one, and upcasters from older ones. */
export interface SchemaRegistry {
  readonly current: number;
  readonly upcasters: ReadonlyMap<number, Upcaster>;
}

/** Schema 1 is the first: nothing to upcast yet. */
export const SCHEMAS: SchemaRegistry = { current: CURRENT_OP_SCHEMA, upcasters: new Map() };

/** A decoded op, with the schema it arrived in when it was upcast. */
export interface DecodedOp {
  readonly op: Operation;
  readonly upcastFrom: number | null;
}

const Envelope = t.exact(
  t.intersection([
    t.type({
      deviceId: DeviceId,
      seq: PositiveInt,
      hlc: Hlc,
      collection: CollectionNameCodec,
      docId: DocId,
      kind: OpKind,
      ctx: VersionVector,
      schema: WholeNumber,
    }),
    t.partial({ data: t.unknown }),
  ]),
  'Operation',
);

/** The identity of an op, which a push checks before anything else. */
export const OpIdentity = t.type({ deviceId: DeviceId, seq: PositiveInt }, 'OpIdentity');

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === 'object' && u !== null && !Array.isArray(u);

/** Brings a raw op to the current schema, or says why it cannot. */
export const upcast = (
  raw: unknown,
  registry: SchemaRegistry = SCHEMAS,
): E.Either<
  OpError,
  { readonly raw: Readonly<Record<string, unknown>>; readonly from: number | null }
> => {
  if (!isRecord(raw)) return E.left(syncError('invalid', 'expected an op object'));
  const version = raw.schema;
  if (!WholeNumber.is(version)) {
    return E.left(
      syncError('invalid', 'expected the op schema version as a whole number', 'schema'),
    );
  }
  if (version > registry.current) {
    return E.left(
      syncError(
        'unsupported_schema',
        `op schema ${version} is newer than this server's ${registry.current}`,
        'schema',
      ),
    );
  }
  let current: Readonly<Record<string, unknown>> = raw;
  for (let v = version; v < registry.current; v++) {
    const step = registry.upcasters.get(v);
    if (step === undefined) {
      return E.left(
        syncError('unsupported_schema', `op schema ${v} is no longer supported`, 'schema'),
      );
    }
    current = { ...step(current), schema: v + 1 };
  }
  return E.right({ raw: current, from: version === registry.current ? null : version });
};

/** Decodes the fields of a create or an update by the collection's codec. */
const decodeData = (
  collection: CollectionName,
  kind: OpKind,
  data: unknown,
): E.Either<OpError, OpPayload> => {
  const spec = COLLECTIONS[collection];
  switch (kind) {
    case 'create':
      return pipe(
        spec.create.decode(data),
        E.bimap(
          (errors) => reportValidation('invalid', errors, 'data'),
          (decoded) => ({ kind, data: decoded }),
        ),
      );
    case 'update':
      return pipe(
        spec.update.decode(data),
        E.bimap(
          (errors) => reportValidation('invalid', errors, 'data'),
          (decoded) => ({ kind, data: decoded }),
        ),
      );
    case 'delete':
    case 'restore':
      return data === undefined
        ? E.right({ kind })
        : E.left(syncError('invalid', `a ${kind} carries no data`, 'data'));
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
};

/** The full decode: every codec with its contexts, so a refusal says what and where. */
const decodeByCodecs = (raw: unknown, registry: SchemaRegistry): E.Either<OpError, DecodedOp> =>
  pipe(
    upcast(raw, registry),
    E.chain(({ raw: current, from }) =>
      pipe(
        Envelope.decode(current),
        E.mapLeft((errors) => reportValidation('invalid', errors)),
        E.chain((env) =>
          pipe(
            decodeData(env.collection, env.kind, env.data),
            E.map(
              (payload): DecodedOp => ({
                op: {
                  deviceId: env.deviceId,
                  seq: env.seq,
                  hlc: env.hlc,
                  collection: env.collection,
                  docId: env.docId,
                  ctx: env.ctx,
                  schema: env.schema,
                  ...payload,
                },
                upcastFrom: from,
              }),
            ),
          ),
        ),
      ),
    ),
  );

/**
 * The op `raw` decodes to, when it is a well-formed op of the current schema, found by checking
 * (io-ts `is`, no contexts built) instead of decoding; `undefined` for anything else, which the
 * full decode then answers. Every push, pull and stored op goes through here, and almost all are
 * well formed. The result equals the full decode's: the envelope's codecs and the collections'
 * (`strictStruct`) are identities on what they accept, and the parts decoding copies (clock,
 * context) are copied here too.
 */
const bareOperation = (raw: unknown, registry: SchemaRegistry): Operation | undefined => {
  if (!isRecord(raw) || raw.schema !== registry.current || !Envelope.is(raw)) return undefined;
  const { deviceId, seq, hlc, collection, docId, kind, ctx, schema, data } = raw;
  const header = {
    deviceId,
    seq,
    hlc: { ms: hlc.ms, n: hlc.n },
    collection,
    docId,
    ctx: { ...ctx },
    schema,
  };
  switch (kind) {
    case 'create':
    case 'update': {
      const spec = COLLECTIONS[collection];
      return (kind === 'create' ? spec.create : spec.update).is(data)
        ? { ...header, kind, data }
        : undefined;
    }
    case 'delete':
    case 'restore':
      return data === undefined && !Object.hasOwn(raw, 'data') ? { ...header, kind } : undefined;
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
};

/**
 * Decodes an op as a device sends it: schema, envelope, then data. Unknown top-level fields are
 * dropped; an unknown field in `data` is `invalid` at `data.<field>`.
 */
export const decodeOperation = (
  raw: unknown,
  registry: SchemaRegistry = SCHEMAS,
): E.Either<OpError, DecodedOp> => {
  const bare = bareOperation(raw, registry);
  return bare === undefined
    ? decodeByCodecs(raw, registry)
    : E.right({ op: bare, upcastFrom: null });
};

/** `decodeOperation` without its fast path, for the tests that prove the two agree. */
export const decodeOperationByCodecs = (
  raw: unknown,
  registry: SchemaRegistry = SCHEMAS,
): E.Either<OpError, DecodedOp> => decodeByCodecs(raw, registry);

/** The JSON of an op as a device sends it (the wire shape; no undefined values). */
export const encodeOperation = (op: Operation): Record<string, unknown> => {
  const base = {
    deviceId: op.deviceId,
    seq: op.seq,
    hlc: { ms: op.hlc.ms, n: op.hlc.n },
    collection: op.collection,
    docId: op.docId,
    kind: op.kind,
    ctx: op.ctx,
    schema: op.schema,
  };
  return op.kind === 'create' || op.kind === 'update' ? { ...base, data: op.data } : base;
};

const LoggedExtras = t.type(
  {
    cursor: t.string,
    author: Author,
    receivedAt: IsoTimestamp,
    scope: t.readonlyArray(t.string),
  },
  'LoggedOpExtras',
);

/** The JSON of a logged op, as pull, history and ops answers carry it. */
export const encodeLoggedOp = (op: LoggedOp): Record<string, unknown> => ({
  ...encodeOperation(op),
  cursor: op.cursor,
  author: { userId: op.author.userId, role: op.author.role },
  receivedAt: new Date(op.receivedAt).toISOString(),
  scope: op.scope,
});

/** Decodes a logged op as a client receives it. */
export const decodeLoggedOp = (
  raw: unknown,
  registry: SchemaRegistry = SCHEMAS,
): E.Either<OpError, LoggedOp> =>
  pipe(
    decodeOperation(raw, registry),
    E.chainW(({ op }) =>
      pipe(
        LoggedExtras.decode(raw),
        E.bimap(
          (errors) => reportValidation('invalid', errors),
          (extras): LoggedOp => ({
            ...op,
            cursor: extras.cursor,
            author: extras.author,
            receivedAt: extras.receivedAt,
            scope: extras.scope,
          }),
        ),
      ),
    ),
  );
