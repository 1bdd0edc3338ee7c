/**
 * The Appwrite database of immune-sync, declared once: `appwrite.config.json`, `immune-sync
 * appwrite setup` and `immune-sync appwrite check` are all derived from it (APPWRITE.md
 * sections 2, 3 and 5).
 *
 * Invariants:
 * 1. Every field of every collection (`CollectionSpec.fieldNames`) has a column in its table,
 *    and every projected table has the projector's columns (`PROJECTOR_COLUMNS`).
 * 2. Every table has row security on and no table-level permission: a row is readable only by
 *    the roles in its own `$permissions` (its facility's team, written by the projector), and
 *    API keys (the functions) bypass permissions.
 * 3. Column keys follow Appwrite's rules (letters, digits, underscore; at most 36 characters).
 */
import type { CollectionName } from '../../domain/collection.ts';

/** A column, in the shape of `appwrite.config.json` (APPWRITE.md section 2). */
export type ColumnSpec =
  | {
      readonly key: string;
      readonly type: 'varchar';
      readonly size: number;
      readonly required: boolean;
      readonly array: boolean;
    }
  | {
      readonly key: string;
      readonly type: 'longtext' | 'boolean' | 'datetime';
      readonly required: boolean;
      readonly array: boolean;
    }
  | {
      readonly key: string;
      readonly type: 'integer' | 'bigint';
      readonly required: boolean;
      readonly array: boolean;
      readonly min?: number;
      readonly max?: number;
    };

/** The column types the schema uses. */
export type ColumnType = ColumnSpec['type'];

/** An index, in the shape of `appwrite.config.json`. */
export interface IndexSpec {
  readonly key: string;
  readonly type: 'key' | 'unique';
  readonly columns: readonly string[];
  readonly orders: readonly ('ASC' | 'DESC')[];
}

/** A table: its id, its name, its columns and its indexes. */
export interface TableSpec {
  readonly id: string;
  readonly name: string;
  readonly columns: readonly ColumnSpec[];
  readonly indexes: readonly IndexSpec[];
}

/** The database and its tables. */
export interface DatabaseSchema {
  readonly databaseId: string;
  readonly name: string;
  readonly tables: readonly TableSpec[];
}

/** The default database id (a project may use another: `--database`, `IMMUNE_SYNC_DATABASE_ID`). */
export const DEFAULT_DATABASE_ID = 'immune_sync';

const ROW_ID = 36;
const CURSOR = 255;

const varchar = (key: string, size: number, required = false): ColumnSpec => ({
  key,
  type: 'varchar',
  size,
  required,
  array: false,
});
const varcharArray = (key: string, size: number): ColumnSpec => ({
  key,
  type: 'varchar',
  size,
  required: false,
  array: true,
});
const longtext = (key: string, required = false): ColumnSpec => ({
  key,
  type: 'longtext',
  required,
  array: false,
});
const integer = (key: string, required = false, min?: number, max?: number): ColumnSpec => ({
  key,
  type: 'integer',
  required,
  array: false,
  ...(min === undefined ? {} : { min }),
  ...(max === undefined ? {} : { max }),
});
const bigint = (key: string, required = false): ColumnSpec => ({
  key,
  type: 'bigint',
  required,
  array: false,
});
const boolean = (key: string, required = false): ColumnSpec => ({
  key,
  type: 'boolean',
  required,
  array: false,
});

const index = (key: string, type: IndexSpec['type'], columns: readonly string[]): IndexSpec => ({
  key,
  type,
  columns,
  orders: columns.map(() => 'ASC'),
});

/**
 * The columns the projector adds to every projected row: the cursor of the op that wrote it,
 * the tombstone, the reducer state, and the digest of the data columns as written. Together
 * they mark the projector's own writes (APPWRITE.md section 6): a row whose data still has the
 * digest it was written with is the projector's; an edit in the console changes the data and
 * not the digest (`projector-mark.ts`).
 *
 * The TablesDB log backend (`tables-log/`) folds from `syncState` and fills the last three as
 * well: the document's own facilities (as `src/log/document-scope.ts` defines them), and the
 * positions of its first and of its latest op. The functions leave those four empty.
 */
export const PROJECTOR_COLUMNS: readonly ColumnSpec[] = [
  varchar('syncCursor', CURSOR),
  boolean('syncDeleted'),
  longtext('syncState'),
  varchar('syncDigest', 64),
  varcharArray('syncFacilities', ROW_ID),
  bigint('syncCreated'),
  bigint('syncPosition'),
];

/** The names of the projector's columns, which are never document fields. */
export const PROJECTOR_COLUMN_KEYS: ReadonlySet<string> = new Set(
  PROJECTOR_COLUMNS.map((c) => c.key),
);

/** The data columns of each synced collection (PROTOCOL.md, Collections). */
const COLLECTION_COLUMNS: Readonly<Record<CollectionName, readonly ColumnSpec[]>> = {
  facilities: [
    varchar('name', 200),
    varchar('district', 200),
    varchar('region', 200),
    varchar('type', 100),
  ],
  vaccines: [
    varchar('name', 200),
    varchar('code', 32),
    integer('doses', false, 1, 10),
    integer('minIntervalDays', false, 0, 3650),
  ],
  patients: [
    varchar('fullName', 200),
    varchar('sex', 1),
    varchar('dateOfBirth', 10),
    varchar('motherName', 200),
    varchar('contactPhone', 40),
    varchar('address', 500),
    varchar('townVillage', 200),
    varchar('facilityId', ROW_ID),
    varchar('healthWorkerId', ROW_ID),
  ],
  immunization_records: [
    varchar('patientId', ROW_ID),
    varchar('vaccineId', ROW_ID),
    integer('doseNumber', false, 1, 10),
    varchar('dateAdministered', 10),
    varchar('facilityId', ROW_ID),
    varchar('administeredBy', 200),
    varchar('batchNumber', 64),
    varchar('notes', 2000),
  ],
  notifications: [
    varchar('userId', ROW_ID),
    varchar('patientId', ROW_ID),
    varchar('type', 50),
    varchar('message', 2000),
    varchar('dueDate', 10),
    boolean('read'),
  ],
};

const COLLECTION_INDEXES: Readonly<Record<CollectionName, readonly IndexSpec[]>> = {
  facilities: [],
  vaccines: [],
  patients: [index('by_facility', 'key', ['facilityId'])],
  immunization_records: [index('by_patient', 'key', ['patientId'])],
  notifications: [index('by_user', 'key', ['userId']), index('by_patient', 'key', ['patientId'])],
};

const collectionTable = (name: CollectionName, title: string): TableSpec => ({
  id: name,
  name: title,
  columns: [...COLLECTION_COLUMNS[name], ...PROJECTOR_COLUMNS],
  indexes: COLLECTION_INDEXES[name],
});

/** The data columns of a projected collection's table. */
export const collectionColumns = (name: CollectionName): readonly ColumnSpec[] =>
  COLLECTION_COLUMNS[name];

/** The tables of the synced collections, which apps read with Appwrite's SDKs. */
export const COLLECTION_TABLES: readonly TableSpec[] = [
  collectionTable('facilities', 'Facilities'),
  collectionTable('vaccines', 'Vaccines'),
  collectionTable('patients', 'Patients'),
  collectionTable('immunization_records', 'Immunization records'),
  collectionTable('notifications', 'Notifications'),
];

/** The `users` table: each user's role and facilities (DESIGN.md section 6). */
export const USERS_TABLE: TableSpec = {
  id: 'users',
  name: 'Users',
  columns: [
    varchar('role', 16, true),
    varcharArray('facilityIds', ROW_ID),
    varchar('name', 200),
    varchar('email', 320),
  ],
  indexes: [],
};

/** The per-facility sync heads: one row per facility, updated on every commit it can see. */
export const SYNC_HEADS_TABLE: TableSpec = {
  id: 'sync_heads',
  name: 'Sync heads',
  columns: [varchar('facilityId', ROW_ID, true), varchar('head', CURSOR, true)],
  indexes: [],
};

/** The tables of the operation log (the same concepts as `src/log/log-tables.ts`). */
export const LOG_TABLES: readonly TableSpec[] = [
  {
    id: 'sync_ops',
    name: 'Sync: operations',
    columns: [
      bigint('position', true),
      varchar('deviceId', ROW_ID, true),
      integer('seq', true, 1),
      varchar('collection', 32, true),
      varchar('docId', ROW_ID, true),
      longtext('body', true),
      varchar('authorUserId', ROW_ID, true),
      varchar('authorRole', 16, true),
      bigint('receivedAt', true),
      longtext('scope', true),
      varchar('flags', 200, true),
      varchar('hash', 64, true),
    ],
    indexes: [
      index('by_position', 'unique', ['position']),
      index('by_dot', 'unique', ['deviceId', 'seq']),
      index('by_document', 'key', ['collection', 'docId', 'position']),
    ],
  },
  {
    id: 'sync_log_head',
    name: 'Sync: log head',
    columns: [bigint('position', true), varchar('epoch', 64, true), varchar('secret', 128, true)],
    indexes: [],
  },
  {
    id: 'sync_visibility',
    name: 'Sync: visibility',
    columns: [
      varchar('facilityId', ROW_ID, true),
      bigint('atPosition', true),
      bigint('opPosition', true),
      // The TablesDB log's reveal: the earlier positions (JSON array) that become visible to
      // the facility at `atPosition` with the op there (a transfer), in one row.
      longtext('revealed'),
    ],
    indexes: [index('by_facility', 'unique', ['facilityId', 'atPosition', 'opPosition'])],
  },
  {
    id: 'sync_devices',
    name: 'Sync: devices',
    columns: [
      varchar('userId', ROW_ID, true),
      varchar('ownerRole', 16, true),
      longtext('ownerFacilities', true),
      integer('ackedSeq', true, 0),
      varchar('chainHash', 64, false),
      bigint('lastPushAt'),
      bigint('lastPullAt'),
      varchar('pulledCursor', CURSOR),
      bigint('createdAt', true),
    ],
    indexes: [index('by_user', 'key', ['userId'])],
  },
  {
    id: 'sync_quarantine',
    name: 'Sync: quarantine',
    columns: [
      varchar('deviceId', ROW_ID, true),
      integer('seq', true, 1),
      varchar('userId', ROW_ID, true),
      longtext('raw', true),
      longtext('error', true),
      bigint('receivedAt', true),
    ],
    indexes: [index('by_dot', 'unique', ['deviceId', 'seq'])],
  },
  {
    id: 'sync_conflicts',
    name: 'Sync: conflicts',
    columns: [
      varchar('collection', 32, true),
      varchar('docId', ROW_ID, true),
      varchar('kind', 16, true),
      varchar('status', 16, true),
      boolean('current', true),
      boolean('live', true),
      longtext('record', true),
      bigint('position', true),
    ],
    indexes: [
      index('by_status', 'key', ['live', 'status']),
      index('by_document', 'key', ['collection', 'docId']),
    ],
  },
  SYNC_HEADS_TABLE,
];

/** The whole database of a deployment. */
export const appwriteSchema = (databaseId: string = DEFAULT_DATABASE_ID): DatabaseSchema => ({
  databaseId,
  name: 'immune-sync',
  tables: [...COLLECTION_TABLES, USERS_TABLE, ...LOG_TABLES],
});
