/**
 * One sync cycle as a pure state machine (STYLE.md, after LiveStore): `nextCommand` says what
 * to do, the I/O loop does it and reports an event, `advance` returns the next state. Nothing
 * here touches the network or the store.
 *
 * A cycle pushes the outbox, bootstraps when the replica has no cursor (going on from the page
 * after the last one written, when a bootstrap was cut short), and pulls to the head:
 *
 *   push ──(nothing more)──> bootstrap? ──(last page)──> pull ──(hasMore: false)──> done
 *     ^  └─(gap: resend from `expected`)                  │
 *     └──────(probe: push the last own op)── bootstrap <──┘ (409 reset_required)
 *
 * Invariants:
 * 1. A push command never asks for more than `MAX_PUSH_BATCH` ops; a `413 too_large` halves the
 *    batch (down to one op) instead of failing.
 * 2. A `gap` answer makes the next command a push from exactly the seq the server expects.
 * 3. `reset_required` restarts from a snapshot, then probes the server with the device's last
 *    op (its answer says whether the restored server lacks earlier ones), then pushes and pulls
 *    again; pending ops are never dropped. A cycle re-bootstraps at most `MAX_RESETS` times.
 *    A snapshot page the server no longer serves (`bad_cursor`), or one of another snapshot than
 *    the pages already written, restarts the bootstrap from its first page the same way.
 * 4. Any other failure ends the cycle at once: whether and when to retry is the caller's choice
 *    (`isRetryable`: network and 5xx only, never a 4xx).
 * 5. `done` is reached only after a pull page with `hasMore: false`.
 */
import { MAX_PUSH_BATCH } from './outbox-batch.ts';
import type { TransportError } from './transports/sync-transport.ts';

/** Where a push starts. */
export type PushFrom =
  /** The lowest seq the server has not answered. */
  | { readonly kind: 'unanswered' }
  /** A seq the server asked for (`gap`). */
  | { readonly kind: 'seq'; readonly seq: number }
  /** The device's last op alone: after a reset, to learn what the server has. */
  | { readonly kind: 'last' };

/** Why a cycle failed. */
export type SyncFailure =
  | { readonly kind: 'transport'; readonly error: TransportError }
  /** The server expects an op this device no longer holds. */
  | { readonly kind: 'lost_ops'; readonly seq: number }
  /** The server's answers make no sense together (a loop of gaps or resets, a bad answer). */
  | { readonly kind: 'protocol'; readonly message: string }
  /** The replica's own database holds something it cannot read (a damaged file, or a bug). */
  | { readonly kind: 'storage'; readonly message: string };

/** Where a cycle is. */
export type SyncStage =
  | { readonly tag: 'push'; readonly from: PushFrom }
  | { readonly tag: 'bootstrap'; readonly page: string | null }
  | { readonly tag: 'pull' }
  | { readonly tag: 'done' }
  | { readonly tag: 'failed'; readonly failure: SyncFailure };

/** The whole state of one cycle. */
export interface SyncCycle {
  readonly stage: SyncStage;
  /** False until the replica holds a cursor (from a completed bootstrap). */
  readonly bootstrapped: boolean;
  readonly batchLimit: number;
  /** Bootstraps restarted by `reset_required` in this cycle. */
  readonly resets: number;
  /** `gap` answers in a row. */
  readonly gaps: number;
  /** The page a bootstrap cut short goes on from (null: a bootstrap starts from its first page). */
  readonly resumeFrom: string | null;
}

/** What the I/O loop must do next. */
export type SyncCommand =
  | { readonly kind: 'push'; readonly from: PushFrom; readonly limit: number }
  | { readonly kind: 'snapshot'; readonly page: string | null }
  | { readonly kind: 'pull' }
  | { readonly kind: 'finish' }
  | { readonly kind: 'fail'; readonly failure: SyncFailure };

/** What the I/O loop reports after doing a command. */
export type SyncEvent =
  /** A push was answered and acted on; `more`: unanswered ops remain. */
  | { readonly kind: 'pushed'; readonly resendFrom: number | null; readonly more: boolean }
  | { readonly kind: 'nothing_to_push' }
  | { readonly kind: 'snapshot_page'; readonly nextPage: string | null }
  /** The page is of another snapshot than the pages written so far: nothing was written. */
  | { readonly kind: 'snapshot_moved' }
  | { readonly kind: 'pulled'; readonly hasMore: boolean }
  | { readonly kind: 'failed'; readonly failure: SyncFailure };

/** Re-bootstraps allowed in one cycle. */
export const MAX_RESETS = 2;
/** `gap` answers in a row before the cycle gives up (the server and the device disagree). */
export const MAX_GAPS = 3;

/**
 * A new cycle for a replica that holds a cursor (`bootstrapped`) or not; `resumeFrom` is the
 * next page of a bootstrap cut short, if any.
 */
export const startCycle = (bootstrapped: boolean, resumeFrom: string | null = null): SyncCycle => ({
  stage: { tag: 'push', from: { kind: 'unanswered' } },
  bootstrapped,
  batchLimit: MAX_PUSH_BATCH,
  resets: 0,
  gaps: 0,
  resumeFrom: bootstrapped ? null : resumeFrom,
});

/** What the I/O loop does next. */
export const nextCommand = (cycle: SyncCycle): SyncCommand => {
  const { stage } = cycle;
  switch (stage.tag) {
    case 'push':
      return { kind: 'push', from: stage.from, limit: cycle.batchLimit };
    case 'bootstrap':
      return { kind: 'snapshot', page: stage.page };
    case 'pull':
      return { kind: 'pull' };
    case 'done':
      return { kind: 'finish' };
    case 'failed':
      return { kind: 'fail', failure: stage.failure };
    default: {
      const unreachable: never = stage;
      return unreachable;
    }
  }
};

const fail = (cycle: SyncCycle, failure: SyncFailure): SyncCycle => ({
  ...cycle,
  stage: { tag: 'failed', failure },
});

const isHttp = (failure: SyncFailure, status: number, code?: string): boolean =>
  failure.kind === 'transport' &&
  failure.error.kind === 'http' &&
  failure.error.status === status &&
  (code === undefined || failure.error.code === code);

/** True for the answer that asks for a new bootstrap. */
export const isResetRequired = (failure: SyncFailure): boolean =>
  isHttp(failure, 409, 'reset_required');

/** True for the answer to a page token the server does not (or no longer) accept. */
const isBadCursor = (failure: SyncFailure): boolean => isHttp(failure, 400, 'bad_cursor');

const reset = (cycle: SyncCycle, failure: SyncFailure): SyncCycle =>
  cycle.resets >= MAX_RESETS
    ? fail(cycle, failure)
    : {
        ...cycle,
        bootstrapped: false,
        resets: cycle.resets + 1,
        resumeFrom: null,
        stage: { tag: 'bootstrap', page: null },
      };

const afterPushing = (cycle: SyncCycle): SyncCycle => ({
  ...cycle,
  gaps: 0,
  stage: cycle.bootstrapped ? { tag: 'pull' } : { tag: 'bootstrap', page: cycle.resumeFrom },
});

const advancePush = (cycle: SyncCycle, event: SyncEvent): SyncCycle => {
  switch (event.kind) {
    case 'pushed':
      if (event.resendFrom !== null) {
        return cycle.gaps + 1 > MAX_GAPS
          ? fail(cycle, { kind: 'protocol', message: 'the server keeps answering gap' })
          : {
              ...cycle,
              gaps: cycle.gaps + 1,
              stage: { tag: 'push', from: { kind: 'seq', seq: event.resendFrom } },
            };
      }
      return event.more
        ? { ...cycle, gaps: 0, stage: { tag: 'push', from: { kind: 'unanswered' } } }
        : afterPushing(cycle);
    case 'nothing_to_push':
      return afterPushing(cycle);
    case 'failed':
      if (isHttp(event.failure, 413) && cycle.batchLimit > 1) {
        return { ...cycle, batchLimit: Math.floor(cycle.batchLimit / 2) };
      }
      return fail(cycle, event.failure);
    default:
      return fail(cycle, { kind: 'protocol', message: `${event.kind} while pushing` });
  }
};

const advanceBootstrap = (cycle: SyncCycle, page: string | null, event: SyncEvent): SyncCycle => {
  switch (event.kind) {
    case 'snapshot_page':
      if (event.nextPage !== null) {
        return { ...cycle, resumeFrom: null, stage: { tag: 'bootstrap', page: event.nextPage } };
      }
      return {
        ...cycle,
        bootstrapped: true,
        resumeFrom: null,
        stage: cycle.resets > 0 ? { tag: 'push', from: { kind: 'last' } } : { tag: 'pull' },
      };
    case 'snapshot_moved':
      return reset(cycle, {
        kind: 'protocol',
        message: 'the snapshot changed under the bootstrap more than once',
      });
    case 'failed':
      return isResetRequired(event.failure) || (page !== null && isBadCursor(event.failure))
        ? reset(cycle, event.failure)
        : fail(cycle, event.failure);
    default:
      return fail(cycle, { kind: 'protocol', message: `${event.kind} while bootstrapping` });
  }
};

const advancePull = (cycle: SyncCycle, event: SyncEvent): SyncCycle => {
  switch (event.kind) {
    case 'pulled':
      return event.hasMore ? cycle : { ...cycle, stage: { tag: 'done' } };
    case 'failed':
      return isResetRequired(event.failure)
        ? reset(cycle, event.failure)
        : fail(cycle, event.failure);
    default:
      return fail(cycle, { kind: 'protocol', message: `${event.kind} while pulling` });
  }
};

/** The cycle after the I/O loop reports what its last command did. */
export const advance = (cycle: SyncCycle, event: SyncEvent): SyncCycle => {
  switch (cycle.stage.tag) {
    case 'push':
      return advancePush(cycle, event);
    case 'bootstrap':
      return advanceBootstrap(cycle, cycle.stage.page, event);
    case 'pull':
      return advancePull(cycle, event);
    case 'done':
    case 'failed':
      return cycle;
    default: {
      const unreachable: never = cycle.stage;
      return unreachable;
    }
  }
};
