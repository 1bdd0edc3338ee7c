/**
 * The declaration of a collection: its codecs, its resolution policies and its references. It is
 * the one place these facts are written; validation (`operation.ts`, `rules.ts`), the reducers
 * (`src/projections`) and the property tests all read them from here.
 *
 * Invariants:
 * 1. Every field named in `fields` is a field of the create codec.
 * 2. `create` is the full document codec (required fields present), `update` the partial one
 *    (at least one field); both are closed: an unknown field fails at its own path.
 */
import type * as fc from 'fast-check';
import type * as t from 'io-ts';
import type { Role } from './principal.ts';

/** A value a document field can hold. */
export type FieldValue = string | number | boolean | null;

/** A document's fields. */
export type DocumentData = Readonly<Record<string, FieldValue>>;

/** A collection's codec of `data` (`strictStruct`). */
export type DataCodec = t.Decoder<unknown, DocumentData> & { readonly is: t.Is<DocumentData> };

/** How concurrent writes to a document are decided (DESIGN.md section 3). */
export type DocumentPolicy =
  | 'server_wins'
  | 'client_wins'
  | 'merge_server_priority'
  | 'merge_client_priority';

/** A per-field rule on top of the document's policy. */
export type FieldPolicy = 'review' | 'server_only';

/** Which facilities may read a document's ops (PROTOCOL.md, Scope). */
export type ScopeRule =
  /** Reference data: every facility. */
  | { readonly kind: 'everyone' }
  /** The facility named by a field of the document. */
  | { readonly kind: 'facility'; readonly field: string }
  /** The current facility of the patient named by a field; without one, the recipient's. */
  | { readonly kind: 'patient'; readonly field: string; readonly recipientField?: string };

/** The names of the synced collections. */
export type CollectionName =
  | 'facilities'
  | 'vaccines'
  | 'patients'
  | 'immunization_records'
  | 'notifications';

/** A collection's declaration. */
export interface CollectionSpec {
  readonly name: CollectionName;
  /** The full document, for `create`; its `is` holds exactly when decoding gives the value back. */
  readonly create: DataCodec;
  /** The changed fields, for `update` (its `is` as `create`'s). */
  readonly update: DataCodec;
  /** Every field, in declaration order. */
  readonly fieldNames: readonly string[];
  readonly policy: DocumentPolicy;
  readonly fields: Readonly<Record<string, FieldPolicy>>;
  /** Fields that name a document of another collection, which must exist and not be deleted. */
  readonly references: Readonly<Record<string, CollectionName>>;
  /** Roles that may write it through push (the server's own devices always may). */
  readonly writers: readonly Role[];
  readonly scope: ScopeRule;
  /** Arbitraries of a valid create and a valid update, for property tests. */
  readonly arbitrary: {
    readonly create: fc.Arbitrary<DocumentData>;
    readonly update: fc.Arbitrary<DocumentData>;
  };
}

/** The policy of one field, if any. */
export const fieldPolicyOf = (spec: CollectionSpec, field: string): FieldPolicy | undefined =>
  Object.hasOwn(spec.fields, field) ? spec.fields[field] : undefined;

export const isReviewField = (spec: CollectionSpec, field: string): boolean =>
  fieldPolicyOf(spec, field) === 'review';

export const isServerOnlyField = (spec: CollectionSpec, field: string): boolean =>
  fieldPolicyOf(spec, field) === 'server_only';
