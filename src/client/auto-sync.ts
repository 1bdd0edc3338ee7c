/**
 * The automatic mode: the replica syncs by itself. A local write pushes soon; a `poke` on the
 * events stream (SSE `GET /v1/events`) pulls; failures are retried with exponential backoff and
 * jitter; without a stream (a transport that cannot hold one) it polls.
 *
 * Invariants:
 * 1. Only network failures and 5xx answers are retried on a timer (`backoff.ts`); after a 4xx
 *    the mode waits for the next write or poke, never hammering a server that said no.
 * 2. The loop survives the server going away: the stream reconnects with backoff, and when it
 *    opens again a sync runs at once (pending ops go out without waiting for the retry timer).
 * 3. `stop` ends the stream and the timers and waits for the running cycle, so a replica can be
 *    closed right after.
 */
import * as E from 'fp-ts/lib/Either.js';
import { type BackoffPolicy, backoffDelay } from './backoff.ts';
import type { ReplicaContext } from './replica-context.ts';
import { requireMeta } from './settle-pass.ts';
import { isUnreachable, type SyncRunner } from './sync-runner.ts';

/** The automatic mode's timing. */
export interface AutoSyncOptions {
  readonly backoff: BackoffPolicy;
  /** Uniform in [0, 1): the jitter's source. */
  readonly random: () => number;
  /** How often to sync when the transport has no events stream, ms. */
  readonly pollIntervalMs: number;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

/** The automatic mode of one replica (see the module's invariants). */
export class AutoSync {
  readonly #context: ReplicaContext;
  readonly #runner: SyncRunner;
  readonly #options: AutoSyncOptions;
  #abort: AbortController | null = null;
  #listening: Promise<void> | null = null;
  #poll: ReturnType<typeof setInterval> | null = null;
  #retry: ReturnType<typeof setTimeout> | null = null;
  #nextRetryAt: number | null = null;
  #attempt = 0;
  #inflight: Promise<void> = Promise.resolve();

  constructor(context: ReplicaContext, runner: SyncRunner, options: AutoSyncOptions) {
    this.#context = context;
    this.#runner = runner;
    this.#options = options;
  }

  get running(): boolean {
    return this.#abort !== null;
  }

  /** When the next retry is due (epoch ms), while one is scheduled. */
  get nextRetryAt(): number | null {
    return this.#nextRetryAt;
  }

  start(): void {
    if (this.#abort !== null) return;
    const abort = new AbortController();
    this.#abort = abort;
    this.#trigger();
    if (this.#context.transport.events !== undefined) {
      this.#listening = this.#listen(abort.signal);
    } else {
      this.#poll = setInterval(() => this.#trigger(), this.#options.pollIntervalMs);
    }
  }

  async stop(): Promise<void> {
    const abort = this.#abort;
    if (abort === null) return;
    this.#abort = null;
    abort.abort();
    if (this.#poll !== null) clearInterval(this.#poll);
    this.#poll = null;
    this.#clearRetry();
    await this.#listening;
    await this.#inflight;
  }

  /** After a local write: push soon, unless a retry is already waiting for the server. */
  wrote(): void {
    if (this.#retry === null) this.#trigger();
  }

  /** The server is there and has news: sync now, whatever the backoff said. */
  #now(): void {
    this.#clearRetry();
    this.#trigger();
  }

  #clearRetry(): void {
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#retry = null;
    this.#nextRetryAt = null;
  }

  #trigger(): void {
    if (this.#abort === null) return;
    const cycle = this.#runner.sync().then(
      (report) => {
        if (this.#abort === null) return;
        if (report.failure === null) {
          this.#attempt = 0;
        } else if (isUnreachable(report.failure)) {
          this.#scheduleRetry();
        }
      },
      () => this.#scheduleRetry(),
    );
    this.#inflight = this.#inflight.then(() => cycle);
  }

  #scheduleRetry(): void {
    if (this.#abort === null || this.#retry !== null) return;
    const delay = backoffDelay(this.#options.backoff, this.#attempt, this.#options.random);
    this.#attempt++;
    this.#nextRetryAt = this.#context.now() + delay;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      this.#nextRetryAt = null;
      this.#trigger();
    }, delay);
  }

  async #listen(signal: AbortSignal): Promise<void> {
    const events = this.#context.transport.events;
    if (events === undefined) return;
    let attempt = 0;
    while (!signal.aborted) {
      const { cursor } = await requireMeta(this.#context.store);
      const ended = await events({
        after: cursor,
        deviceId: this.#context.deviceId,
        signal,
        onOpen: () => {
          attempt = 0;
          this.#runner.online = true;
          this.#now();
        },
        onPoke: () => this.#now(),
      });
      if (signal.aborted) return;
      if (E.isLeft(ended)) {
        const error = ended.left;
        if (error.kind === 'http' && error.code === 'reset_required') {
          this.#now();
        } else if (error.kind === 'http' && error.status < 500) {
          // A 4xx is an answer, not an outage: the stream is not retried.
          return;
        } else {
          this.#runner.online = false;
        }
      }
      await sleep(backoffDelay(this.#options.backoff, attempt, this.#options.random), signal);
      attempt++;
    }
  }
}
