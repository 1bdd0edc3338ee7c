/**
 * Snapshot pages built ahead, on the server: once a page that has a `nextPage` is answered, the
 * server builds that next page for the same principal and keeps its rendered answer until the
 * client asks for it. A client asks for the next page only once it has read the page before
 * (its token is in that page), so without this the server sits idle while the client reads each
 * page and then the client waits while the server builds the next one; built ahead, the two
 * overlap.
 *
 * Invariants:
 * 1. A kept answer is handed only to a request of the same principal (user, role, facilities),
 *    for the same page token and the same `Accept-Encoding`, and only once: taking it removes
 *    it.
 * 2. A kept answer is what the request would have been answered when it was built. Pages of one
 *    snapshot are read from the documents at any time after the snapshot's head (each page takes
 *    its head from its token, `snapshot-paging.ts` invariant 3, and the client then pulls from
 *    that head), so a page built a moment early is as right as one built on request.
 * 3. At most `maxEntries` answers are kept, each for at most `keepMs`; the oldest goes first. A
 *    build that fails keeps nothing: the request builds the page itself and gets its error.
 * 4. Building ahead never delays the answer it follows: it starts after that answer is rendered
 *    (`SyncService` runs the answer's `after` once the response is ready), and at most
 *    `maxBuilding` builds run at once; more are not started.
 */
import type * as E from 'fp-ts/lib/Either.js';
import type { HttpResponse } from '../adapters/http/http-exchange.ts';
import type { SyncError } from '../domain/errors.ts';
import type { Principal } from '../domain/principal.ts';

/** A page's rendered answer and what the handler logs and builds ahead from. */
export interface BuiltPage {
  readonly response: HttpResponse;
  readonly docs: number;
  readonly cursor: string;
  readonly nextPage: string | null;
}

/** What a page ahead is asked for by: its reader, its token, and the codings it accepts. */
export interface PageRequest {
  readonly principal: Principal;
  readonly page: string;
  readonly acceptEncoding: string | undefined;
}

export interface PagesAheadLimits {
  readonly maxEntries: number;
  readonly keepMs: number;
  readonly maxBuilding: number;
}

/** Enough for a few devices bootstrapping at once; a page is a few MiB at most. */
export const DEFAULT_PAGES_AHEAD: PagesAheadLimits = {
  maxEntries: 8,
  keepMs: 30_000,
  maxBuilding: 2,
};

interface Entry {
  readonly page: Promise<BuiltPage | undefined>;
  readonly expires: number;
}

/** What a page ahead is kept under (invariant 1). */
const keyOf = ({ principal, page, acceptEncoding }: PageRequest): string =>
  JSON.stringify([
    principal.userId,
    principal.role,
    [...principal.facilityIds].sort(),
    page,
    acceptEncoding ?? null,
  ]);

/** Outcomes of pages built ahead, for metrics. */
export type PageAheadOutcome = 'used' | 'expired' | 'failed' | 'skipped';

/** The pages built ahead of one server (see the module). */
export class SnapshotPagesAhead {
  readonly #entries = new Map<string, Entry>();
  readonly #limits: PagesAheadLimits;
  readonly #now: () => number;
  readonly #count: (outcome: PageAheadOutcome) => void;
  #building = 0;

  constructor(
    limits: PagesAheadLimits = DEFAULT_PAGES_AHEAD,
    count: (outcome: PageAheadOutcome) => void = () => {},
    now: () => number = () => performance.now(),
  ) {
    this.#limits = limits;
    this.#count = count;
    this.#now = now;
  }

  /** How many answers are kept (tests). */
  get size(): number {
    return this.#entries.size;
  }

  /** The answer kept for this request, if there is one (taken: invariant 1). */
  async take(request: PageRequest): Promise<BuiltPage | undefined> {
    this.#dropExpired();
    const key = keyOf(request);
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    const page = await entry.page;
    if (page !== undefined) this.#count('used');
    return page;
  }

  /** Builds the page of `request` ahead with `build` and keeps its answer (invariants 3, 4). */
  buildAhead(request: PageRequest, build: () => Promise<E.Either<SyncError, BuiltPage>>): void {
    this.#dropExpired();
    const key = keyOf(request);
    if (this.#entries.has(key) || this.#building >= this.#limits.maxBuilding) {
      this.#count('skipped');
      return;
    }
    this.#building += 1;
    const page = build()
      .then((built) => {
        if (built._tag === 'Right') return built.right;
        this.#count('failed');
        this.#entries.delete(key);
        return undefined;
      })
      .catch(() => {
        this.#count('failed');
        this.#entries.delete(key);
        return undefined;
      })
      .finally(() => {
        this.#building -= 1;
      });
    this.#entries.set(key, { page, expires: this.#now() + this.#limits.keepMs });
    while (this.#entries.size > this.#limits.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
      this.#count('expired');
    }
  }

  #dropExpired(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.expires > now) continue;
      this.#entries.delete(key);
      this.#count('expired');
    }
  }
}
