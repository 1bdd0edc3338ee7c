/**
 * What the parts of a replica share: its storage, its transport, who it is, its clock, its
 * events and the queue that serializes its writes. Built once by `createReplica`.
 */
import type { DeviceId } from '../domain/ids.ts';
import type { AuthoredOp, Operation } from '../domain/operation.ts';
import type { Author } from '../domain/principal.ts';
import type { ReplicaEventHub } from './replica-events.ts';
import type { SerialQueue } from './serial-queue.ts';
import type { ReplicaStore } from './store/replica-store.ts';
import type { SyncTransport } from './transports/sync-transport.ts';

/** The replica's shared parts (see the module). */
export interface ReplicaContext {
  readonly store: ReplicaStore;
  readonly transport: SyncTransport;
  readonly deviceId: DeviceId;
  /** The principal the server authenticates this device's requests as. */
  readonly author: Author;
  /** Wall clock, epoch ms. */
  readonly now: () => number;
  readonly events: ReplicaEventHub;
  /** Every write to the store goes through it. */
  readonly writes: SerialQueue;
}

/** A pending op as the reducers take it: authored by the replica's principal, not yet logged. */
export const asPending = (context: Pick<ReplicaContext, 'author'>, op: Operation): AuthoredOp => ({
  ...op,
  author: context.author,
});
