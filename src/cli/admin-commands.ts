/**
 * The admin's commands, run directly on the database: `status`, `verify`, `replay`, `backup`,
 * `new-epoch`. `verify` and `replay` show a progress bar on a TTY.
 */
import { Command } from 'commander';
import * as E from 'fp-ts/lib/Either.js';
import { systemPrincipal } from '../functions/system-principal.ts';
import { encodeDeviceStatus, encodeStatusOverview } from '../functions/wire/status-messages.ts';
import { encodeVerifyResponse } from '../functions/wire/verify-messages.ts';
import { renewEpoch } from '../log/epoch.ts';
import type { DeviceStatus } from '../log/operation-log.ts';
import { SqlOperationLog } from '../log/sql-operation-log.ts';
import { withSessionOptions } from './audit-commands.ts';
import { readHeadsFile, recordTargetRefusal, writeHeadsFile } from './chain-heads-file.ts';
import { fail, keyValueTable, print, printJson, table } from './cli-output.ts';
import { progressDisplay } from './progress-bar.ts';
import { DEFAULT_DB, openStore, type StoreOptions, withStoreOptions } from './store-options.ts';
import { orReport, type SessionOptions, withStore } from './store-session.ts';

const admin = () => systemPrincipal('cli', 'admin');

const deviceRows = (devices: readonly DeviceStatus[]): unknown[][] =>
  devices.map((d) => [
    d.deviceId,
    d.userId,
    d.ackedSeq,
    d.lastPushAt ?? '',
    d.lastPullAt ?? '',
    d.behind,
    d.rejected,
    d.openConflicts,
  ]);

const DEVICE_HEAD = [
  'device',
  'user',
  'acked seq',
  'last push',
  'last pull',
  'behind',
  'rejected',
  'open conflicts',
];

const statusCommand = (): Command =>
  withSessionOptions(
    new Command('status')
      .description('devices: progress, lag, rejected ops, open conflicts')
      .option('--device <id>', 'one device'),
  ).action(async (options: SessionOptions & { device?: string }) => {
    await withStore(options, async (log) => {
      if (options.device !== undefined) {
        const status = orReport(await log.deviceStatus(admin(), options.device));
        if (status === undefined) return;
        if (options.json === true) return printJson(encodeDeviceStatus(status));
        return print(keyValueTable(Object.entries(encodeDeviceStatus(status))));
      }
      const overview = orReport(await log.statusOverview(admin()));
      if (overview === undefined) return;
      if (options.json === true) return printJson(encodeStatusOverview(overview));
      print(`head ${overview.head}`);
      print(table(DEVICE_HEAD, deviceRows(overview.devices)));
      if (overview.stale.length > 0) {
        print('stale (no push or pull in 24 h):');
        print(table(DEVICE_HEAD, deviceRows(overview.stale)));
      }
    });
  });

/** Options of `verify`: recorded chain heads to check against, a file to record them in. */
interface VerifyOptions extends SessionOptions {
  readonly heads?: string;
  readonly recordHeads?: string;
}

const verifyCommand = (): Command =>
  withSessionOptions(
    new Command('verify')
      .description('check the hash chains and re-derive every projection from the log')
      .option(
        '--heads <file>',
        "also check that every device's hash chain still passes through its head recorded in <file>, and the log up to the position recorded there",
      )
      .option(
        '--record-heads <file>',
        "after a clean run, write every device's chain head and a digest of the log to <file>, to keep outside the database",
      ),
  ).action(async (options: VerifyOptions) => {
    const recorded = options.heads === undefined ? undefined : await readHeadsFile(options.heads);
    if (recorded !== undefined && E.isLeft(recorded)) {
      orReport(recorded);
      return;
    }
    if (options.recordHeads !== undefined) {
      const refusal = await recordTargetRefusal(options.recordHeads, options.heads);
      if (refusal !== undefined) {
        orReport(E.left(refusal));
        return;
      }
    }
    await withStore(options, async (log) => {
      const display = progressDisplay('verify', options.json !== true);
      const report = await log
        .verify(display.progress, recorded?.right.record)
        .finally(() => display.stop());
      if (options.json === true) printJson(encodeVerifyResponse(report));
      else {
        print(
          table(
            ['ops', 'documents', 'devices'],
            [[report.checked.ops, report.checked.documents, report.checked.devices]],
          ),
        );
        if (report.problems.length > 0) {
          print(
            table(
              ['kind', 'collection', 'document', 'detail'],
              report.problems.map((p) => [p.kind, p.collection, p.docId, p.detail]),
            ),
          );
        }
        if (recorded !== undefined) {
          print(
            `checked against ${recorded.right.record.heads.length} chain heads and the log up to position ${recorded.right.record.log.position}, recorded at ${recorded.right.recordedAt}`,
          );
        }
        print(
          report.ok
            ? 'ok: the log and the projections agree'
            : `${report.problems.length} problems`,
        );
      }
      if (!report.ok) {
        fail(
          options.recordHeads === undefined
            ? 'verify found problems'
            : 'verify found problems; no chain heads recorded',
        );
        return;
      }
      if (options.recordHeads !== undefined) {
        await writeHeadsFile(options.recordHeads, report.record, new Date());
        if (options.json !== true) {
          print(
            `recorded ${report.record.heads.length} chain heads and the log up to position ${report.record.log.position} in ${options.recordHeads}`,
          );
        }
      }
    });
  });

const replayCommand = (): Command =>
  withSessionOptions(
    new Command('replay')
      .description('rebuild every projection and conflict record from the log')
      .option('--as-of <cursor>', 'rebuild the state as of this cursor'),
  ).action(async (options: SessionOptions & { asOf?: string }) => {
    await withStore(options, async (log) => {
      const display = progressDisplay('replay', options.json !== true);
      const result = await log.replay(options.asOf, display.progress).finally(() => display.stop());
      if (options.json === true) return printJson(result);
      print(`replayed ${result.ops} ops into ${result.documents} documents`);
    });
  });

const backupCommand = (): Command =>
  new Command('backup')
    .description(
      'copy an SQLite log, also while it serves; a server restored from the copy gives it a new epoch, so devices bootstrap again instead of missing ops',
    )
    .option('--db <file>', `the SQLite database file (default ${DEFAULT_DB})`)
    .requiredOption('--to <file>', 'the copy (a new file)')
    .action(async (options: { db?: string; to: string }) => {
      const { backupSqliteLog } = await import('../adapters/sqlite/sqlite-backup.ts');
      try {
        await backupSqliteLog(options.db ?? DEFAULT_DB, options.to);
      } catch (error) {
        return fail(error instanceof Error ? error.message : String(error));
      }
      print(`backed up ${options.db ?? DEFAULT_DB} to ${options.to}`);
    });

const newEpochCommand = (): Command =>
  withStoreOptions(
    new Command('new-epoch').description(
      'give the log a new epoch, after restoring it from a copy not made by `backup`: every cursor handed out before is then refused (409 reset_required) and devices bootstrap again. Stop every server of the log first',
    ),
  ).action(async (options: StoreOptions) => {
    if (options.appwrite === true) return fail('new-epoch works on --db and --postgres logs');
    const log = await openStore(options);
    try {
      if (!(log instanceof SqlOperationLog)) return fail('new-epoch needs an SQL log');
      const epoch = await renewEpoch(log.db);
      print(`the log's epoch is now ${epoch} (it was ${log.epoch})`);
    } finally {
      await log.close();
    }
  });

/** The admin commands. */
export const adminCommands = (): readonly Command[] => [
  statusCommand(),
  verifyCommand(),
  replayCommand(),
  backupCommand(),
  newEpochCommand(),
];
