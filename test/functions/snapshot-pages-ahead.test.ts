/**
 * Snapshot pages built ahead (`src/functions/snapshot-pages-ahead.ts`): what is kept, for whom,
 * for how long; and through the service, that a client walking a snapshot gets exactly the pages
 * it gets without them, each after the first built ahead.
 */
import * as E from 'fp-ts/lib/Either.js';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpResponse } from '../../src/adapters/http/http-exchange.ts';
import { syncError } from '../../src/domain/errors.ts';
import { Principal } from '../../src/domain/principal.ts';
import { bearerAuthenticator } from '../../src/functions/bearer-authenticator.ts';
import {
  type BuiltPage,
  type PageAheadOutcome,
  type PageRequest,
  SnapshotPagesAhead,
} from '../../src/functions/snapshot-pages-ahead.ts';
import { SyncMetrics } from '../../src/functions/sync-metrics.ts';
import {
  createSyncService,
  logMetricsSource,
  type SyncService,
} from '../../src/functions/sync-service.ts';
import type { OperationLog } from '../../src/log/operation-log.ts';
import { field, type Harness, jsonOf, request, startHarness } from './service-harness.ts';
import { PRINCIPAL_ENTRIES, patientBatch, pushBody, type TestUser } from './sync-fixtures.ts';

/** A principal from plain values (decoded, so a bad one fails at once). */
const principalOf = (userId: string, role: string, facilityIds: readonly string[]): Principal => {
  const decoded = Principal.decode({ userId, role, facilityIds });
  if (E.isLeft(decoded)) throw new Error(`bad principal ${userId}`);
  return decoded.right;
};

const north = principalOf('hw-north', 'health_worker', ['fac-north']);

const builtPage = (label: string, nextPage: string | null = null): BuiltPage => ({
  response: { status: 200, headers: {}, body: new TextEncoder().encode(label) },
  docs: 1,
  cursor: 'cursor',
  nextPage,
});

const labelOf = (page: BuiltPage | undefined): string | undefined =>
  page === undefined || !(page.response.body instanceof Uint8Array)
    ? undefined
    : new TextDecoder().decode(page.response.body);

const ask = (overrides: Partial<PageRequest> = {}): PageRequest => ({
  principal: north,
  page: 'token-2',
  acceptEncoding: 'br, gzip',
  ...overrides,
});

/** A kept store with a clock the test moves, and the outcomes it counted. */
const pagesAhead = (limits = { maxEntries: 3, keepMs: 1000, maxBuilding: 2 }) => {
  let now = 0;
  const outcomes: PageAheadOutcome[] = [];
  const ahead = new SnapshotPagesAhead(
    limits,
    (outcome) => outcomes.push(outcome),
    () => now,
  );
  return {
    ahead,
    outcomes,
    advance: (ms: number) => {
      now += ms;
    },
  };
};

/** After this, the service has run what it defers until an answer is sent (and promises settled). */
const answerSent = () => new Promise((resolve) => setImmediate(resolve));

const right = (label: string) => () => Promise.resolve(E.right(builtPage(label)));

describe('SnapshotPagesAhead', () => {
  it('hands a page built ahead once, and only to the same principal, page and coding', async () => {
    const { ahead, outcomes } = pagesAhead();
    ahead.buildAhead(ask(), right('page 2'));
    expect(await ahead.take(ask({ page: 'token-3' }))).toBeUndefined();
    expect(await ahead.take(ask({ acceptEncoding: 'gzip' }))).toBeUndefined();
    expect(await ahead.take(ask({ acceptEncoding: undefined }))).toBeUndefined();
    expect(
      await ahead.take(
        ask({ principal: principalOf('hw-north-2', 'health_worker', ['fac-north']) }),
      ),
    ).toBeUndefined();
    expect(
      await ahead.take(
        ask({ principal: principalOf('hw-north', 'health_worker', ['fac-north', 'fac-south']) }),
      ),
    ).toBeUndefined();
    expect(await ahead.take(ask({ principal: { ...north, role: 'supervisor' } }))).toBeUndefined();
    expect(labelOf(await ahead.take(ask()))).toBe('page 2');
    expect(await ahead.take(ask())).toBeUndefined();
    expect(outcomes).toEqual(['used']);
  });

  it('keys facilities as a set: their order does not matter', async () => {
    const { ahead } = pagesAhead();
    const both = principalOf('hw-north', 'health_worker', ['fac-south', 'fac-north']);
    ahead.buildAhead(ask({ principal: both }), right('page 2'));
    const reordered = ask({
      principal: principalOf('hw-north', 'health_worker', ['fac-north', 'fac-south']),
    });
    expect(labelOf(await ahead.take(reordered))).toBe('page 2');
  });

  it('keeps nothing of a build that fails or throws', async () => {
    const { ahead, outcomes } = pagesAhead();
    ahead.buildAhead(ask(), () => Promise.resolve(E.left(syncError('unavailable', 'down'))));
    ahead.buildAhead(ask({ page: 'token-3' }), () => Promise.reject(new Error('boom')));
    expect(await ahead.take(ask())).toBeUndefined();
    expect(await ahead.take(ask({ page: 'token-3' }))).toBeUndefined();
    expect(ahead.size).toBe(0);
    expect(outcomes).toEqual(['failed', 'failed']);
  });

  it('drops a page after keepMs, and the oldest past maxEntries', async () => {
    const { ahead, outcomes, advance } = pagesAhead();
    ahead.buildAhead(ask({ page: 'a' }), right('a'));
    advance(600);
    ahead.buildAhead(ask({ page: 'b' }), right('b'));
    advance(500);
    // 'a' is 1,100 ms old: gone; 'b' is 500 ms old: kept.
    expect(await ahead.take(ask({ page: 'a' }))).toBeUndefined();
    expect(labelOf(await ahead.take(ask({ page: 'b' })))).toBe('b');
    expect(outcomes).toEqual(['expired', 'used']);

    outcomes.length = 0;
    for (const page of ['c', 'd', 'e', 'f']) {
      ahead.buildAhead(ask({ page }), right(page));
      await answerSent();
    }
    expect(ahead.size).toBe(3);
    expect(await ahead.take(ask({ page: 'c' }))).toBeUndefined();
    expect(labelOf(await ahead.take(ask({ page: 'f' })))).toBe('f');
    expect(outcomes).toEqual(['expired', 'used']);
  });

  it('builds at most maxBuilding pages at once, and not the same page twice', async () => {
    const { ahead, outcomes } = pagesAhead();
    const release: (() => void)[] = [];
    const slow = (label: string) => () =>
      new Promise<E.Either<never, BuiltPage>>((resolve) => {
        release.push(() => resolve(E.right(builtPage(label))));
      });
    ahead.buildAhead(ask({ page: 'a' }), slow('a'));
    ahead.buildAhead(ask({ page: 'a' }), slow('a again'));
    ahead.buildAhead(ask({ page: 'b' }), slow('b'));
    ahead.buildAhead(ask({ page: 'c' }), slow('c'));
    expect(release).toHaveLength(2);
    expect(outcomes).toEqual(['skipped', 'skipped']);
    for (const done of release) done();
    expect(labelOf(await ahead.take(ask({ page: 'a' })))).toBe('a');
    expect(labelOf(await ahead.take(ask({ page: 'b' })))).toBe('b');
    // With the two builds done, a third may start.
    ahead.buildAhead(ask({ page: 'c' }), right('c'));
    expect(labelOf(await ahead.take(ask({ page: 'c' })))).toBe('c');
  });
});

/** The log with snapshot pages of two documents, and every snapshot read it served noted. */
const twoPerPage = (reads: (string | undefined)[]) => (log: OperationLog) =>
  new Proxy(log, {
    get(target, key) {
      if (key === 'snapshot') {
        return (principal: Principal, page?: string) => {
          reads.push(page);
          return target.snapshot(principal, page, 2);
        };
      }
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });

describe('snapshot pages built ahead, through the service', () => {
  let harnesses: Harness[] = [];
  afterEach(async () => {
    await Promise.all(harnesses.map((h) => h.close()));
    harnesses = [];
  });

  const start = async (reads: (string | undefined)[]) => {
    const harness = await startHarness({
      snapshotPagesAhead: true,
      wrapLog: twoPerPage(reads),
    });
    harnesses.push(harness);
    const pushed = await harness.service.handle(
      request('POST', '/v1/push', {
        as: 'hwNorth',
        body: pushBody('tab-n', patientBatch('tab-n', 1, 7, 'fac-north')),
      }),
    );
    expect(pushed.status).toBe(200);
    return harness;
  };

  /** Every page of a snapshot as `as` reads it, one after the other. */
  const walk = async (
    service: SyncService,
    as: TestUser,
    headers: Record<string, string> = { 'accept-encoding': 'gzip' },
  ): Promise<{ pages: unknown[]; responses: HttpResponse[] }> => {
    const pages: unknown[] = [];
    const responses: HttpResponse[] = [];
    let page: string | undefined;
    do {
      const response = await service.handle(
        request('GET', '/v1/snapshot', {
          as,
          headers,
          query: page === undefined ? {} : { page },
        }),
      );
      expect(response.status).toBe(200);
      responses.push(response);
      const json = jsonOf(response);
      pages.push(json);
      const next = field(json, 'nextPage');
      page = typeof next === 'string' ? next : undefined;
      await answerSent();
    } while (page !== undefined);
    return { pages, responses };
  };

  const usedCount = async (harness: Harness): Promise<number> => {
    const metrics = await harness.service.metrics.render();
    const line = metrics.text
      .split('\n')
      .find((l) => l.startsWith('immune_sync_snapshot_pages_ahead_total{outcome="used"}'));
    return line === undefined ? 0 : Number(line.split(' ').at(-1));
  };

  it('serves the same pages as without, each after the first built ahead, each read once', async () => {
    const aheadReads: (string | undefined)[] = [];
    const harness = await start(aheadReads);
    // The same log, through a service that builds nothing ahead.
    const plainReads: (string | undefined)[] = [];
    const plainService = createSyncService({
      log: twoPerPage(plainReads)(harness.log),
      authenticator: bearerAuthenticator(PRINCIPAL_ENTRIES),
      logger: pino({ level: 'silent' }),
      metrics: new SyncMetrics(logMetricsSource(harness.log), { defaultMetrics: false }),
    });
    const plain = await walk(plainService, 'hwNorth');
    const ahead = await walk(harness.service, 'hwNorth');

    // 7 patients of fac-north and the reference data it sees, two per page.
    expect(plain.pages.length).toBeGreaterThan(4);
    const docIds = (pages: unknown[]) =>
      pages.flatMap((p) => {
        const docs = field(p, 'docs');
        return Array.isArray(docs) ? docs.map((d) => field(d, 'docId')) : [];
      });
    expect(docIds(ahead.pages)).toEqual(docIds(plain.pages));
    expect(ahead.pages).toEqual(plain.pages);
    expect(ahead.responses.map((r) => r.headers['content-encoding'])).toEqual(
      plain.responses.map((r) => r.headers['content-encoding']),
    );
    // Each page read once: the first on request, the others ahead; the last has no next.
    expect(aheadReads).toEqual(plainReads);
    expect(await usedCount(harness)).toBe(plain.pages.length - 1);
  });

  it('builds a page for the one who read the page before, not for another user', async () => {
    const reads: (string | undefined)[] = [];
    const harness = await start(reads);
    const first = jsonOf(
      await harness.service.handle(request('GET', '/v1/snapshot', { as: 'hwNorth' })),
    );
    await answerSent();
    const next = field(first, 'nextPage');
    expect(typeof next).toBe('string');
    // Another health worker of the same facility asks for that page: it is read for them.
    const other = await harness.service.handle(
      request('GET', '/v1/snapshot', { as: 'hwNorth2', query: { page: String(next) } }),
    );
    expect(other.status).toBe(200);
    expect(reads).toEqual([undefined, next, next]);
    expect(await usedCount(harness)).toBe(0);
    // The page built ahead is still the first reader's.
    const mine = await harness.service.handle(
      request('GET', '/v1/snapshot', { as: 'hwNorth', query: { page: String(next) } }),
    );
    expect(jsonOf(mine)).toEqual(jsonOf(other));
    expect(await usedCount(harness)).toBe(1);
  });

  it('reads a page again for a client that asks with another Accept-Encoding', async () => {
    const reads: (string | undefined)[] = [];
    const harness = await start(reads);
    const first = jsonOf(
      await harness.service.handle(
        request('GET', '/v1/snapshot', { as: 'hwNorth', headers: { 'accept-encoding': 'br' } }),
      ),
    );
    await answerSent();
    const next = String(field(first, 'nextPage'));
    const plain = await harness.service.handle(
      request('GET', '/v1/snapshot', { as: 'hwNorth', query: { page: next } }),
    );
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(reads).toEqual([undefined, next, next]);
    expect(await usedCount(harness)).toBe(0);
  });
});
