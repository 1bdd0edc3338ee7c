/** The fixture every contract scenario opens: a fresh log on the backend under test. */
import type { CollectionName } from '../../../src/domain/collection.ts';
import type { LogOptions } from '../../../src/log/log-options.ts';
import type { OperationLog } from '../../../src/log/operation-log.ts';

/**
 * Changes made to a backend's store behind the log's back, as a bug, an operator or an attacker
 * could, so that the scenarios can check what `verify` and the cursors make of them. Each
 * backend implements them on its own tables (kysely for SQL, the SDK for TablesDB).
 */
export interface LogTamper {
  /** The ids of the documents of a collection whose projection the store holds. */
  storedDocIds(collection: CollectionName): Promise<readonly string[]>;
  /** Rewrites the stored op of a dot (its body, as the store keeps it). */
  rewriteOpBody(deviceId: string, seq: number, rewrite: (body: string) => string): Promise<void>;
  /** Replaces the fields of a document's projection (its reducer state is left alone). */
  rewriteProjectionData(
    collection: CollectionName,
    docId: string,
    data: Readonly<Record<string, unknown>>,
  ): Promise<void>;
  /** Adds a live `field` conflict record that no op gives, on an existing document. */
  forgeConflict(conflict: {
    readonly id: string;
    readonly collection: CollectionName;
    readonly docId: string;
    readonly position: number;
  }): Promise<void>;
  /** Sets the recorded head of a device's hash chain. */
  forgeChainHead(deviceId: string, hash: string): Promise<void>;
  /** Sets the stored link of an op in its device's hash chain. */
  rewriteLink(deviceId: string, seq: number, hash: string): Promise<void>;
  /** Swaps the positions of two ops (and of their visibility), as a reordered log would have. */
  swapPositions(a: number, b: number): Promise<void>;
  /** Removes the visibility of the op at `position` from its own position, for every facility. */
  dropOwnVisibility(position: number): Promise<void>;
  /** Makes position `op` visible to `facility` from position `at` on, as a transfer would. */
  reveal(facility: string, at: number, op: number): Promise<void>;
  /** Removes the last op, as a restore from an older backup of the same epoch would. */
  dropLastOp(): Promise<void>;
}

/** A fresh log, and how to dispose of it. */
export interface LogFixture {
  readonly log: OperationLog;
  /** Opens another instance on the same store (backends that serve several instances). */
  readonly openInstance?: (options?: LogOptions) => Promise<OperationLog>;
  /** Manipulations of the store behind the log's back. */
  readonly tamper: LogTamper;
  /** Closes every instance and removes the store. */
  close(): Promise<void>;
}

/** Opens a fresh, empty log for one test. */
export type LogFactory = (options?: LogOptions) => Promise<LogFixture>;

/** Runs `body` with a fresh log, closing it whatever happens. */
export const withLog = async <T>(
  factory: LogFactory,
  body: (fixture: LogFixture) => Promise<T>,
  options?: LogOptions,
): Promise<T> => {
  const fixture = await factory(options);
  try {
    return await body(fixture);
  } finally {
    await fixture.close();
  }
};
