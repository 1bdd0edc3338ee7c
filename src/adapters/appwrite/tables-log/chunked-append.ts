/**
 * Appending in chunks on TablesDB (APPWRITE.md section 3): a transaction holds at most
 * `operationLimit` operations (100 on self-hosted and the free plan), the head's update
 * included, and a batch may need more. So a batch is cut into chunks, each planned from the
 * head it commits on and committed under the head row (`appendUnderHead`).
 *
 * Invariants:
 * 1. Each chunk is all or nothing. The batch answers only once every chunk is in: a failure
 *    between chunks answers nothing (an error), and leaves a prefix of the batch durable.
 * 2. A retry of the batch is idempotent by dot: the ops of the durable prefix are answered as
 *    the first time (`duplicate` with their cursors, the same `rejected`), the rest are
 *    appended, and no op is ever logged twice. From the client's side the batch is therefore
 *    all or nothing: it gets no answer, or one answer for every op.
 * 3. A chunk is as long as fits: ops are planned one by one until the next one would make the
 *    chunk stage more than the limit allows, and the chunk is then planned again without it
 *    (plans are deterministic for a given head). An op that alone exceeds the limit is an
 *    error (it cannot be appended on this plan's limit).
 * 4. Listeners hear the head of every chunk that appended an op.
 */
import type { TablesDB } from 'node-appwrite';
import {
  type AppendPlan,
  appendUnderHead,
  type HeadOptions,
  type StagedWrite,
} from '../log-head-transaction.ts';

/** What a chunk's plan reports besides its writes. */
export interface ChunkOutcome<R> {
  /** The answers of the chunk's items, in order. */
  readonly answers: readonly R[];
  /** The index of the first item the chunk did not answer (the batch's length: done). */
  readonly next: number;
  /** The positions the chunk took. */
  readonly appended: number;
  /** The patients the chunk transferred to other facilities. */
  readonly transferred: readonly string[];
}

/** A chunk's plan: from `start`, and up to (not including) `end` when given. */
export type ChunkPlanner<R> = (
  head: number,
  start: number,
  end: number | undefined,
) => Promise<{
  readonly outcome: ChunkOutcome<R>;
  readonly writes: readonly StagedWrite[];
  /** The item whose writes made the chunk exceed the budget (only when `end` is not given). */
  readonly overflowAt: number | undefined;
}>;

/** The operations a chunk may stage: the limit, less the head's update. */
export const chunkBudget = (options: HeadOptions): number => (options.operationLimit ?? 100) - 1;

/**
 * Runs the chunks of a batch of `length` items (see the module's invariants); returns the
 * answers of every item and the head after the last chunk.
 */
export const appendInChunks = async <R>(
  tablesDb: TablesDB,
  databaseId: string,
  length: number,
  planner: ChunkPlanner<R>,
  options: HeadOptions,
  committed: (head: number) => void,
): Promise<{
  readonly answers: readonly R[];
  readonly head: number;
  readonly transferred: readonly string[];
}> => {
  const answers: R[] = [];
  const transferred = new Set<string>();
  let start = 0;
  let head = 0;
  for (;;) {
    const from = start;
    const chunk = await appendUnderHead(
      tablesDb,
      databaseId,
      async (at): Promise<AppendPlan<ChunkOutcome<R>>> => {
        let planned = await planner(at, from, undefined);
        if (planned.overflowAt !== undefined) {
          if (planned.overflowAt === from) {
            throw new Error(
              `an op alone needs more than the ${chunkBudget(options)} operations a transaction may stage`,
            );
          }
          planned = await planner(at, from, planned.overflowAt);
        }
        return {
          positions: planned.outcome.appended,
          writes: planned.writes,
          result: planned.outcome,
        };
      },
      options,
    );
    head = chunk.head;
    answers.push(...chunk.result.answers);
    for (const patientId of chunk.result.transferred) transferred.add(patientId);
    if (chunk.result.appended > 0) committed(head);
    start = chunk.result.next;
    if (start >= length || start === from) return { answers, head, transferred: [...transferred] };
  }
};
