/**
 * Materialization: a document's fields, deleted flag and disputed fields, read off its state.
 */
import type { DocumentData, FieldValue } from '../domain/collection.ts';
import type { DocumentView } from '../domain/document-view.ts';
import { DELETED_FIELD } from './candidate.ts';
import { isDisputed } from './conflicts.ts';
import type { DocumentState } from './document-state.ts';
import type { PackedState } from './packed-state.ts';

export interface MaterializedDocument {
  /** False until a create is among the ops. */
  readonly exists: boolean;
  /** Each field's standing value (the highest-ranked maximum). */
  readonly data: DocumentData;
  /** The standing value of `_deleted`. */
  readonly deleted: boolean;
  /** Review fields whose concurrent values disagree, sorted. */
  readonly disputed: readonly string[];
}

export const materialize = (state: DocumentState): MaterializedDocument => {
  const data: Record<string, FieldValue> = {};
  const disputed: string[] = [];
  for (const field of Object.keys(state.maxima).sort()) {
    if (field === DELETED_FIELD) continue;
    const winner = state.maxima[field]?.[0];
    if (winner !== undefined) data[field] = winner.value;
    if (isDisputed(state, field)) disputed.push(field);
  }
  return {
    exists: state.created,
    data,
    deleted: state.maxima[DELETED_FIELD]?.[0]?.value === true,
    disputed,
  };
};

/**
 * `materialize(unpack(packed))`, read off the packed form without unpacking it, when every field
 * has at most one maximum (nothing tied, so nothing disputed): almost every document a snapshot
 * carries. Undefined for a tie or a writer index that names no writer: the caller unpacks
 * (and `unpack` reports a bad index at its path).
 */
export const materializePacked = (packed: PackedState): MaterializedDocument | undefined => {
  const data: Record<string, FieldValue> = {};
  let deleted = false;
  for (const field of Object.keys(packed.fields).sort()) {
    const entries = packed.fields[field] ?? [];
    if (entries.length > 1) return undefined;
    const entry = entries[0];
    if (entry === undefined) continue;
    const [index, value] = entry;
    if (packed.writers[index] === undefined) return undefined;
    if (field === DELETED_FIELD) deleted = value === true;
    else data[field] = value;
  }
  return { exists: packed.created, data, deleted, disputed: [] };
};

/** What the rules, scopes and permissions take as the document now; undefined before its create. */
export const viewOf = (state: DocumentState): DocumentView | undefined => {
  if (!state.created) return undefined;
  const doc = materialize(state);
  return {
    collection: state.collection,
    docId: state.docId,
    data: doc.data,
    deleted: doc.deleted,
    vv: state.vv,
  };
};
