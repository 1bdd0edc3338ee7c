/**
 * The listeners of `OperationLog.onCommit`: called with the new head after every commit of this
 * instance, and, where the backend has a head channel, after other instances' commits too.
 * Announcements carry `<instance id>:<position>`, so an instance ignores its own (it has already
 * told its listeners, at once, without the round trip).
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { encodeCursor, positionOf } from './cursor.ts';
import type { HeadChannel } from './log-dialect.ts';
import type { LogIdentity } from './log-identity.ts';
import type { LogTables } from './log-tables.ts';

/** Listeners of new heads, fed locally and by a head channel. */
export class CommitListeners {
  readonly #identity: LogIdentity;
  readonly #channel: HeadChannel | undefined;
  readonly #instance = randomUUID();
  readonly #listeners = new Set<(head: string) => void>();
  #stop: (() => Promise<void>) | undefined;

  constructor(identity: LogIdentity, channel: HeadChannel | undefined) {
    this.#identity = identity;
    this.#channel = channel;
  }

  /** Starts receiving other instances' announcements (where the backend has a channel). */
  async start(): Promise<void> {
    if (this.#channel === undefined) return;
    this.#stop = await this.#channel.listen((payload) => {
      const [instance, position] = payload.split(':');
      if (instance === this.#instance || position === undefined || !/^\d+$/.test(position)) return;
      this.emit(Number(position));
    });
  }

  /** Announces a head from inside the append's transaction (delivered at commit). */
  async announce(trx: Kysely<LogTables>, head: number): Promise<void> {
    await this.#channel?.announce(trx, `${this.#instance}:${head}`);
  }

  /** Tells every listener about a new head. A listener that throws does not stop the others. */
  emit(head: number): void {
    const cursor = encodeCursor(this.#identity, positionOf(head));
    for (const listener of this.#listeners) {
      try {
        listener(cursor);
      } catch {
        // A listener's failure is its own; the commit has happened regardless.
      }
    }
  }

  /** Adds a listener; returns the function that removes it. */
  add(listener: (head: string) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Stops listening to the channel and forgets every listener. */
  async close(): Promise<void> {
    this.#listeners.clear();
    await this.#stop?.();
    this.#stop = undefined;
  }
}
