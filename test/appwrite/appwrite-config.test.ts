/** `appwrite.config.json` is the one the code derives, and declares what APPWRITE.md requires. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  COLLECTION_TABLES,
  collectionColumns,
  PROJECTOR_COLUMNS,
} from '../../src/adapters/appwrite/appwrite-schema.ts';
import { COLLECTION_NAMES, specOf } from '../../src/domain/collections.ts';
import {
  appwriteConfig,
  appwriteConfigText,
} from '../../src/functions/appwrite/appwrite-config.ts';

const config = appwriteConfig();

describe('appwrite.config.json', () => {
  it('is the file the code derives (run npm run appwrite:config after a change)', async () => {
    const file = await readFile(new URL('../../appwrite.config.json', import.meta.url), 'utf8');
    expect(JSON.parse(file)).toEqual(JSON.parse(appwriteConfigText()));
  });

  it('declares every function on node-22 with its bundle, its scopes and a timeout', () => {
    expect(config.functions.map((f) => f.$id)).toEqual([
      'push',
      'pull',
      'snapshot',
      'status',
      'history',
      'conflicts',
      'verify',
      'changes-trigger',
    ]);
    for (const f of config.functions) {
      expect(f).toMatchObject({
        runtime: 'node-22',
        entrypoint: 'index.js',
        path: `dist/functions/${f.$id}`,
        scopes: ['rows.read', 'rows.write'],
      });
      expect(f.timeout).toBeGreaterThanOrEqual(15);
      expect(f.timeout).toBeLessThanOrEqual(900);
    }
  });

  it('lets signed-in users execute the HTTP functions and nobody execute the trigger', () => {
    const trigger = config.functions.find((f) => f.$id === 'changes-trigger');
    expect(
      config.functions
        .filter((f) => f.$id !== 'changes-trigger')
        .every((f) => f.execute.join() === 'users'),
    ).toBe(true);
    expect(trigger?.execute).toEqual([]);
  });

  it('triggers the changes trigger on row events of the five synced tables only', () => {
    const trigger = config.functions.find((f) => f.$id === 'changes-trigger');
    expect(trigger?.events).toContain('databases.immune_sync.tables.patients.rows.*');
    expect(trigger?.events).toContain(
      'databases.immune_sync.collections.notifications.documents.*',
    );
    expect(trigger?.events.some((e) => e.includes('sync_') || e.includes('.users.'))).toBe(false);
    expect(trigger?.events).toHaveLength(10);
  });

  it('has row security on and no table-level permission on every table', () => {
    for (const table of config.tables) {
      expect([table.$id, table.rowSecurity, table.$permissions]).toEqual([table.$id, true, []]);
    }
  });

  it('declares the tables of the log: ops, log head, visibility, devices, quarantine, conflicts, sync heads', () => {
    const ids = config.tables.map((t) => t.$id);
    for (const id of [
      'sync_ops',
      'sync_log_head',
      'sync_visibility',
      'sync_devices',
      'sync_quarantine',
      'sync_conflicts',
      'sync_heads',
      'users',
    ]) {
      expect(ids).toContain(id);
    }
  });
});

describe('the synced tables', () => {
  it.each(COLLECTION_NAMES)(
    '%s has a column for every field of its collection and the projector columns',
    (name) => {
      const table = COLLECTION_TABLES.find((t) => t.id === name);
      expect(collectionColumns(name).map((c) => c.key)).toEqual(specOf(name).fieldNames);
      for (const column of PROJECTOR_COLUMNS) expect(table?.columns).toContainEqual(column);
    },
  );
});
