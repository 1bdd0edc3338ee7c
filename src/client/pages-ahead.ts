/**
 * Pages asked for one ahead (a snapshot's, a pull's): once a page's answer names the next page,
 * that page is asked for at once, so the server makes it while the replica writes the current
 * one (the two run side by side instead of in turn, and the connection never idles for long).
 *
 * Invariants:
 * 1. At most one page is asked ahead. Where the transport can hold an answer unread (HTTP), the
 *    page asked ahead is parsed only when taken, so memory holds one parsed page; otherwise it
 *    holds the page being written and the next one.
 * 2. A page asked ahead is used only by a step asking for that very page; otherwise it is
 *    dropped, as it is when the cycle ends (both GETs are safe to repeat and change nothing
 *    the replica relies on).
 */
import type {
  PullRequest,
  SyncTransport,
  TransportResult,
  UnreadAnswer,
} from './transports/sync-transport.ts';
import type { PullAnswer, SnapshotAnswer } from './transports/wire-answers.ts';

/** An answer asked for now, as one read later (it is held parsed meanwhile). */
const unreadNow = <A>(answer: TransportResult<A>): UnreadAnswer<A> => ({
  read: () => answer,
  cancel: () => {},
});

/** One kind of page, named by a key `K` (a snapshot's first page: null). */
export class PagesAhead<K, A> {
  readonly #now: (key: K) => TransportResult<A>;
  readonly #unread: ((key: K) => UnreadAnswer<A>) | undefined;
  #ahead: { readonly key: K; readonly answer: UnreadAnswer<A> } | null = null;

  /**
   * `now` asks for a page and reads its answer; `unread`, when the transport has it, asks for a
   * page whose answer is read later.
   */
  constructor(now: (key: K) => TransportResult<A>, unread?: (key: K) => UnreadAnswer<A>) {
    this.#now = now;
    this.#unread = unread;
  }

  /** The answer for `key`: the one asked ahead, or asked now. */
  take(key: K): TransportResult<A> {
    const ahead = this.#ahead;
    this.#ahead = null;
    if (ahead !== null && ahead.key === key) return ahead.answer.read();
    ahead?.answer.cancel();
    return this.#now(key);
  }

  /** Asks for `key` now; the next `take(key)` gets its answer. */
  askAhead(key: K): void {
    this.#ahead?.answer.cancel();
    if (this.#unread !== undefined) {
      this.#ahead = { key, answer: this.#unread(key) };
      return;
    }
    this.#ahead = { key, answer: unreadNow(this.#now(key)) };
  }

  /** Drops the page asked ahead, if any (the cycle is over). */
  close(): void {
    this.#ahead?.answer.cancel();
    this.#ahead = null;
  }
}

/** Snapshot pages, by the page token (null: the first page). */
export type SnapshotPages = PagesAhead<string | null, SnapshotAnswer>;

export const snapshotPages = (transport: SyncTransport): SnapshotPages => {
  const { snapshotAhead } = transport;
  return new PagesAhead<string | null, SnapshotAnswer>(
    (page) => transport.snapshot(page),
    snapshotAhead === undefined
      ? undefined
      : (page) => (page === null ? unreadNow(transport.snapshot(null)) : snapshotAhead(page)),
  );
};

/** Pull pages of one device, by the cursor they are read after. */
export type PullPages = PagesAhead<string, PullAnswer>;

export const pullPages = (
  transport: SyncTransport,
  request: Omit<PullRequest, 'after'>,
): PullPages => {
  const { pullAhead } = transport;
  return new PagesAhead<string, PullAnswer>(
    (after) => transport.pull({ ...request, after }),
    pullAhead === undefined ? undefined : (after) => pullAhead({ ...request, after }),
  );
};
