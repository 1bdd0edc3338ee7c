/**
 * A fingerprint of everything on the wire: the routes, the structure of every wire codec, each
 * collection's fields and their rules, the error codes and their statuses, the limits, and
 * example encodings of every answer. `protocol-version.ts` records it next to
 * `PROTOCOL_VERSION`, and a test compares them: a change of the wire without a version bump fails.
 */
import { createHash } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { COLLECTION_NAMES, COLLECTIONS, CollectionNameCodec } from '../domain/collections.ts';
import { type ErrorCode, httpStatusOf, reportValidation } from '../domain/errors.ts';
import { Hlc } from '../domain/hlc.ts';
import { CURRENT_OP_SCHEMA, OpIdentity, OpKind } from '../domain/operation.ts';
import { Author, PrincipalsFile } from '../domain/principal.ts';
import { VersionVector } from '../domain/version-vector.ts';
import { SYNC_ROUTES } from './sync-routes.ts';
import { HEARTBEAT_MS } from './sync-service.ts';
import {
  ConflictJson,
  ConflictsQuery,
  ConflictsResponse,
  ResolveRequest,
  ResolveResponse,
} from './wire/conflict-messages.ts';
import { EventsQuery, PokeData } from './wire/events-messages.ts';
import { HealthResponse } from './wire/health-messages.ts';
import { HistoryQuery, HistoryResponse } from './wire/history-messages.ts';
import {
  DEFAULT_PULL_LIMIT,
  MAX_PULL_LIMIT,
  PullQuery,
  PullResponse,
} from './wire/pull-messages.ts';
import {
  ErrorJson,
  MAX_BODY_BYTES,
  MAX_PUSH_OPS,
  PushRequest,
  PushResponse,
} from './wire/push-messages.ts';
import { SnapshotQuery, SnapshotResponse } from './wire/snapshot-messages.ts';
import { StatusOverviewJson, StatusQuery } from './wire/status-messages.ts';
import { VerifyResponse } from './wire/verify-messages.ts';
import { wireExamples } from './wire-examples.ts';

/** A codec's structure as JSON: combinators by their parts, other types by their names. */
export const describeCodec = (codec: t.Decoder<unknown, unknown>): unknown => {
  if (codec instanceof t.InterfaceType || codec instanceof t.PartialType) {
    const props: Record<string, unknown> = {};
    for (const [key, value] of Object.entries<t.Mixed>(codec.props))
      props[key] = describeCodec(value);
    return { [codec instanceof t.InterfaceType ? 'type' : 'partial']: props };
  }
  if (codec instanceof t.ExactType) return { exact: describeCodec(codec.type) };
  if (codec instanceof t.UnionType) return { union: codec.types.map(describeCodec) };
  if (codec instanceof t.IntersectionType) return { intersection: codec.types.map(describeCodec) };
  if (codec instanceof t.ArrayType || codec instanceof t.ReadonlyArrayType) {
    return { array: describeCodec(codec.type) };
  }
  if (codec instanceof t.KeyofType) return { keyof: Object.keys(codec.keys).sort() };
  if (codec instanceof t.LiteralType) return { literal: codec.value };
  if (codec instanceof t.RefinementType)
    return { refinement: codec.name, of: describeCodec(codec.type) };
  return codec.name;
};

/** Every wire codec, by name. */
const WIRE_CODECS: Readonly<Record<string, t.Decoder<unknown, unknown>>> = {
  OpIdentity,
  OpKind,
  Hlc,
  Author,
  VersionVector,
  CollectionName: CollectionNameCodec,
  PrincipalsFile,
  ErrorJson,
  PushRequest,
  PushResponse,
  PullQuery,
  PullResponse,
  SnapshotQuery,
  SnapshotResponse,
  EventsQuery,
  PokeData,
  HealthResponse,
  StatusQuery,
  StatusOverviewJson,
  HistoryQuery,
  HistoryResponse,
  ConflictsQuery,
  ConflictJson,
  ConflictsResponse,
  ResolveRequest,
  ResolveResponse,
  VerifyResponse,
};

const ERROR_CODES: readonly ErrorCode[] = [
  'bad_request',
  'unauthenticated',
  'forbidden',
  'not_found',
  'too_large',
  'unsupported_encoding',
  'unavailable',
  'bad_cursor',
  'reset_required',
  'not_resolvable',
  'already_resolved',
  'stale',
  'internal',
  'invalid',
  'unsupported_schema',
];

/** What each collection's codecs require and refuse, probed by decoding. */
const describeCollections = (): unknown =>
  COLLECTION_NAMES.map((name) => {
    const spec = COLLECTIONS[name];
    const missing = spec.create.decode({});
    const required = E.isLeft(missing)
      ? [...new Set(missing.left.map((e) => reportValidation('invalid', [e]).path ?? ''))].sort()
      : [];
    const fieldErrors = spec.fieldNames.map((field) => {
      const refused = spec.update.decode({ [field]: { not: 'a value' } });
      return [
        field,
        E.isLeft(refused) ? reportValidation('invalid', refused.left).message : 'accepted',
      ];
    });
    return {
      name,
      fields: spec.fieldNames,
      required,
      fieldErrors,
      policy: spec.policy,
      fieldPolicies: spec.fields,
      references: spec.references,
      writers: spec.writers,
      scope: spec.scope,
    };
  });

/** The fingerprint's input, as JSON (see the module's comment). */
export const wireDescription = (): unknown => ({
  routes: SYNC_ROUTES.map((r) => [r.method, r.pattern, r.access]),
  codecs: Object.fromEntries(
    Object.entries(WIRE_CODECS).map(([name, codec]) => [name, describeCodec(codec)]),
  ),
  collections: describeCollections(),
  errors: ERROR_CODES.map((code) => [code, httpStatusOf(code)]),
  limits: {
    MAX_PUSH_OPS,
    MAX_BODY_BYTES,
    DEFAULT_PULL_LIMIT,
    MAX_PULL_LIMIT,
    CURRENT_OP_SCHEMA,
    HEARTBEAT_MS,
  },
  examples: wireExamples(),
});

/** JSON with object keys sorted, so that the fingerprint does not depend on key order. */
const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
};

/** SHA-256 of the canonical wire description, hex. */
export const wireFingerprint = (): string =>
  createHash('sha256').update(canonical(wireDescription())).digest('hex');
