/**
 * A bootstrap cut short goes on from the page after the last one it wrote, counted in the
 * snapshot requests the server sees; one the server no longer serves starts over.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HttpRequest } from '../../src/adapters/http/http-exchange.ts';
import type { Replica } from '../../src/client/replica.ts';
import { type Harness, startHarness } from '../functions/service-harness.ts';
import {
  errorResponse,
  FaultyHandler,
  patientData,
  replicaOf,
  rightOf,
  snapshotPagesOf,
} from './client-fixtures.ts';

const PAGE_SIZE = 4;

const isSnapshot = (request: HttpRequest): boolean => request.path === '/v1/snapshot';

/** The `page` of each snapshot request, in order (null: a first page). */
const pagesAsked = (faults: FaultyHandler): (string | null)[] =>
  faults.requests.filter(isSnapshot).map((r) => r.query.page ?? null);

/** What a replica shows of every patient and vaccine, to compare two replicas. */
const shown = async (replica: Replica): Promise<unknown> => ({
  patients: (await replica.patients.list({ includeDeleted: true })).map((d) => [d.docId, d.data]),
  vaccines: (await replica.vaccines.list()).map((d) => d.docId),
  facilities: (await replica.facilities.list()).map((d) => d.docId),
});

describe('a bootstrap cut short', () => {
  let harness: Harness;
  let faults: FaultyHandler;
  let dir: string;
  let pages: number;
  let expected: unknown;
  const open: Replica[] = [];

  /** A replica on the faulty handler, closed after the test. */
  const replica = async (deviceId: string, path?: string): Promise<Replica> => {
    const r = await replicaOf(
      faults.handle,
      'hwNorth',
      deviceId,
      path === undefined ? {} : { path },
    );
    open.push(r);
    return r;
  };

  /** Fails the `nth` snapshot request (1-based) from now on with a 503; returns its page. */
  const failSnapshot = (nth: number): { page: string | null | undefined } => {
    const failed: { page: string | null | undefined } = { page: undefined };
    let seen = 0;
    faults.before = (request) => {
      if (!isSnapshot(request)) return undefined;
      seen += 1;
      if (seen !== nth) return undefined;
      failed.page = request.query.page ?? null;
      return errorResponse(503, 'unavailable');
    };
    return failed;
  };

  beforeEach(async () => {
    harness = await startHarness({ wrapLog: snapshotPagesOf(PAGE_SIZE) });
    faults = new FaultyHandler((r) => harness.service.handle(r));
    dir = mkdtempSync(join(tmpdir(), 'replica-'));
    const creator = await replica('tablet-creator');
    for (let i = 0; i < 10; i++) rightOf(await creator.patients.create(patientData(`P${i}`)));
    expect((await creator.sync()).ok).toBe(true);
    // A device that bootstraps without a hitch: how many pages, and what it shows.
    const reference = await replica('tablet-reference');
    faults.requests.length = 0;
    expect((await reference.sync()).ok).toBe(true);
    pages = pagesAsked(faults).length;
    expect(pages).toBeGreaterThan(4);
    expected = await shown(reference);
    faults.requests.length = 0;
  });

  afterEach(async () => {
    for (const r of open.splice(0)) await r.close();
    await harness.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('goes on from the next page in the next sync, asking no page twice', async () => {
    const a = await replica('tablet-a');
    const failed = failSnapshot(3);
    expect((await a.sync()).ok).toBe(false);
    expect(pagesAsked(faults)).toHaveLength(3);
    faults.before = null;
    expect((await a.sync()).ok).toBe(true);
    const asked = pagesAsked(faults);
    // Every page once, and the failed one once more: the second sync starts where it failed.
    expect(asked).toHaveLength(pages + 1);
    expect(asked[3]).toBe(failed.page);
    expect(asked.filter((page) => page === null)).toHaveLength(1);
    expect(await shown(a)).toEqual(expected);
  });

  it('goes on from the next page after the replica is closed and opened again', async () => {
    const path = join(dir, 'replica.db');
    const a = await replica('tablet-a', path);
    const failed = failSnapshot(4);
    expect((await a.sync()).ok).toBe(false);
    await a.close();
    faults.before = null;
    const reopened = await replica('tablet-a', path);
    expect((await reopened.sync()).ok).toBe(true);
    const asked = pagesAsked(faults);
    expect(asked).toHaveLength(pages + 1);
    expect(asked[4]).toBe(failed.page);
    expect(asked.filter((page) => page === null)).toHaveLength(1);
    expect(await shown(reopened)).toEqual(expected);
  });

  it.each([
    [400, 'bad_cursor'],
    [409, 'reset_required'],
  ])(
    'starts over from the first page when the server answers the resumed page %i %s',
    async (status, code) => {
      const a = await replica('tablet-a');
      const failed = failSnapshot(3);
      expect((await a.sync()).ok).toBe(false);
      let refused = false;
      faults.before = (request) => {
        if (!isSnapshot(request) || refused || (request.query.page ?? null) !== failed.page) {
          return undefined;
        }
        refused = true;
        return errorResponse(status, code);
      };
      expect((await a.sync()).ok).toBe(true);
      const asked = pagesAsked(faults).slice(3);
      expect(asked[0]).toBe(failed.page);
      expect(asked[1]).toBeNull();
      expect(asked).toHaveLength(1 + pages);
      expect(await shown(a)).toEqual(expected);
    },
  );

  it('starts over when the resumed page is of another snapshot, writing nothing of it', async () => {
    const a = await replica('tablet-a');
    const failed = failSnapshot(3);
    expect((await a.sync()).ok).toBe(false);
    let moved = false;
    faults.before = (request) => {
      if (!isSnapshot(request) || moved || (request.query.page ?? null) !== failed.page) {
        return undefined;
      }
      moved = true;
      // A page of a snapshot at another cursor, with a document the real one does not hold.
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: new TextEncoder().encode(
          JSON.stringify({
            docs: [
              {
                collection: 'vaccines',
                docId: 'vac-elsewhere',
                data: {},
                deleted: false,
                meta: {},
              },
            ],
            cursor: 'another-cursor',
            nextPage: null,
          }),
        ),
      };
    };
    expect((await a.sync()).ok).toBe(true);
    const asked = pagesAsked(faults).slice(3);
    expect(asked[0]).toBe(failed.page);
    expect(asked[1]).toBeNull();
    expect(asked).toHaveLength(1 + pages);
    expect(await a.vaccines.get('vac-elsewhere')).toBeUndefined();
    expect(await shown(a)).toEqual(expected);
  });
});
