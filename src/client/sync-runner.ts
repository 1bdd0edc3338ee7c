/**
 * The thin I/O loop around the pure sync machine (`sync-machine.ts`): it asks the machine for a
 * command, carries it out (`push-step.ts`, `snapshot-step.ts`, `pull-step.ts`) and reports the
 * event back, until the machine says `finish` or `fail`.
 *
 * Invariants:
 * 1. One cycle runs at a time; a sync asked for while one runs is served by the next cycle
 *    (asking again meanwhile joins that same next cycle).
 * 2. A cycle starts and ends by settling documents left stale, and a finished cycle records the
 *    time of the last successful sync durably.
 * 3. A cycle starts a bootstrap cut short from its next page (the replica's progress), and
 *    drops, when it ends, a snapshot or pull page it asked ahead and did not use (and forgets a
 *    push batch sent ahead: its ops stay unanswered in the outbox).
 */
import * as E from 'fp-ts/lib/Either.js';
import { pullPages, snapshotPages } from './pages-ahead.ts';
import { dropUnreturned, PULL_LIMIT, pullStep } from './pull-step.ts';
import { PushesAhead, pushStep } from './push-step.ts';
import type { ReplicaContext } from './replica-context.ts';
import { requireMeta, settleStale } from './settle-pass.ts';
import { snapshotStep } from './snapshot-step.ts';
import { CorruptReplicaError } from './store/stored-json.ts';
import { advance, nextCommand, type SyncFailure, startCycle } from './sync-machine.ts';
import { isRetryable } from './transports/sync-transport.ts';

/** What one sync cycle did. */
export interface SyncReport {
  readonly ok: boolean;
  readonly failure: SyncFailure | null;
  /** Ops the server answered `accepted` or `duplicate`. */
  readonly pushed: number;
  /** Logged ops received by pulls. */
  readonly pulled: number;
}

/** True when the failure says the server could not be reached (or was failing). */
export const isUnreachable = (failure: SyncFailure): boolean =>
  failure.kind === 'transport' && isRetryable(failure.error);

const transportFailure = (error: Parameters<typeof isRetryable>[0]): SyncFailure => ({
  kind: 'transport',
  error,
});

/**
 * Runs one cycle to its end. A replica whose database holds what it cannot read fails the cycle
 * as a `storage` failure, a value like every other (its pending ops stay where they are).
 */
export const runCycle = async (context: ReplicaContext): Promise<SyncReport> => {
  try {
    return await runCycleOf(context);
  } catch (error) {
    if (!(error instanceof CorruptReplicaError)) throw error;
    return {
      ok: false,
      failure: { kind: 'storage', message: error.message },
      pushed: 0,
      pulled: 0,
    };
  }
};

const runCycleOf = async (context: ReplicaContext): Promise<SyncReport> => {
  let pushed = 0;
  let pulled = 0;
  const report = (failure: SyncFailure | null): SyncReport => ({
    ok: failure === null,
    failure,
    pushed,
    pulled,
  });
  const stale = await settleStale(context);
  if (E.isLeft(stale)) return report(transportFailure(stale.left));
  const meta = await requireMeta(context.store);
  let cycle = startCycle(meta.cursor !== null, meta.bootstrap?.nextPage ?? null);
  let answeredBeforePull: readonly number[] | null = null;
  const pages = snapshotPages(context.transport);
  const pushes = new PushesAhead();
  const pulls = pullPages(context.transport, { limit: PULL_LIMIT, deviceId: context.deviceId });
  try {
    for (;;) {
      const command = nextCommand(cycle);
      switch (command.kind) {
        case 'finish': {
          // A view a mutation made stale while this cycle ran is settled now, not next time.
          const settled = await settleStale(context);
          if (E.isLeft(settled)) return report(transportFailure(settled.left));
          const at = context.now();
          await context.writes.run(() =>
            context.store.transaction(async (store) => {
              await store.saveMeta({ ...(await requireMeta(store)), lastSyncAt: at });
            }),
          );
          context.events.emit({ type: 'synced', at, pushed, pulled });
          return report(null);
        }
        case 'fail':
          return report(command.failure);
        case 'push': {
          const step = await pushStep(context, command.from, command.limit, pushes);
          pushed += step.answered;
          cycle = advance(cycle, step.event);
          break;
        }
        case 'snapshot':
          answeredBeforePull = null;
          cycle = advance(cycle, await snapshotStep(context, command.page, pages));
          break;
        case 'pull': {
          answeredBeforePull ??= await context.store.answeredSeqs();
          const step = await pullStep(context, pulls);
          pulled += step.pulled;
          if (step.event.kind === 'pulled' && !step.event.hasMore) {
            const dropped = await dropUnreturned(context, answeredBeforePull);
            if (E.isLeft(dropped)) {
              cycle = advance(cycle, { kind: 'failed', failure: transportFailure(dropped.left) });
              break;
            }
          }
          cycle = advance(cycle, step.event);
          break;
        }
        default: {
          const unreachable: never = command;
          return unreachable;
        }
      }
    }
  } finally {
    // Pages asked ahead by a cycle that ends before it used them.
    pages.close();
    pulls.close();
    pushes.drop();
  }
};

/** Serves sync requests one cycle at a time and remembers how the last one went. */
export class SyncRunner {
  readonly #context: ReplicaContext;
  #running: Promise<SyncReport> | null = null;
  #queued: Promise<SyncReport> | null = null;
  #online = false;
  #lastError: { readonly failure: SyncFailure; readonly at: number } | null = null;

  constructor(context: ReplicaContext) {
    this.#context = context;
  }

  /** Runs a cycle, or joins the one that will start after the running one. */
  sync(): Promise<SyncReport> {
    if (this.#running === null) {
      const running = this.#cycle().finally(() => {
        this.#running = null;
      });
      this.#running = running;
      return running;
    }
    if (this.#queued === null) {
      const queued = this.#running.then(
        () => this.#startQueued(),
        () => this.#startQueued(),
      );
      this.#queued = queued;
    }
    return this.#queued;
  }

  /** Resolves once no cycle runs or waits (failures included). */
  async idle(): Promise<void> {
    while (this.#running !== null || this.#queued !== null) {
      await (this.#queued ?? this.#running)?.catch(() => undefined);
    }
  }

  /** True while a cycle runs. */
  get syncing(): boolean {
    return this.#running !== null;
  }

  /** True when the last exchange with the server worked. */
  get online(): boolean {
    return this.#online;
  }

  /** Marks the server reachable or not (the events stream reports it too). */
  set online(value: boolean) {
    this.#online = value;
  }

  get lastError(): { readonly failure: SyncFailure; readonly at: number } | null {
    return this.#lastError;
  }

  #startQueued(): Promise<SyncReport> {
    this.#queued = null;
    return this.sync();
  }

  async #cycle(): Promise<SyncReport> {
    const result = await runCycle(this.#context);
    if (result.failure === null) {
      this.#online = true;
      this.#lastError = null;
    } else {
      this.#online = !isUnreachable(result.failure);
      this.#lastError = { failure: result.failure, at: this.#context.now() };
      this.#context.events.emit({ type: 'sync_failed', failure: result.failure });
    }
    return result;
  }
}
