/** Opens the log of a benchmark's store in process (for building logs and replaying them). */
import { openPostgresLog } from '../../src/adapters/postgres/postgres-log.ts';
import { openSqliteLog } from '../../src/adapters/sqlite/sqlite-log.ts';
import type { SqlOperationLog } from '../../src/log/sql-operation-log.ts';
import type { BenchStore } from './bench-server.ts';

export const openLog = (store: BenchStore): Promise<SqlOperationLog> =>
  store.kind === 'sqlite'
    ? openSqliteLog({ path: store.path })
    : openPostgresLog({ connectionString: store.url, schema: store.schema });
