/**
 * Push-to-poke latency: a tablet subscribes to `GET /v1/events` on the real server; another
 * tablet of the same facility pushes one op at a time (REALTIME_PUSHES, default 1,000), and the
 * time from sending each push to the subscriber's poke is recorded. p50, p99 and max.
 *
 *   npm run bench -- realtime
 */
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { httpTransport } from '../src/client/transports/http-transport.ts';
import { facilitiesOf } from './data/immunization-dataset.ts';
import { writePrincipals } from './harness/bench-principals.ts';
import { report } from './harness/bench-results.ts';
import { startBenchServer } from './harness/bench-server.ts';
import { backends, freshStore } from './harness/bench-stores.ts';
import { percentile } from './harness/percentile.ts';
import { pushFacilities, pushFacilityOps } from './harness/push-all.ts';
import { tabletOps } from './harness/tablet-ops.ts';
import { typedOps } from './harness/typed-ops.ts';

const PUSHES = Number(process.env.REALTIME_PUSHES ?? 1000);
const TARGET_P99_MS = 50;

/** Resolves at the next poke after it is asked for. */
class PokeWaiter {
  #waiting: ((at: number) => void) | null = null;

  poke(): void {
    const waiting = this.#waiting;
    this.#waiting = null;
    waiting?.(performance.now());
  }

  next(): Promise<number> {
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }
}

const measure = async (kind: 'sqlite' | 'postgres') => {
  const { ops, config, facility } = tabletOps(PUSHES);
  const fresh = await freshStore(kind);
  const principals = join(fresh.dir, 'principals.json');
  await writePrincipals(principals, facilitiesOf(config));
  const server = await startBenchServer(fresh.store, principals);
  const controller = new AbortController();
  try {
    await pushFacilities(server.url, config);
    const waiter = new PokeWaiter();
    const subscriber = httpTransport({ baseUrl: server.url, token: facility.workerToken });
    let opened: () => void = () => undefined;
    const open = new Promise<void>((resolve) => {
      opened = resolve;
    });
    const events = subscriber.events;
    if (events === undefined) throw new Error('the HTTP transport has no events');
    const stream = events({
      after: null,
      deviceId: `${facility.deviceId}-watcher`,
      signal: controller.signal,
      onOpen: () => opened(),
      onPoke: () => waiter.poke(),
    });
    await open;
    const latencies: number[] = [];
    for (const op of typedOps(ops)) {
      const poked = waiter.next();
      const started = performance.now();
      await pushFacilityOps(server.url, facility, [op], 1);
      latencies.push((await poked) - started);
    }
    controller.abort();
    const ended = await stream;
    if (E.isLeft(ended)) throw new Error('the event stream failed');
    return {
      backend: fresh.label,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      max: percentile(latencies, 1),
    };
  } finally {
    controller.abort();
    await server.stop();
    await fresh.remove();
  }
};

const main = async (): Promise<void> => {
  const rows = [];
  for (const kind of backends()) {
    const m = await measure(kind);
    rows.push({
      backend: m.backend,
      pushes: PUSHES,
      'p50 push-to-poke (ms)': m.p50.toFixed(1),
      'p99 (ms)': m.p99.toFixed(1),
      'max (ms)': m.max.toFixed(1),
      target: `p99 <= ${TARGET_P99_MS} ms: ${m.p99 <= TARGET_P99_MS ? 'met' : 'NOT met'}`,
    });
  }
  await report('realtime', rows, { pushes: PUSHES });
};

await main();
