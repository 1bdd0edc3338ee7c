/**
 * A parser of server-sent events (the subset `GET /v1/events` uses: `event:` and `data:` fields,
 * comment lines as heartbeats), fed with text chunks as they arrive, purely.
 *
 * Invariants:
 * 1. Chunks may split lines and events anywhere: feeding a text in any chunking yields the same
 *    events.
 * 2. An event is dispatched at its blank line; a comment line counts as a heartbeat.
 */

/** A dispatched event: its type (`message` by default) and its data lines joined by `\n`. */
export interface SseMessage {
  readonly event: string;
  readonly data: string;
}

/** What the parser carries between chunks. */
export interface SseState {
  /** The unfinished last line. */
  readonly rest: string;
  readonly event: string;
  readonly data: readonly string[];
}

/** The state before any chunk. */
export const initialSse: SseState = { rest: '', event: '', data: [] };

/** The state after a chunk, and what the chunk completed. */
export interface SseStep {
  readonly state: SseState;
  readonly messages: readonly SseMessage[];
  /** Comment lines seen (heartbeats). */
  readonly heartbeats: number;
}

/** Feeds one chunk of text. */
export const feedSse = (state: SseState, chunk: string): SseStep => {
  const text = state.rest + chunk;
  // A trailing CR may be the first half of a CRLF split across chunks: keep it for the next one.
  const heldCr = text.endsWith('\r');
  const lines = (heldCr ? text.slice(0, -1) : text).split(/\r\n|\r|\n/);
  const rest = (lines.pop() ?? '') + (heldCr ? '\r' : '');
  let event = state.event;
  let data = [...state.data];
  let heartbeats = 0;
  const messages: SseMessage[] = [];
  for (const line of lines) {
    if (line === '') {
      if (data.length > 0)
        messages.push({ event: event === '' ? 'message' : event, data: data.join('\n') });
      event = '';
      data = [];
      continue;
    }
    if (line.startsWith(':')) {
      heartbeats++;
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const raw = colon === -1 ? '' : line.slice(colon + 1);
    const value = raw.startsWith(' ') ? raw.slice(1) : raw;
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return { state: { rest, event, data }, messages, heartbeats };
};
