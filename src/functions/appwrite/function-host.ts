/**
 * What a function entry runs on, once per warm container: the sync service over the log, and
 * the Appwrite tables a commit is fanned out to. `appwrite-host.ts` builds it from the
 * function's environment; tests build it on an in-memory log.
 */
import type { OperationLog } from '../../log/operation-log.ts';
import type { SyncService } from '../sync-service.ts';
import type { CommitTargets } from './commit-fanout.ts';

/** The composed dependencies of the function entries. */
export interface FunctionHost {
  readonly log: OperationLog;
  readonly service: SyncService;
  /** The Appwrite database of the synced tables. */
  readonly databaseId: string;
  /**
   * Where commits are fanned out (projected rows, sync heads), acting with this execution's
   * credentials (its `x-appwrite-key`).
   */
  targetsFor(headers: Readonly<Record<string, string>>): CommitTargets;
}
