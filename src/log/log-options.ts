/**
 * Options every log backend takes besides its connection.
 */
import type { SchemaRegistry } from '../domain/operation.ts';

/**
 * The stages of an append at which a test can make it fail: before an op is decoded, before it
 * is appended (checks done), before its document is projected, and before the transaction
 * commits (`index` is then the number of ops in the request).
 */
export type FaultStage = 'decode' | 'append' | 'project' | 'commit';

export interface LogOptions {
  /** The server's clock, epoch ms (default `Date.now`). */
  readonly clock?: () => number;
  /**
   * The facilities of a user: where a notification without a patient is visible (its
   * recipient's facilities). The server builds it from its principals; default: none.
   */
  readonly userFacilities?: (userId: string) => readonly string[];
  /** The op schemas the log decodes (default: `SCHEMAS`); tests pass one with upcasters. */
  readonly schemas?: SchemaRegistry;
  /**
   * A test hook: called at each stage of each op of an append, inside its transaction; a throw
   * aborts the append and rolls all of it back.
   */
  readonly faultInjection?: (stage: FaultStage, index: number) => void;
}
