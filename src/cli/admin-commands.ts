/**
 * The admin's commands, run directly on the database: `status`, `verify`, `replay`. `verify` and
 * `replay` show a progress bar on a TTY.
 */
import { Command } from 'commander';
import { systemPrincipal } from '../functions/system-principal.ts';
import { encodeDeviceStatus, encodeStatusOverview } from '../functions/wire/status-messages.ts';
import { encodeVerifyResponse } from '../functions/wire/verify-messages.ts';
import type { DeviceStatus } from '../log/operation-log.ts';
import { withSessionOptions } from './audit-commands.ts';
import { fail, keyValueTable, print, printJson, table } from './cli-output.ts';
import { progressDisplay } from './progress-bar.ts';
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

const verifyCommand = (): Command =>
  withSessionOptions(
    new Command('verify').description(
      'check the hash chains and re-derive every projection from the log',
    ),
  ).action(async (options: SessionOptions) => {
    await withStore(options, async (log) => {
      const display = progressDisplay('verify', options.json !== true);
      const report = await log.verify(display.progress).finally(() => display.stop());
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
        print(
          report.ok
            ? 'ok: the log and the projections agree'
            : `${report.problems.length} problems`,
        );
      }
      if (!report.ok) fail('verify found problems');
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

/** The admin commands. */
export const adminCommands = (): readonly Command[] => [
  statusCommand(),
  verifyCommand(),
  replayCommand(),
];
