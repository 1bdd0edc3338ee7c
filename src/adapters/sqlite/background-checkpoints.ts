/**
 * Checkpoints of the SQLite log's WAL on a thread of their own.
 *
 * A checkpoint copies the pages the WAL holds back into the database file and syncs it. SQLite
 * runs one, by default, in the connection that commits, as soon as the WAL passes 1,000 pages:
 * on the server's one thread, which serves nothing while the pages are copied (an edited
 * document dirties pages of its own, so a batch of 500 edits already fills half of that). Here a
 * worker thread with a connection of its own runs a PASSIVE checkpoint after every commit that
 * nudges it, and the committing thread only appends to the WAL.
 *
 * Invariants:
 * 1. Durability does not change: a commit is synced to the WAL by the committing connection
 *    (`synchronous = FULL`), and the worker's connection, also FULL, syncs the database file at
 *    each checkpoint, as SQLite's own checkpoints do, before the WAL is reused.
 * 2. The WAL stays bounded without the worker: the committing connection keeps its automatic
 *    checkpoint, at `FALLBACK_AUTOCHECKPOINT_PAGES` (a worker that falls behind only lets the
 *    WAL grow for a while). A worker that fails is reported once, is not restarted, and the
 *    committing connection goes back to SQLite's default of 1,000 pages.
 * 3. Nudges that arrive while a checkpoint runs make one more checkpoint, not one each.
 * 4. `close` resolves once the worker's connection is closed and the worker has ended.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqlitePragmas } from './sqlite-log.ts';

/** The committing connection's own automatic checkpoint while the worker runs (~40 MiB). */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;
/** SQLite's default automatic checkpoint, restored when the worker fails. */
const SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES = 1000;

/** The connection that commits: its pragmas, and whether it is still open. */
export interface CommittingConnection extends SqlitePragmas {
  readonly open: boolean;
}

/** What the worker is started with. */
interface WorkerData {
  /** The better-sqlite3 module, resolved here: the worker's code is not a file of its own. */
  readonly driver: string;
  readonly path: string;
}

/** What the worker says: a checkpoint's counts (SQLite's), or why it stopped. */
export type CheckpointMessage =
  | { readonly kind: 'checkpointed'; readonly log: number; readonly checkpointed: number }
  | { readonly kind: 'failed'; readonly message: string };

/** What the main thread says: a commit happened, or stop. */
type CommandMessage = 'nudge' | 'close';

// Plain JavaScript, run by `new Worker(..., { eval: true })`: the same code under tsx, vitest
// and a bundle. It is the whole worker; the invariants above are its contract.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db;
try {
  db = new Database(workerData.path, { fileMustExist: true });
  db.pragma('synchronous = FULL');
} catch (error) {
  parentPort.postMessage({ kind: 'failed', message: String(error && error.message || error) });
  parentPort.close();
}
let scheduled = false;
const checkpoint = () => {
  scheduled = false;
  if (db === undefined) return;
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ kind: 'checkpointed', log: row.log, checkpointed: row.checkpointed });
  } catch (error) {
    parentPort.postMessage({ kind: 'failed', message: String(error && error.message || error) });
    db.close();
    db = undefined;
    parentPort.close();
  }
};
parentPort.on('message', (command) => {
  if (command === 'nudge') {
    if (!scheduled) {
      scheduled = true;
      setImmediate(checkpoint);
    }
    return;
  }
  if (db !== undefined) db.close();
  db = undefined;
  parentPort.close();
});
`;

/** The worker that checkpoints one SQLite file, as its committing connection sees it. */
export class BackgroundCheckpoints {
  readonly #worker: Worker;
  readonly #listeners = new Set<(message: CheckpointMessage) => void>();
  #running = true;
  readonly #ended: Promise<unknown>;

  /**
   * Starts the worker on the file at `path`, whose committing connection is `committing` (in
   * WAL mode already); `onFailure` hears once why the worker stopped, if it does.
   */
  constructor(
    path: string,
    committing: CommittingConnection,
    onFailure: (message: string) => void = (message) =>
      process.emitWarning(`background WAL checkpoints stopped: ${message}`),
  ) {
    committing.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
    const workerData: WorkerData = {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      path,
    };
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
    this.#worker.unref();
    this.#ended = new Promise((resolve) => this.#worker.once('exit', resolve));
    const fail = (message: string): void => {
      if (!this.#running) return;
      this.#running = false;
      // The log closes its connection before the worker: a closed one has nothing to bound.
      if (committing.open) {
        committing.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES}`);
      }
      onFailure(message);
    };
    this.#worker.on('message', (message: CheckpointMessage) => {
      if (message.kind === 'failed') fail(message.message);
      for (const listener of this.#listeners) listener(message);
    });
    this.#worker.on('error', (error) => fail(error.message));
  }

  /** True while the worker checkpoints (false once it failed or was closed). */
  get running(): boolean {
    return this.#running;
  }

  /** Asks for a checkpoint: call after a commit. */
  nudge(): void {
    if (this.#running) this.#worker.postMessage('nudge' satisfies CommandMessage);
  }

  /** Hears every message of the worker (tests); returns the function that stops it. */
  onMessage(listener: (message: CheckpointMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Closes the worker's connection and ends the worker (invariant 4). */
  async close(): Promise<void> {
    // Unreferenced while it runs, so that it never keeps a process alive; until it has ended,
    // this wait must.
    this.#worker.ref();
    if (this.#running) {
      this.#running = false;
      this.#worker.postMessage('close' satisfies CommandMessage);
    } else {
      await this.#worker.terminate();
    }
    await this.#ended;
  }
}
