/** `immune-sync appwrite setup` and `check`, through node-appwrite, on the TablesDB double. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appwriteSchema,
  DEFAULT_DATABASE_ID,
} from '../../src/adapters/appwrite/appwrite-schema.ts';
import { checkSchema, setupSchema } from '../../src/adapters/appwrite/appwrite-schema-setup.ts';
import { describeDifference } from '../../src/adapters/appwrite/schema-differences.ts';
import { startTablesDbDouble, type TablesDbDouble } from './tables-db-double/tables-db-double.ts';

let double: TablesDbDouble;
const schema = appwriteSchema();

beforeEach(async () => {
  double = await startTablesDbDouble();
});

afterEach(async () => {
  await double.close();
});

describe('appwrite check', () => {
  it('reports a project without the database as missing it', async () => {
    const differences = await checkSchema(double.tablesDb(), schema);
    expect(differences.map(describeDifference)).toEqual(['database immune_sync is missing']);
  });

  it('reports a missing column and an index of another shape', async () => {
    await setupSchema(double.tablesDb(), schema);
    const patients = double.state.table(DEFAULT_DATABASE_ID, 'patients');
    patients.columns.splice(
      patients.columns.findIndex((c) => c.key === 'townVillage'),
      1,
    );
    patients.indexes.splice(0, 1, {
      key: 'by_facility',
      type: 'unique',
      columns: ['facilityId'],
      orders: ['ASC'],
    });
    const differences = await checkSchema(double.tablesDb(), schema);
    expect(differences.map(describeDifference)).toEqual([
      'table patients: column townVillage (varchar) is missing',
      'table patients: index by_facility has type unique, not key',
    ]);
  });
});

describe('appwrite setup', () => {
  it('creates the database, tables, columns and indexes, after which check finds nothing', async () => {
    const steps: string[] = [];
    const unfixed = await setupSchema(double.tablesDb(), schema, { onStep: (s) => steps.push(s) });
    expect(unfixed).toEqual([]);
    expect(steps).toContain('created database immune_sync');
    expect(steps).toContain('created column sync_ops.position');
    expect(steps).toContain('created index sync_ops.by_dot');
    expect(await checkSchema(double.tablesDb(), schema)).toEqual([]);
    expect(double.state.table(DEFAULT_DATABASE_ID, 'patients').rowSecurity).toBe(true);
  });

  it('is idempotent: a second run creates nothing', async () => {
    await setupSchema(double.tablesDb(), schema);
    const steps: string[] = [];
    await setupSchema(double.tablesDb(), schema, { onStep: (s) => steps.push(s) });
    expect(steps).toEqual([]);
  });

  it('adds what is missing, turns row security on, and only reports what it must not change', async () => {
    const tablesDb = double.tablesDb();
    await tablesDb.create({ databaseId: DEFAULT_DATABASE_ID, name: 'immune-sync' });
    await tablesDb.createTable({
      databaseId: DEFAULT_DATABASE_ID,
      tableId: 'vaccines',
      name: 'Vaccines',
      rowSecurity: false,
      permissions: ['read("any")'],
    });
    await tablesDb.createVarcharColumn({
      databaseId: DEFAULT_DATABASE_ID,
      tableId: 'vaccines',
      key: 'code',
      size: 8,
      required: false,
    });
    const unfixed = await setupSchema(tablesDb, schema);
    expect(unfixed.map(describeDifference)).toEqual([
      'table vaccines: table-level permissions read("any") bypass the facility scope',
      'table vaccines: column code has size 8, less than 32',
    ]);
    expect(double.state.table(DEFAULT_DATABASE_ID, 'vaccines').rowSecurity).toBe(true);
    expect(double.state.table(DEFAULT_DATABASE_ID, 'vaccines').columns.map((c) => c.key)).toContain(
      'doses',
    );
  });
});
