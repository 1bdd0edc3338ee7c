/** The device benchmark's recorded answers: replayed as recorded, and nothing else answered. */
import { describe, expect, it } from 'vitest';
import { recordingFetch, replayingFetch, requestKey } from '../../bench/harness/recorded-fetch.ts';

/** A server stand-in that answers each request with a body naming it, and counts requests. */
const countingServer = () => {
  let calls = 0;
  const serve: typeof fetch = async (input, init) => {
    calls += 1;
    const key = requestKey(input, init);
    return new Response(JSON.stringify({ key, call: calls }), {
      status: key.includes('missing') ? 404 : 200,
    });
  };
  return { serve, calls: () => calls };
};

describe('recorded fetch', () => {
  it('knows a request by method, path and query, not by host or headers', () => {
    expect(requestKey('http://127.0.0.1:1/v1/snapshot?page=a')).toBe('GET /v1/snapshot?page=a');
    expect(
      requestKey(new URL('http://localhost:2/v1/push'), {
        method: 'post',
        headers: { authorization: 'Bearer x' },
      }),
    ).toBe('POST /v1/push');
    expect(requestKey(new Request('http://h/v1/pull?after=c', { method: 'GET' }))).toBe(
      'GET /v1/pull?after=c',
    );
  });

  it('hands back what the server answered, then replays it without the server', async () => {
    const server = countingServer();
    const { fetch: recorded, recording } = recordingFetch(server.serve);
    const live = await recorded('http://127.0.0.1:9/v1/snapshot');
    const liveBody = await live.text();
    const missing = await recorded('http://127.0.0.1:9/v1/ops/patients/missing');
    expect(missing.status).toBe(404);
    expect(server.calls()).toBe(2);

    const replay = replayingFetch(recording);
    for (let i = 0; i < 2; i++) {
      const again = await replay('http://127.0.0.1:7/v1/snapshot');
      expect(again.status).toBe(200);
      expect(await again.text()).toBe(liveBody);
    }
    expect((await replay('http://127.0.0.1:7/v1/ops/patients/missing')).status).toBe(404);
    expect(server.calls()).toBe(2);
  });

  it('fails a request that was never recorded instead of guessing an answer', async () => {
    const { fetch: recorded, recording } = recordingFetch(countingServer().serve);
    await recorded('http://127.0.0.1:9/v1/snapshot');
    const replay = replayingFetch(recording);
    await expect(replay('http://127.0.0.1:9/v1/snapshot?page=2')).rejects.toThrow(
      'the replay asked for GET /v1/snapshot?page=2, never recorded',
    );
  });
});
