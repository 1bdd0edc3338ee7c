/**
 * The replica's status for the app: whether the server is reachable, what waits to be pushed
 * and since when, when the last sync succeeded, and what went wrong last.
 */

import type { SyncFailure } from './sync-machine.ts';
import { describeTransportError } from './transports/sync-transport.ts';

/** A snapshot of the replica's sync health. */
export interface ReplicaStatus {
  /** True when the last exchange with the server worked. */
  readonly online: boolean;
  readonly syncing: boolean;
  /** Ops the server has not answered yet. */
  readonly pending: number;
  /** Age of the oldest of them, ms. */
  readonly oldestPendingAgeMs: number | null;
  /** When a sync last reached the head (epoch ms). */
  readonly lastSyncAt: number | null;
  /** The last sync failure, until a sync succeeds. */
  readonly lastError: {
    readonly message: string;
    readonly failure: SyncFailure;
    readonly at: number;
  } | null;
  /** When the automatic mode retries (epoch ms), while a retry is scheduled. */
  readonly nextRetryAt: number | null;
}

/** A failure in words, for people. */
export const describeFailure = (failure: SyncFailure): string => {
  switch (failure.kind) {
    case 'transport':
      return describeTransportError(failure.error);
    case 'lost_ops':
      return `the server expects op ${failure.seq} of this device, which it no longer holds`;
    case 'protocol':
      return failure.message;
    case 'storage':
      return `the replica's database: ${failure.message}`;
    default: {
      const unreachable: never = failure;
      return unreachable;
    }
  }
};
