/**
 * `createReplica`: the library a device embeds. It keeps the device's data in SQLite, takes
 * edits offline (typed mutations that reach a durable outbox before they return), shows an
 * optimistic view through the server's own reducers, and syncs on demand (`sync`) or by itself
 * (`start`). See docs/client.md for a device's code end to end.
 *
 * Invariants:
 * 1. A replica file belongs to one device: opening it with another device id throws.
 * 2. Every write to the file goes through one queue, and every event is emitted after the
 *    change it announces is committed.
 *
 * @example
 * const replica = await createReplica({
 *   path: 'replica.db',
 *   deviceId: 'tablet-07',
 *   principal: { userId: 'nurse-1', role: 'health_worker' },
 *   transport: httpTransport({ baseUrl: 'https://sync.example.org', token }),
 * });
 * replica.on('rejected', ({ op, error }) => showProblem(op, error));
 * replica.start();
 */
import * as E from 'fp-ts/lib/Either.js';
import type { CollectionName } from '../domain/collection.ts';
import { DeviceId } from '../domain/ids.ts';
import { Author, type AuthorRole } from '../domain/principal.ts';
import type { ConflictRecord } from '../projections/conflict-record.ts';
import { conflictsOf } from '../projections/conflicts.ts';
import { AutoSync } from './auto-sync.ts';
import { type BackoffPolicy, DEFAULT_BACKOFF } from './backoff.ts';
import { type CollectionHandle, collectionHandle } from './collection-handle.ts';
import type { DocumentInputs, DocumentTypes } from './document-types.ts';
import type { ReplicaContext } from './replica-context.ts';
import { type EventOf, ReplicaEventHub, type ReplicaEventType } from './replica-events.ts';
import { describeFailure, type ReplicaStatus } from './replica-status.ts';
import { SerialQueue } from './serial-queue.ts';
import { requireMeta } from './settle-pass.ts';
import { freshMeta } from './store/replica-meta.ts';
import {
  openReplicaStore,
  type ReplicaStorage,
  sqliteFileStorage,
} from './store/replica-storage.ts';
import type { Rejection } from './store/replica-store.ts';
import { type SyncReport, SyncRunner } from './sync-runner.ts';
import type { SyncTransport } from './transports/sync-transport.ts';

/** How to open a replica: its storage, who it is, and how it reaches the server. */
export interface ReplicaOptions {
  /** A SQLite file for better-sqlite3, or `':memory:'` (the default without `storage`). */
  readonly path?: string;
  /** Any other SQLite, through its kysely dialect (a phone's driver); wins over `path`. */
  readonly storage?: ReplicaStorage;
  /** The device's stable id (a row id, not starting with `server.`). */
  readonly deviceId: string;
  /** The user the transport's credentials authenticate: the author of pending ops. */
  readonly principal: { readonly userId: string; readonly role: AuthorRole };
  readonly transport: SyncTransport;
  /** Wall clock, epoch ms (default `Date.now`). */
  readonly clock?: () => number;
  /** Uniform in [0, 1), for backoff jitter (default `Math.random`). */
  readonly random?: () => number;
  readonly backoff?: BackoffPolicy;
  /** How often the automatic mode syncs when the transport has no events stream (default 30 s). */
  readonly pollIntervalMs?: number;
}

/** The handle of collection `C`. */
export type HandleOf<C extends CollectionName> = CollectionHandle<
  DocumentTypes[C],
  DocumentInputs[C]
>;

/** A device's replica: typed collections, sync, status and events. */
export interface Replica {
  readonly deviceId: string;
  readonly facilities: HandleOf<'facilities'>;
  readonly vaccines: HandleOf<'vaccines'>;
  readonly patients: HandleOf<'patients'>;
  readonly immunizationRecords: HandleOf<'immunization_records'>;
  readonly notifications: HandleOf<'notifications'>;
  /** The handle of a collection by its wire name. */
  collection<C extends CollectionName>(name: C): HandleOf<C>;
  /** The conflict records of a document as the replica sees it (pending ops included). */
  conflicts(collection: CollectionName, docId: string): Promise<readonly ConflictRecord[]>;
  /** Every op of this device the server rejected, with the reasons. */
  rejections(): Promise<readonly Rejection[]>;
  /** Pushes the outbox and pulls to the head once (joining a cycle already asked for). */
  sync(): Promise<SyncReport>;
  /** Starts the automatic mode. */
  start(): void;
  /** Stops the automatic mode, waiting for a running cycle. */
  stop(): Promise<void>;
  status(): Promise<ReplicaStatus>;
  on<K extends ReplicaEventType>(type: K, listener: (event: EventOf<K>) => void): () => void;
  /** Stops syncing and closes the storage. */
  close(): Promise<void>;
}

const decodeOption = <A>(decoded: E.Either<unknown, A>, what: string): A => {
  if (E.isLeft(decoded)) throw new TypeError(`createReplica: invalid ${what}`);
  return decoded.right;
};

/** Opens (or creates) a device's replica. Throws on invalid options or another device's file. */
export const createReplica = async (options: ReplicaOptions): Promise<Replica> => {
  const deviceId = decodeOption(DeviceId.decode(options.deviceId), 'deviceId');
  if (deviceId.startsWith('server.')) throw new TypeError('createReplica: deviceId is reserved');
  const author = decodeOption(Author.decode(options.principal), 'principal');
  const opened = await openReplicaStore(
    options.storage ?? sqliteFileStorage(options.path ?? ':memory:'),
  );
  const { store } = opened;
  const meta = await store.meta();
  if (meta === undefined) {
    await store.saveMeta(freshMeta(deviceId));
  } else if (meta.deviceId !== deviceId) {
    await opened.close();
    throw new Error(`createReplica: this replica belongs to device ${meta.deviceId}`);
  }
  const now = options.clock ?? Date.now;
  const context: ReplicaContext = {
    store,
    transport: options.transport,
    deviceId,
    author,
    now,
    events: new ReplicaEventHub(),
    writes: new SerialQueue(),
  };
  const runner = new SyncRunner(context);
  const auto = new AutoSync(context, runner, {
    backoff: options.backoff ?? DEFAULT_BACKOFF,
    random: options.random ?? Math.random,
    pollIntervalMs: options.pollIntervalMs ?? 30_000,
  });
  const afterWrite = (): void => {
    if (auto.running) auto.wrote();
  };
  const handle = <C extends CollectionName>(name: C) => collectionHandle(context, name, afterWrite);
  const handles: { readonly [C in CollectionName]: HandleOf<C> } = {
    facilities: handle('facilities'),
    vaccines: handle('vaccines'),
    patients: handle('patients'),
    immunization_records: handle('immunization_records'),
    notifications: handle('notifications'),
  };
  return {
    deviceId,
    facilities: handles.facilities,
    vaccines: handles.vaccines,
    patients: handles.patients,
    immunizationRecords: handles.immunization_records,
    notifications: handles.notifications,
    collection: (name) => handles[name],
    conflicts: async (collection, docId) => {
      const doc = await store.document({ collection, docId });
      return doc === undefined ? [] : conflictsOf(doc.view);
    },
    rejections: () => store.rejections(),
    sync: () => runner.sync(),
    start: () => auto.start(),
    stop: () => auto.stop(),
    status: async () => {
      const [summary, current] = await Promise.all([store.outboxSummary(), requireMeta(store)]);
      const lastError = runner.lastError;
      return {
        online: runner.online,
        syncing: runner.syncing,
        pending: summary.unanswered,
        oldestPendingAgeMs:
          summary.oldestCreatedAt === null ? null : Math.max(0, now() - summary.oldestCreatedAt),
        lastSyncAt: current.lastSyncAt,
        lastError:
          lastError === null ? null : { ...lastError, message: describeFailure(lastError.failure) },
        nextRetryAt: auto.nextRetryAt,
      };
    },
    on: (type, listener) => context.events.on(type, listener),
    close: async () => {
      await auto.stop();
      await runner.idle();
      await context.writes.run(async () => undefined);
      await opened.close();
    },
  };
};
