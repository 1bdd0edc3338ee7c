/**
 * The state of the test double: databases, tables, rows, and transactions with Appwrite's
 * semantics (APPWRITE.md section 3):
 *
 * 1. Staged operations touch nothing; reads with the transaction's id see them. Staging checks
 *    their structure; duplicates are found at commit.
 * 2. A commit replays them in order, all or nothing. A row staged for change that was modified
 *    after its staging, or a created id that exists by then (or a unique index that a commit
 *    would break), fails the commit with `409 transaction_conflict`, and nothing is written.
 * 3. At most `operationLimit` operations per transaction (100 on self-hosted and the free
 *    plan): `400 transaction_limit_exceeded`. An expired one is `410 transaction_expired`.
 */
import { randomBytes } from 'node:crypto';
import { badRequest, conflict, DoubleError, notFound } from './double-errors.ts';
import { applyRowWrite, type RowWrite, type WriteStamp } from './double-rows.ts';
import type { DoubleDatabase, DoubleRow, DoubleTable } from './double-schema.ts';

/** A staged operation and the write counter when it was staged. */
interface StagedOperation {
  readonly databaseId: string;
  readonly tableId: string;
  readonly write: RowWrite;
  readonly stagedAt: number;
}

/** A transaction. */
export interface DoubleTransaction {
  readonly id: string;
  readonly createdAt: string;
  readonly expiresAt: number;
  status: 'pending' | 'committed' | 'failed' | 'rolledBack';
  readonly operations: StagedOperation[];
}

const tableKey = (databaseId: string, tableId: string): string => `${databaseId}/${tableId}`;

const copyOf = (table: DoubleTable): DoubleTable => ({ ...table, rows: new Map(table.rows) });

/**
 * Applies a staged operation to a transaction's view. Its structure is checked now (a bad one
 * is refused at staging); a duplicate id or unique value is left to the commit, which fails
 * with `transaction_conflict` (APPWRITE.md section 3).
 */
const stageOn = (
  view: (databaseId: string, tableId: string) => DoubleTable,
  op: StagedOperation,
  now: string,
): void => {
  try {
    applyRowWrite(view(op.databaseId, op.tableId), op.write, { now, version: op.stagedAt });
  } catch (error) {
    if (!(error instanceof DoubleError && error.status === 409)) throw error;
  }
};

/** Everything the double holds. */
export class DoubleState {
  readonly databases = new Map<string, DoubleDatabase>();
  readonly transactions = new Map<string, DoubleTransaction>();
  readonly operationLimit: number;
  readonly #clock: () => number;
  #version = 0;
  /** Commits that failed with `transaction_conflict`, for tests. */
  conflicts = 0;

  constructor(clock: () => number, operationLimit: number) {
    this.#clock = clock;
    this.operationLimit = operationLimit;
  }

  now(): string {
    return new Date(this.#clock()).toISOString();
  }

  #stamp(): WriteStamp {
    this.#version += 1;
    return { now: this.now(), version: this.#version };
  }

  database(databaseId: string): DoubleDatabase {
    const database = this.databases.get(databaseId);
    if (database === undefined) throw notFound('database_not_found', 'Database not found');
    return database;
  }

  table(databaseId: string, tableId: string): DoubleTable {
    const table = this.database(databaseId).tables.get(tableId);
    if (table === undefined)
      throw notFound('table_not_found', 'Table with the requested ID could not be found.');
    return table;
  }

  /** A committed write (a REST call without a transaction). */
  write(databaseId: string, tableId: string, write: RowWrite): DoubleRow {
    const table = this.table(databaseId, tableId);
    const copy = copyOf(table);
    const row = applyRowWrite(copy, write, this.#stamp());
    this.database(databaseId).tables.set(tableId, copy);
    return row;
  }

  createTransaction(ttlSeconds: number): DoubleTransaction {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 60 || ttlSeconds > 3600) {
      throw badRequest(
        'general_argument_invalid',
        'Invalid ttl param: Value must be a valid range between 60 and 3,600',
      );
    }
    const transaction: DoubleTransaction = {
      id: randomBytes(10).toString('hex'),
      createdAt: this.now(),
      expiresAt: this.#clock() + ttlSeconds * 1000,
      status: 'pending',
      operations: [],
    };
    this.transactions.set(transaction.id, transaction);
    return transaction;
  }

  /** A pending, unexpired transaction. */
  pending(transactionId: string): DoubleTransaction {
    const transaction = this.transactions.get(transactionId);
    if (transaction === undefined) throw notFound('transaction_not_found', 'Transaction not found');
    if (this.#clock() > transaction.expiresAt)
      throw new DoubleError(410, 'transaction_expired', 'Transaction has expired');
    if (transaction.status !== 'pending')
      throw badRequest('transaction_not_ready', `Transaction is ${transaction.status}`);
    return transaction;
  }

  /** The tables as a transaction sees them: committed rows with its staged operations applied. */
  stagedView(transaction: DoubleTransaction): (databaseId: string, tableId: string) => DoubleTable {
    const copies = new Map<string, DoubleTable>();
    const view = (databaseId: string, tableId: string): DoubleTable => {
      const key = tableKey(databaseId, tableId);
      const known = copies.get(key);
      if (known !== undefined) return known;
      const copy = copyOf(this.table(databaseId, tableId));
      copies.set(key, copy);
      return copy;
    };
    for (const op of transaction.operations) stageOn(view, op, this.now());
    return view;
  }

  /** Stages operations; each must apply on the staged view (else nothing of this call is staged). */
  stage(
    transactionId: string,
    operations: readonly Omit<StagedOperation, 'stagedAt'>[],
  ): DoubleTransaction {
    const transaction = this.pending(transactionId);
    if (transaction.operations.length + operations.length > this.operationLimit) {
      throw badRequest(
        'transaction_limit_exceeded',
        `Transaction operation limit exceeded: at most ${this.operationLimit} operations`,
      );
    }
    const staged = operations.map((op) => ({ ...op, stagedAt: this.#version }));
    const view = this.stagedView({ ...transaction, operations: [...transaction.operations] });
    for (const op of staged) stageOn(view, op, this.now());
    transaction.operations.push(...staged);
    return transaction;
  }

  /** Commits all of a transaction or nothing (see the module's invariant 2). */
  commit(transactionId: string): DoubleTransaction {
    const transaction = this.pending(transactionId);
    const stamp = this.#stamp();
    const copies = new Map<string, DoubleTable>();
    try {
      for (const op of transaction.operations) {
        const key = tableKey(op.databaseId, op.tableId);
        const table = copies.get(key) ?? copyOf(this.table(op.databaseId, op.tableId));
        copies.set(key, table);
        const committed = this.table(op.databaseId, op.tableId).rows.get(op.write.rowId);
        if (committed !== undefined && committed.version > op.stagedAt) {
          throw conflict(
            'transaction_conflict',
            `Row ${op.write.rowId} changed after it was staged`,
          );
        }
        if (op.write.action === 'create' && committed !== undefined) {
          throw conflict('transaction_conflict', `Row ${op.write.rowId} exists`);
        }
        try {
          applyRowWrite(table, op.write, stamp);
        } catch (error) {
          if (error instanceof DoubleError && error.status === 409) {
            throw conflict('transaction_conflict', error.message);
          }
          throw error;
        }
      }
    } catch (error) {
      transaction.status = 'failed';
      if (error instanceof DoubleError && error.type === 'transaction_conflict')
        this.conflicts += 1;
      throw error;
    }
    for (const [key, table] of copies) {
      const [databaseId = ''] = key.split('/');
      this.database(databaseId).tables.set(table.id, table);
    }
    transaction.status = 'committed';
    return transaction;
  }

  rollback(transactionId: string): DoubleTransaction {
    const transaction = this.pending(transactionId);
    transaction.status = 'rolledBack';
    return transaction;
  }
}
