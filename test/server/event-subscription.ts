/** Subscribing to a running server's event stream with `fetch`, as a client would. */
import { EventStreamReader } from '../functions/event-stream-reader.ts';

/** Opens an event stream; `close` aborts it. */
export const subscribe = async (url: string, token: string, query = '') => {
  const abort = new AbortController();
  const response = await fetch(`${url}/v1/events${query}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: abort.signal,
  });
  if (response.body === null || response.status !== 200)
    throw new Error(`events: ${response.status}`);
  const events = new EventStreamReader(response.body);
  await events.until(() => events.text.startsWith(': connected'), 10_000, 'the stream to open');
  return { events, close: () => abort.abort() };
};
