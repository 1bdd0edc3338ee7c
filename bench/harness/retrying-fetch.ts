/**
 * A `fetch` that retries a GET once when it fails on a kept-alive socket that the server had
 * already closed (undici's `UND_ERR_SOCKET`, "other side closed"). A client that keeps its event
 * loop busy for longer than the server's keep-alive timeout (5 s, Node's default) between two
 * requests, as a replica writing a large snapshot page does, reuses such a socket and fails;
 * `retries()` tells how often that happened, for the benchmark's report.
 */
let retried = 0;

const isClosedSocket = (error: unknown): boolean => {
  if (!(error instanceof TypeError)) return false;
  const cause: unknown = error.cause;
  return (
    typeof cause === 'object' &&
    cause !== null &&
    'code' in cause &&
    cause.code === 'UND_ERR_SOCKET'
  );
};

/** The global `fetch`, with the retry. */
export const retryingFetch: typeof fetch = async (input, init) => {
  try {
    return await fetch(input, init);
  } catch (error) {
    const method = init?.method ?? 'GET';
    if (method !== 'GET' || !isClosedSocket(error)) throw error;
    retried += 1;
    return fetch(input, init);
  }
};

/** How many requests were retried so far. */
export const retries = (): number => retried;
