/**
 * Runs async tasks one at a time, in the order they were queued: the replica's writes (a
 * mutation, the application of a pull page or a push answer) never interleave, so each reads
 * the state the previous one left.
 *
 * Invariant: a task that fails does not stop the ones queued after it.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  /** Queues `task`; the promise settles with its result once it has run. */
  run<A>(task: () => Promise<A>): Promise<A> {
    const result = this.#tail.then(task, task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
