/**
 * Reading a server-sent event stream in tests: collects its text and waits, with a deadline, for
 * what a test expects to arrive.
 */

/** The text of a stream as it arrives. */
export class EventStreamReader {
  #text = '';
  #done = false;
  #waiters: (() => void)[] = [];

  constructor(stream: ReadableStream<Uint8Array>) {
    void this.#pump(stream.getReader());
  }

  async #pump(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.#text += decoder.decode(value, { stream: true });
        this.#wake();
      }
    } catch {
      // The stream was aborted: it is done.
    }
    this.#done = true;
    this.#wake();
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  /** Everything received so far. */
  get text(): string {
    return this.#text;
  }

  /** True once the stream has ended. */
  get done(): boolean {
    return this.#done;
  }

  /** The heads of the pokes received so far. */
  pokes(): string[] {
    return [...this.#text.matchAll(/event: poke\ndata: (.*)\n\n/g)].map((m) => {
      const data: unknown = JSON.parse(m[1] ?? '{}');
      return typeof data === 'object' && data !== null && 'head' in data ? String(data.head) : '';
    });
  }

  /** Waits until `ready()` holds; throws after `timeoutMs`. */
  async until(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(this.#text)}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
