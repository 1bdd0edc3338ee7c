/**
 * Snapshot pages asked for one ahead: once a page's answer names the next page, that page is
 * asked for at once, so the server makes it while the replica writes the current one (the two
 * run side by side instead of in turn, and the connection never idles for long).
 *
 * Invariants:
 * 1. At most one page is asked ahead. Where the transport can hold an answer unread
 *    (`snapshotAhead`: HTTP), the page asked ahead is parsed only when taken, so memory holds
 *    one parsed page; otherwise it holds the page being written and the next one.
 * 2. A page asked ahead is used only by a step asking for that very page; otherwise it is
 *    dropped, as it is when the cycle ends (a snapshot GET is safe to repeat and has no effect
 *    on the server).
 */
import type { SyncTransport, TransportResult, UnreadAnswer } from './transports/sync-transport.ts';
import type { SnapshotAnswer } from './transports/wire-answers.ts';

/** The snapshot pages of one sync cycle (see the module). */
export class SnapshotPages {
  readonly #transport: SyncTransport;
  #ahead: { readonly page: string; readonly answer: UnreadAnswer<SnapshotAnswer> } | null = null;

  constructor(transport: SyncTransport) {
    this.#transport = transport;
  }

  /** The answer for `page` (null: a first page): the one asked ahead, or asked now. */
  take(page: string | null): TransportResult<SnapshotAnswer> {
    const ahead = this.#ahead;
    this.#ahead = null;
    if (ahead !== null && ahead.page === page) return ahead.answer.read();
    ahead?.answer.cancel();
    return this.#transport.snapshot(page);
  }

  /** Asks for `page` now; the next `take(page)` gets its answer. */
  askAhead(page: string): void {
    this.#ahead?.answer.cancel();
    const unread = this.#transport.snapshotAhead?.(page);
    if (unread !== undefined) {
      this.#ahead = { page, answer: unread };
      return;
    }
    const answer = this.#transport.snapshot(page);
    this.#ahead = { page, answer: { read: () => answer, cancel: () => {} } };
  }

  /** Drops the page asked ahead, if any (the cycle is over). */
  close(): void {
    this.#ahead?.answer.cancel();
    this.#ahead = null;
  }
}
