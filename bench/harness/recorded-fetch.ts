/**
 * Recording what a client's `fetch` reads, and replaying it with no server: the device
 * benchmark records the answers of one live sync and replays them into fresh replicas, so that
 * a replay does the device's whole work (reading, decoding, checking, writing) and never waits
 * for a server.
 *
 * Invariants:
 * 1. A request is known by its method, path and query (not its headers): the same sync asks the
 *    same requests in the same way.
 * 2. A replay hands back the body and status recorded for the request, as a fresh `Response`
 *    each time; a request never recorded fails the replay (it is never answered with a guess).
 */

/**
 * A recorded answer: its body's bytes as `fetch` handed them over (decompressed, not yet
 * decoded as text), so that reading a replayed answer costs the device what reading the live
 * one did, and recording costs the live sync one copy of each body (reading it as text and
 * encoding it again, as this once did, made the recorded sync ~0.7 s slower in a profile).
 */
export interface RecordedAnswer {
  readonly body: Uint8Array;
  readonly status: number;
}

/** The answers recorded, by request (`requestKey`). */
export type Recording = ReadonlyMap<string, RecordedAnswer>;

/** A request as a recording knows it: method, path and query (invariant 1). */
export const requestKey = (input: Parameters<typeof fetch>[0], init?: RequestInit): string => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
  return `${method.toUpperCase()} ${url.pathname}${url.search}`;
};

/** A JSON answer with `body`, as `fetch` gives one (already decompressed). */
const answerOf = ({ body, status }: RecordedAnswer): Response =>
  new Response(body, { status, headers: { 'content-type': 'application/json' } });

/** A `fetch` through `inner` that records every answer it reads whole. */
export const recordingFetch = (
  inner: typeof fetch,
): { readonly fetch: typeof fetch; readonly recording: Recording } => {
  const recording = new Map<string, RecordedAnswer>();
  const recorded: typeof fetch = async (input, init) => {
    const response = await inner(input, init);
    const answer = { body: new Uint8Array(await response.arrayBuffer()), status: response.status };
    recording.set(requestKey(input, init), answer);
    return answerOf(answer);
  };
  return { fetch: recorded, recording };
};

/** A `fetch` that answers from `recording` alone (invariant 2). */
export const replayingFetch =
  (recording: Recording): typeof fetch =>
  async (input, init) => {
    const key = requestKey(input, init);
    const answer = recording.get(key);
    if (answer === undefined) throw new Error(`the replay asked for ${key}, never recorded`);
    return answerOf(answer);
  };
