/**
 * Materialization: a document's fields, deleted flag and disputed fields, read off its state.
 */
import type { DocumentData, FieldValue } from '../domain/collection.ts';
import type { DocumentView } from '../domain/document-view.ts';
import { DELETED_FIELD } from './candidate.ts';
import { isDisputed } from './conflicts.ts';
import type { DocumentState } from './document-state.ts';

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
