/**
 * The fresh device of the bootstrap benchmark, in a process of its own so that its peak memory
 * is its own: `createReplica` on a new SQLite file with the HTTP transport, syncing (snapshot,
 * then the tail) until the parent says that the tail is all pushed and one more cycle has run.
 * Started by `fork` with `[url, token, replicaPath]`; reports over IPC.
 */
import * as E from 'fp-ts/lib/Either.js';
import { createReplica } from '../../src/client/replica.ts';
import { isUnreachable } from '../../src/client/sync-runner.ts';
import { httpTransport, isClosedConnection } from '../../src/client/transports/http-transport.ts';
import { ClientReport, ClientStarted, ParentMessage } from './bootstrap-messages.ts';

const MAX_RETRIES = 5;
const [url, token, path] = process.argv.slice(2);
if (url === undefined || token === undefined || path === undefined) {
  throw new Error('usage: bootstrap-client URL TOKEN REPLICA_PATH');
}

let tailPushed = false;
process.on('message', (message: unknown) => {
  if (E.isRight(ParentMessage.decode(message))) tailPushed = true;
});

let closedConnections = 0;
/** Requests sent, by route (for the trace). */
const sent = new Map<string, number>();

/**
 * The global `fetch`, counting the requests that failed on a connection the server closed (a
 * kept-alive one it timed out): the transport itself sends such a GET once more.
 */
const countingFetch: typeof fetch = async (input, init) => {
  const route = new URL(String(input)).pathname.split('/').slice(0, 3).join('/');
  sent.set(route, (sent.get(route) ?? 0) + 1);
  try {
    return await fetch(input, init);
  } catch (error) {
    if (isClosedConnection(error)) closedConnections += 1;
    throw error;
  }
};

const send = (report: ClientReport): void => {
  process.send?.(ClientReport.encode(report));
};

/** With BOOT_CLIENT_TRACE set, the device prints its memory every second (to find the peak). */
const traceMemory = (started: number): (() => void) => {
  if (process.env.BOOT_CLIENT_TRACE === undefined) return () => {};
  const timer = setInterval(() => {
    const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
    const mib = (n: number) => (n / 1_048_576).toFixed(0);
    console.error(
      `bootstrap client: ${((performance.now() - started) / 1000).toFixed(1)} s rss ${mib(rss)} heap ${mib(heapUsed)} external ${mib(external)} buffers ${mib(arrayBuffers)} MiB; sent ${[...sent].map(([route, n]) => `${route} ${n}`).join(', ')}`,
    );
  }, 1000);
  return () => clearInterval(timer);
};

const main = async (): Promise<void> => {
  const started = performance.now();
  const stopTrace = traceMemory(started);
  const replica = await createReplica({
    path,
    deviceId: 'bench-new-tablet',
    principal: { userId: 'bench-admin', role: 'admin' },
    transport: httpTransport({ baseUrl: url, token, timeoutMs: 300_000, fetch: countingFetch }),
  });
  process.send?.(ClientStarted.encode({ started: true }));
  let cycles = 0;
  let pulled = 0;
  let firstCycleMs = 0;
  let retries = 0;
  for (;;) {
    const lastCycle = tailPushed;
    const report = await replica.sync();
    cycles += 1;
    pulled += report.pulled;
    if (cycles === 1) firstCycleMs = performance.now() - started;
    if (!report.ok) {
      // As the automatic mode would: a network failure is retried (see the benchmark's notes:
      // a keep-alive socket the server closed while the client was busy).
      if (report.failure !== null && isUnreachable(report.failure) && retries < MAX_RETRIES) {
        retries += 1;
        console.error(`bootstrap client: retrying after ${JSON.stringify(report.failure)}`);
        continue;
      }
      throw new Error(`sync failed: ${JSON.stringify(report.failure)}`);
    }
    if (lastCycle) break;
  }
  const wallMs = performance.now() - started;
  stopTrace();
  await replica.close();
  send({
    wallMs,
    firstCycleMs,
    cycles,
    retries,
    socketRetries: closedConnections,
    pulled,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  });
};

await main();
process.disconnect?.();
