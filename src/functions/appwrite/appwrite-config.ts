/**
 * `appwrite.config.json`, derived from the function list (`appwrite-functions.ts`) and the
 * database schema (`appwrite-schema.ts`), in the Appwrite CLI's format (APPWRITE.md section 2):
 * `appwrite push functions` and `appwrite push tables` deploy it. `npm run appwrite:config`
 * writes it; a test fails when the file and this module disagree.
 */
import {
  appwriteSchema,
  COLLECTION_TABLES,
  type ColumnSpec,
  DEFAULT_DATABASE_ID,
  type IndexSpec,
  type TableSpec,
} from '../../adapters/appwrite/appwrite-schema.ts';
import { CHANGES_TRIGGER_FUNCTION, HTTP_FUNCTIONS } from './appwrite-functions.ts';

/** The Node runtime the functions run on. */
export const FUNCTION_RUNTIME = 'node-22';

/** What every function's key may do: read users, write sync heads (and the TablesDB log). */
export const FUNCTION_SCOPES: readonly string[] = ['rows.read', 'rows.write'];

/** The folder of a function's bundle, relative to the project root. */
export const bundleDirectory = (name: string): string => `dist/functions/${name}`;

const functionEntry = (
  name: string,
  options: { execute: readonly string[]; events: readonly string[]; timeout: number },
) => ({
  $id: name,
  name: `immune-sync ${name}`,
  runtime: FUNCTION_RUNTIME,
  execute: options.execute,
  events: options.events,
  schedule: '',
  timeout: options.timeout,
  enabled: true,
  logging: true,
  entrypoint: 'index.js',
  commands: '',
  path: bundleDirectory(name),
  scopes: FUNCTION_SCOPES,
});

/**
 * The events of the changes trigger: every row event of the synced tables, in both the tables
 * form and the collections form (APPWRITE.md section 6).
 */
export const triggerEvents = (databaseId: string): readonly string[] =>
  COLLECTION_TABLES.flatMap((table) => [
    `databases.${databaseId}.tables.${table.id}.rows.*`,
    `databases.${databaseId}.collections.${table.id}.documents.*`,
  ]);

const columnEntry = (column: ColumnSpec) => ({ ...column, default: null });

const indexEntry = (index: IndexSpec) => ({
  key: index.key,
  type: index.type,
  columns: index.columns,
  orders: index.orders,
});

const tableEntry = (databaseId: string, table: TableSpec) => ({
  $id: table.id,
  $permissions: [],
  databaseId,
  name: table.name,
  enabled: true,
  rowSecurity: true,
  columns: table.columns.map(columnEntry),
  indexes: table.indexes.map(indexEntry),
});

/** The whole file's content. */
export const appwriteConfig = (databaseId: string = DEFAULT_DATABASE_ID) => {
  const schema = appwriteSchema(databaseId);
  return {
    projectId: 'your-project-id',
    projectName: 'immune-sync',
    functions: [
      ...HTTP_FUNCTIONS.map((f) =>
        functionEntry(f.name, { execute: ['users'], events: [], timeout: f.timeout }),
      ),
      functionEntry(CHANGES_TRIGGER_FUNCTION, {
        execute: [],
        events: triggerEvents(databaseId),
        timeout: 30,
      }),
    ],
    tablesDB: [{ $id: schema.databaseId, name: schema.name, enabled: true }],
    tables: schema.tables.map((table) => tableEntry(schema.databaseId, table)),
  };
};

/** The file's text: the config as JSON, two-space indented, with a final newline. */
export const appwriteConfigText = (databaseId?: string): string =>
  `${JSON.stringify(appwriteConfig(databaseId), null, 2)}\n`;
