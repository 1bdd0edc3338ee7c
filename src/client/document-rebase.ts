/**
 * The rebase of one document (DESIGN.md section 5): its base state takes the newly logged ops,
 * and its optimistic view is the base plus the device's pending ops, through the reducers the
 * server runs.
 *
 * Invariants:
 * 1. `base` is the fold of the logged ops known; `view` the fold of those and the pending ops.
 *    Because the reducers depend only on the set of ops, pulling never undoes anything and a
 *    rejected op leaves the view just by being left out.
 * 2. States are advanced op by op (`apply`) when possible. When an op needs the whole document
 *    (`refold`) and its logged ops are not at hand, the answer says so (`base_needs_ops`,
 *    `view_needs_ops`), never a guess: the caller loads them (or fetches them from the server)
 *    and asks again.
 * 3. A pending op that the base already holds (its own device's entry in the base's version
 *    vector covers it) is left out: it has come back logged.
 */
import type { CollectionName } from '../domain/collection.ts';
import type { AuthoredOp, LoggedOp } from '../domain/operation.ts';
import { covers } from '../domain/version-vector.ts';
import { apply, type DocumentState, emptyState, fold } from '../projections/document-state.ts';

/** One document's states and ops, as rebasing takes them. */
export interface RebaseInput {
  readonly collection: CollectionName;
  readonly docId: string;
  /** The fold of the logged ops known so far; null when none is known. */
  readonly base: DocumentState | null;
  /** Every logged op of the document, when at hand. */
  readonly logged: readonly LoggedOp[] | 'not_loaded';
  /** Logged ops new to the replica (already told apart from known ones by their dots). */
  readonly incoming: readonly LoggedOp[];
  /** The device's pending ops on the document, authored by the replica's principal. */
  readonly pending: readonly AuthoredOp[];
}

/** The new states, or which of them needs every logged op of the document. */
export type RebaseResult =
  | { readonly kind: 'settled'; readonly base: DocumentState | null; readonly view: DocumentState }
  /** The base took the incoming ops; the view needs every logged op of the document. */
  | { readonly kind: 'view_needs_ops'; readonly base: DocumentState | null }
  /** The base needs every logged op of the document to take the incoming ones. */
  | { readonly kind: 'base_needs_ops' };

/** Folds `ops` into `state` one by one, or says that the whole set is needed. */
const advance = (
  state: DocumentState,
  ops: readonly AuthoredOp[],
  whole: (() => readonly AuthoredOp[]) | null,
): DocumentState | 'needs_ops' => {
  let current = state;
  for (const op of ops) {
    const result = apply(current, op);
    switch (result.kind) {
      case 'applied':
        current = result.state;
        break;
      case 'duplicate':
        break;
      case 'refold':
        return whole === null ? 'needs_ops' : fold(state.collection, state.docId, whole());
      default: {
        const unreachable: never = result;
        return unreachable;
      }
    }
  }
  return current;
};

/** The document's base and view after the incoming ops, with its pending ops on top. */
export const rebaseDocument = (input: RebaseInput): RebaseResult => {
  const { collection, docId, logged, incoming } = input;
  const loggedOps = logged === 'not_loaded' ? null : logged;
  let base = input.base;
  if (incoming.length > 0) {
    const start = base ?? emptyState(collection, docId);
    const next = advance(
      start,
      incoming,
      loggedOps === null ? null : () => [...loggedOps, ...incoming],
    );
    if (next === 'needs_ops') return { kind: 'base_needs_ops' };
    base = next;
  }
  const known = base?.vv ?? {};
  const pending = [...input.pending]
    .filter((op) => !covers(known, op))
    .sort((a, b) => a.seq - b.seq);
  if (pending.length === 0) {
    return { kind: 'settled', base, view: base ?? emptyState(collection, docId) };
  }
  const withLogged =
    base === null ? [] : loggedOps === null ? null : [...loggedOps, ...input.incoming];
  const view = advance(
    base ?? emptyState(collection, docId),
    pending,
    withLogged === null ? null : () => [...withLogged, ...pending],
  );
  if (view === 'needs_ops') return { kind: 'view_needs_ops', base };
  return { kind: 'settled', base, view };
};
