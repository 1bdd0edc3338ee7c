/**
 * What a function entry runs on, once per warm container: the sync service over the log, and
 * the Appwrite tables a commit is fanned out to. `appwrite-host.ts` builds it from the
 * function's environment; tests build it on a log of their own.
 */
import type { OperationLog } from '../../log/operation-log.ts';
import type { SyncService } from '../sync-service.ts';
import type { CommitTargets } from './commit-fanout.ts';

/** The headers of an execution. */
export type ExecutionHeaders = Readonly<Record<string, string>>;

/** The composed dependencies of the function entries. */
export interface FunctionHost {
  readonly log: OperationLog;
  readonly service: SyncService;
  /** The Appwrite database of the synced tables. */
  readonly databaseId: string;
  /**
   * True when a commit's projected rows and sync heads are written after it, by the entry
   * (`commit-fanout.ts`): a log kept outside Appwrite. The TablesDB log writes them in the
   * commit's own transaction, so there is nothing to fan out.
   */
  readonly fansOut: boolean;
  /**
   * Called at the start of every execution with its headers: a log on TablesDB acts with the
   * newest execution's key (`x-appwrite-key` is short-lived) unless the host has a key of its own.
   */
  admit(headers: ExecutionHeaders): void;
  /**
   * Where commits are fanned out (projected rows, sync heads), acting with this execution's
   * credentials (its `x-appwrite-key`).
   */
  targetsFor(headers: ExecutionHeaders): CommitTargets;
}

/** Opens the container's host, given the headers of the execution that needs it first. */
export type HostOpener = (headers: ExecutionHeaders) => Promise<FunctionHost>;
