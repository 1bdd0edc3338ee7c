/**
 * The replica's settings, kept as one JSON row: which device it is, the next seq to assign, the
 * clock, the pull cursor, the bootstrap generation and the progress of a bootstrap under way.
 *
 * Invariants:
 * 1. `nextSeq` only grows: a seq is never assigned twice on a device (DESIGN.md section 2).
 * 2. `clock` only grows (hlc.ts `tick`/`receive`).
 * 3. `cursor` is null until a bootstrap has completed, and again from the start of a new
 *    bootstrap (after `reset_required`) until it completes.
 * 4. `generation` counts bootstraps; logged ops and documents carry the one they arrived in, so
 *    what an interrupted or superseded bootstrap left behind is recognised.
 * 5. `bootstrap` is set only while a bootstrap is under way and some of its pages are written:
 *    it is saved with each page, in the page's transaction, so a bootstrap cut short (a failed
 *    request, a killed process) goes on from the next page. It is null once `cursor` is set.
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as t from 'io-ts';
import { Hlc } from '../../domain/hlc.ts';
import { DeviceId } from '../../domain/ids.ts';
import { PositiveInt, WholeNumber } from '../../domain/scalars.ts';

/** A bootstrap under way: the cursor of its snapshot, and the page to fetch next. */
export const SnapshotProgressCodec = t.type(
  { cursor: t.string, nextPage: t.string },
  'SnapshotProgress',
);

/** A bootstrap under way (see the module's invariant 5). */
export type SnapshotProgress = Readonly<t.TypeOf<typeof SnapshotProgressCodec>>;

/** The codec of the meta row. */
export const ReplicaMetaCodec = t.intersection(
  [
    t.type({
      deviceId: DeviceId,
      nextSeq: PositiveInt,
      clock: Hlc,
      cursor: t.union([t.string, t.null]),
      generation: WholeNumber,
      lastSyncAt: t.union([t.number, t.null]),
    }),
    // Absent from rows written before bootstraps could resume: none is under way.
    t.partial({ bootstrap: t.union([SnapshotProgressCodec, t.null]) }),
  ],
  'ReplicaMeta',
);

/** The replica's settings. */
export type ReplicaMeta = Readonly<t.TypeOf<typeof ReplicaMetaCodec>>;

/** The key of the meta row. */
export const META_KEY = 'replica';

/** The settings of a replica that has never synced. */
export const freshMeta = (deviceId: DeviceId): ReplicaMeta => ({
  deviceId,
  nextSeq: 1,
  clock: { ms: 0, n: 0 },
  cursor: null,
  generation: 0,
  lastSyncAt: null,
  bootstrap: null,
});

/** The meta row's text. */
export const encodeMeta = (meta: ReplicaMeta): string => JSON.stringify(meta);

/** Reads the meta row back; a damaged one is a message (the store is not one of ours). */
export const decodeMeta = (text: string): E.Either<string, ReplicaMeta> =>
  pipe(
    E.tryCatch(
      (): unknown => JSON.parse(text),
      () => 'the replica meta row is not JSON',
    ),
    E.chain((json) =>
      pipe(
        ReplicaMetaCodec.decode(json),
        E.mapLeft(() => 'the replica meta row does not decode'),
      ),
    ),
  );
