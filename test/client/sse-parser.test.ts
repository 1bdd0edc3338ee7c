import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { feedSse, initialSse, type SseMessage } from '../../src/client/transports/sse-parser.ts';

const RUNS = { numRuns: 300 };

/** Feeds the chunks in order; every message and the heartbeats seen. */
const parseAll = (chunks: readonly string[]): { messages: SseMessage[]; heartbeats: number } => {
  let state = initialSse;
  const messages: SseMessage[] = [];
  let heartbeats = 0;
  for (const chunk of chunks) {
    const step = feedSse(state, chunk);
    state = step.state;
    messages.push(...step.messages);
    heartbeats += step.heartbeats;
  }
  return { messages, heartbeats };
};

/** Cuts a text at the given offsets. */
const cut = (text: string, offsets: readonly number[]): string[] => {
  const points = [...new Set(offsets.map((o) => o % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(text.slice(from, point));
    from = point;
  }
  chunks.push(text.slice(from));
  return chunks;
};

const pokeText = (head: string, eol: string): string =>
  `event: poke${eol}data: {"head":"${head}"}${eol}${eol}`;

describe('the server-sent events parser', () => {
  it('reads a poke and counts a heartbeat comment', () => {
    const { messages, heartbeats } = parseAll([': connected\n\n', pokeText('c-9', '\n')]);
    expect(messages).toEqual([{ event: 'poke', data: '{"head":"c-9"}' }]);
    expect(heartbeats).toBe(1);
  });

  it('joins multi-line data and names an event without a type `message`', () => {
    const { messages } = parseAll(['data: a\ndata: b\n\n']);
    expect(messages).toEqual([{ event: 'message', data: 'a\nb' }]);
  });

  it('dispatches nothing until the blank line arrives', () => {
    expect(parseAll(['event: poke\ndata: {}\n']).messages).toEqual([]);
  });

  test.prop(
    [
      fc.array(
        fc.oneof(
          fc.stringMatching(/^[a-z0-9-]{1,12}$/).map((head) => ({ head })),
          fc.constant({ head: null }),
        ),
        { maxLength: 8 },
      ),
      fc.constantFrom('\n', '\r\n', '\r'),
      fc.array(fc.nat(), { maxLength: 20 }),
    ],
    RUNS,
  )(
    'any chunking of a stream, with any line ending, yields the same events',
    (items, eol, offsets) => {
      const text = items
        .map((item) => (item.head === null ? `: heartbeat${eol}${eol}` : pokeText(item.head, eol)))
        .join('');
      expect(parseAll(cut(text, offsets))).toEqual(parseAll([text]));
    },
  );

  test.prop(
    [
      fc.array(fc.stringMatching(/^[a-z0-9-]{1,12}$/), { maxLength: 8 }),
      fc.constantFrom('\n', '\r\n'),
      fc.array(fc.nat(), { maxLength: 20 }),
    ],
    RUNS,
  )(
    'every poke of a stream is read with its head, however the stream is cut',
    (heads, eol, offsets) => {
      const text = heads.map((head) => `: heartbeat${eol}${eol}${pokeText(head, eol)}`).join('');
      const { messages, heartbeats } = parseAll(cut(text, offsets));
      expect(messages).toEqual(
        heads.map((head) => ({ event: 'poke', data: `{"head":"${head}"}` })),
      );
      expect(heartbeats).toBe(heads.length);
    },
  );
});
