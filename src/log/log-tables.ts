/**
 * The tables of the SQL operation log, as kysely sees them. One schema serves SQLite and
 * Postgres: JSON is kept as text, booleans as 0/1 integers, times as epoch ms, so that no column
 * depends on a dialect's own types (DESIGN.md section 4, "Backends").
 *
 * Invariants:
 * 1. `ops` and `visibility` are append-only; `quarantine` is insert-only.
 * 2. `documents`, `document_facilities` and live `conflicts` rows are a function of `ops`
 *    (`verify` re-derives them, `replay` rebuilds them).
 * 3. Positions are whole numbers assigned in commit order, starting at 1.
 */

/** Settings fixed at the first migration: the epoch and the cursor secret. */
export interface LogMetaTable {
  readonly key: string;
  readonly value: string;
}

/** One accepted op, at its position in the log. */
export interface OpsTable {
  /** The op's position: assigned in commit order, never reused. */
  readonly position: number;
  readonly device_id: string;
  readonly seq: number;
  readonly collection: string;
  readonly doc_id: string;
  /** The op as the device sent it after decoding (current schema), as JSON. */
  readonly body: string;
  readonly author_user_id: string;
  readonly author_role: string;
  /** Server time of the append, epoch ms. */
  readonly received_at: number;
  /** The facilities that may read it (JSON array; `["*"]` for everyone). */
  readonly scope: string;
  /** Audit flags (JSON array of `possible_duplicate`, `upcast`, `skewed`). */
  readonly flags: string;
  /** sha256 of the device's previous hash and the canonical op (hex). */
  readonly hash: string;
}

/**
 * The visibility index: op `op_position` is visible to `facility_id` from position
 * `at_position` on. Normally `at_position = op_position`; a transfer adds rows for the patient's
 * whole history at the transfer's position.
 */
export interface VisibilityTable {
  readonly facility_id: string;
  readonly at_position: number;
  readonly op_position: number;
}

/** The projection of one document: its reducer state and its materialized fields. */
export interface DocumentsTable {
  readonly collection: string;
  readonly doc_id: string;
  /** The reducer state (`encodeState`). */
  readonly state: string;
  /** The materialized fields (JSON object). */
  readonly data: string;
  readonly deleted: number;
  /** The patient whose facility the document follows (records, notifications), if any. */
  readonly patient_id: string | null;
  /** The document's own facilities (JSON array), as indexed in `document_facilities`. */
  readonly facilities: string;
  readonly created_position: number;
  readonly last_position: number;
}

/**
 * The facilities of documents that do not follow a patient: a patient's own facility, `*` for
 * reference data, a notification's recipient's facilities.
 */
export interface DocumentFacilitiesTable {
  readonly facility_id: string;
  readonly collection: string;
  readonly doc_id: string;
}

/** A conflict record (`record` in the wire shape). Rows that stop being live are kept. */
export interface ConflictsTable {
  readonly id: string;
  readonly collection: string;
  readonly doc_id: string;
  readonly kind: string;
  readonly status: string;
  /** 1 for a current `field` record. */
  readonly current: number;
  /** 1 while the record is among the document's records; 0 once later ops replaced it. */
  readonly live: number;
  readonly record: string;
  /** The position of the op that last changed the record. */
  readonly position: number;
}

/** The device registry. */
export interface DevicesTable {
  readonly device_id: string;
  /** The owner: the first user that pushed or pulled for it (`system` for server devices). */
  readonly user_id: string;
  /** The owner's role and facilities as of its last request, for `status`. */
  readonly owner_role: string;
  readonly owner_facilities: string;
  /** The highest seq durably processed (accepted or rejected). */
  readonly acked_seq: number;
  /** The hash of the device's last accepted op ('' before any). */
  readonly chain_hash: string;
  readonly last_push_at: number | null;
  readonly last_pull_at: number | null;
  readonly pulled_cursor: string | null;
  readonly created_at: number;
}

/** A rejected op with its reason, so that no field data is lost. */
export interface QuarantineTable {
  readonly device_id: string;
  readonly seq: number;
  readonly user_id: string;
  /** The op as it arrived (JSON). */
  readonly raw: string;
  /** The `OpError` it was rejected with (JSON). */
  readonly error: string;
  readonly received_at: number;
}

/** Every table of the log, for `Kysely<LogTables>`. */
export interface LogTables {
  readonly log_meta: LogMetaTable;
  readonly ops: OpsTable;
  readonly visibility: VisibilityTable;
  readonly documents: DocumentsTable;
  readonly document_facilities: DocumentFacilitiesTable;
  readonly conflicts: ConflictsTable;
  readonly devices: DevicesTable;
  readonly quarantine: QuarantineTable;
}
