/**
 * What a replica tells its app, as typed events: documents changed, a sync completed or failed,
 * an op was rejected (with the server's reason), a conflict touched a document this device
 * wrote.
 *
 * Invariants:
 * 1. Events are emitted after the change they announce is committed to storage.
 * 2. A listener that throws does not stop the replica nor the other listeners.
 */
import type { CollectionName } from '../domain/collection.ts';
import type { OpError } from '../domain/errors.ts';
import type { Operation } from '../domain/operation.ts';
import type { ConflictRecord } from '../projections/conflict-record.ts';
import type { SyncFailure } from './sync-machine.ts';

/** Every event a replica emits, tagged by `type`. */
export type ReplicaEvent =
  /** The optimistic view of these documents changed (a mutation, a pull, a rejection). */
  | {
      readonly type: 'changed';
      readonly collection: CollectionName;
      readonly docIds: readonly string[];
    }
  /** A sync cycle reached the head: `pushed` ops answered, `pulled` logged ops received. */
  | {
      readonly type: 'synced';
      readonly at: number;
      readonly pushed: number;
      readonly pulled: number;
    }
  /** A sync cycle failed (the status says when the automatic mode retries, if it does). */
  | { readonly type: 'sync_failed'; readonly failure: SyncFailure }
  /** The server rejected an op of this device: it left the view; the server keeps it in quarantine. */
  | { readonly type: 'rejected'; readonly op: Operation; readonly error: OpError }
  /** A conflict record, new or changed, on a document this device has written. */
  | { readonly type: 'conflict'; readonly conflict: ConflictRecord };

/** The events' tags. */
export type ReplicaEventType = ReplicaEvent['type'];

/** The event of one type. */
export type EventOf<K extends ReplicaEventType> = Extract<ReplicaEvent, { readonly type: K }>;

type Listener = (event: ReplicaEvent) => void;

/** Listeners by event type. */
export class ReplicaEventHub {
  readonly #listeners = new Map<ReplicaEventType, Set<Listener>>();

  /** Calls `listener` for every event of `type`; returns the function that stops it. */
  on<K extends ReplicaEventType>(type: K, listener: (event: EventOf<K>) => void): () => void {
    const wrapped: Listener = (event) => {
      if (isOfType(event, type)) listener(event);
    };
    const set = this.#listeners.get(type) ?? new Set<Listener>();
    set.add(wrapped);
    this.#listeners.set(type, set);
    return () => {
      set.delete(wrapped);
    };
  }

  emit(event: ReplicaEvent): void {
    for (const listener of [...(this.#listeners.get(event.type) ?? [])]) {
      try {
        listener(event);
      } catch {
        // A listener's failure is the app's; the replica and the other listeners go on.
      }
    }
  }
}

const isOfType = <K extends ReplicaEventType>(event: ReplicaEvent, type: K): event is EventOf<K> =>
  event.type === type;
