/**
 * Conflict records (DESIGN.md section 3, "Conflict records"; PROTOCOL.md, Conflicts): views of a
 * document's set of ops that say where concurrent writes met, who won and by which rule.
 */
import type { CollectionName, DocumentData } from '../domain/collection.ts';
import type { Dot } from '../domain/ids.ts';
import type { Author } from '../domain/principal.ts';

export type ConflictKind = 'field' | 'defeat' | 'delete';

export type ConflictRule =
  | 'server_wins'
  | 'client_wins'
  | 'merge_server_priority'
  | 'merge_client_priority'
  | 'review'
  | 'lww'
  | 'delete_wins'
  | 'resolution'
  | 'superseded';

export type ConflictStatus = 'open' | 'auto' | 'resolved';

/** One op taking part in a conflict, with the values it wrote to the record's fields. */
export interface ConflictCandidate extends Dot {
  readonly author: Author;
  readonly values: DocumentData;
}

/** A conflict record, in the wire shape of PROTOCOL.md. */
export interface ConflictRecord {
  /** Derived from the document, the kind, the field and the candidate dots: equal on every replica. */
  readonly id: string;
  readonly collection: CollectionName;
  readonly docId: string;
  readonly kind: ConflictKind;
  readonly fields: readonly string[];
  readonly candidates: readonly ConflictCandidate[];
  readonly winner: Dot;
  readonly rule: ConflictRule;
  readonly status: ConflictStatus;
  /** The resolution op that closed it, with the user who made it; null until resolved. */
  readonly resolvedBy: {
    readonly userId: string;
    readonly deviceId: string;
    readonly seq: number;
  } | null;
  /** True for a current `field` record (the only kind that can be resolved). */
  readonly current: boolean;
}
