/**
 * What the rules, scopes and permissions need to know of a document that already exists: its
 * current fields, whether it is deleted, and its version vector (the highest seq of each device
 * among its logged ops). The log reads it from the projection; the client from its view.
 */
import type { CollectionName, DocumentData } from './collection.ts';
import type { OpPayload } from './operation.ts';
import type { VersionVector } from './version-vector.ts';

export interface DocumentView {
  readonly collection: CollectionName;
  readonly docId: string;
  readonly data: DocumentData;
  readonly deleted: boolean;
  readonly vv: VersionVector;
}

/**
 * Synchronous look-ups of other documents and of users. Hosts with async stores load what
 * `referencesOf` names first, then answer from memory.
 */
export interface DocumentLookup {
  /** The document as projected now, earlier ops of the same batch included; undefined if never created. */
  readonly document: (collection: CollectionName, docId: string) => DocumentView | undefined;
  /** The facilities of a user (the recipient of a notification without a patient). */
  readonly userFacilities: (userId: string) => readonly string[];
}

/** The fields a document will have once the op applies (its current ones overlaid by the op's). */
export const effectiveData = (op: OpPayload, current: DocumentView | undefined): DocumentData => {
  switch (op.kind) {
    case 'create':
      return op.data;
    case 'update':
      return { ...(current?.data ?? {}), ...op.data };
    case 'delete':
    case 'restore':
      return current?.data ?? {};
    default: {
      const unreachable: never = op;
      return unreachable;
    }
  }
};

/** A string field of a document, if it holds one. */
export const stringField = (data: DocumentData, field: string): string | undefined => {
  const value = Object.hasOwn(data, field) ? data[field] : undefined;
  return typeof value === 'string' ? value : undefined;
};

/** A number field of a document, if it holds one. */
export const numberField = (data: DocumentData, field: string): number | undefined => {
  const value = Object.hasOwn(data, field) ? data[field] : undefined;
  return typeof value === 'number' ? value : undefined;
};
