/**
 * The auditor's commands, run directly on the database as the auditor `--user` (default `cli`):
 * `history`, `conflicts`, `resolve`; and `rejected`, the ops the server kept in its quarantine.
 */
import { Command } from 'commander';
import * as E from 'fp-ts/lib/Either.js';
import { CollectionNameCodec } from '../domain/collections.ts';
import { dataOf } from '../domain/operation.ts';
import type { Principal, Role } from '../domain/principal.ts';
import { readPrincipalsFile } from '../functions/principals-file.ts';
import { decodeSystemPrincipal } from '../functions/system-principal.ts';
import { encodeConflict } from '../functions/wire/conflict-messages.ts';
import { encodeHistoryResponse } from '../functions/wire/history-messages.ts';
import type { ConflictStatus } from '../projections/conflict-record.ts';
import { cell, fail, keyValueTable, print, printJson, table } from './cli-output.ts';
import { withStoreOptions } from './store-options.ts';
import { orReport, type SessionOptions, withStore } from './store-session.ts';

interface AuditOptions extends SessionOptions {
  readonly user: string;
}

/** Adds the options every store command shares. */
export const withSessionOptions = (command: Command): Command =>
  withStoreOptions(command)
    .option(
      '--principals <file>',
      'the principals file (for the facilities of notification recipients)',
    )
    .option('--json', 'print JSON instead of tables');

/**
 * A time in ms as ISO text; a device clock may be past what a date can hold (the server accepts
 * it and flags it `skewed`), and is then shown as the number it is.
 */
const timeText = (ms: number): string => {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${ms} ms` : date.toISOString();
};

/** The auditor the command acts as, or undefined after reporting a bad `--user`. */
const auditorOf = (options: AuditOptions, role: Role = 'auditor'): Principal | undefined => {
  const principal = decodeSystemPrincipal(options.user, role);
  if (E.isRight(principal)) return principal.right;
  fail(`--user: ${principal.left.message}`, 2);
  return undefined;
};

const withAuditor = (command: Command): Command =>
  withSessionOptions(command).option('--user <id>', 'the user id recorded as the auditor', 'cli');

const historyCommand = (): Command =>
  withAuditor(
    new Command('history')
      .description("a document's history: its state and what became of each of its ops")
      .argument('<collection>', 'the collection (patients, immunization_records, ...)')
      .argument('<docId>', 'the document id')
      .option('--as-of <cursor>', 'the document as of this cursor (that op included)'),
  ).action(async (collection: string, docId: string, options: AuditOptions & { asOf?: string }) => {
    const name = CollectionNameCodec.decode(collection);
    if (E.isLeft(name)) return fail(`unknown collection ${collection}`, 2);
    const auditor = auditorOf(options);
    if (auditor === undefined) return;
    await withStore(options, async (log) => {
      const history = orReport(await log.history(auditor, name.right, docId, options.asOf));
      if (history === undefined) return;
      const wire = encodeHistoryResponse(history);
      if (options.json === true) return printJson(wire);
      print(`${collection}/${docId}${history.doc.deleted ? ' (deleted)' : ''}`);
      print(keyValueTable(Object.entries(history.doc.data)));
      if (history.doc.disputed.length > 0) print(`disputed: ${history.doc.disputed.join(', ')}`);
      print(
        table(
          [
            'op',
            'kind',
            'author',
            'device time',
            'received',
            'wrote',
            'applied',
            'lost',
            'defeated by',
            'flags',
          ],
          history.timeline.map(({ op, outcome }) => [
            `${op.deviceId}:${op.seq}`,
            op.kind,
            `${op.author.userId} (${op.author.role})`,
            timeText(op.hlc.ms),
            timeText(op.receivedAt),
            Object.entries(dataOf(op))
              .map(([field, value]) => `${field}=${JSON.stringify(value)}`)
              .join('\n'),
            outcome.applied.join(', '),
            outcome.lost
              .map((l) => `${l.field} → ${l.to.deviceId}:${l.to.seq} (${l.rule})`)
              .join('\n'),
            outcome.defeatedBy === null
              ? ''
              : `${outcome.defeatedBy.deviceId}:${outcome.defeatedBy.seq}`,
            outcome.flags.join(', '),
          ]),
        ),
      );
    });
  });

const STATUSES = ['open', 'auto', 'resolved', 'all'] as const;
const isStatusFilter = (s: string): s is ConflictStatus | 'all' => STATUSES.some((x) => x === s);

const conflictsCommand = (): Command =>
  withAuditor(
    new Command('conflicts')
      .description('conflict records, every page')
      .option('--status <status>', 'open, auto, resolved or all', 'open')
      .option('--collection <name>', 'only this collection'),
  ).action(async (options: AuditOptions & { status: string; collection?: string }) => {
    const status = options.status;
    if (!isStatusFilter(status)) return fail(`--status is one of ${STATUSES.join(', ')}`, 2);
    const collection =
      options.collection === undefined ? undefined : CollectionNameCodec.decode(options.collection);
    if (collection !== undefined && E.isLeft(collection))
      return fail(`unknown collection ${options.collection}`, 2);
    const auditor = auditorOf(options);
    if (auditor === undefined) return;
    await withStore(options, async (log) => {
      const records = [];
      let after: string | undefined;
      do {
        const page = orReport(
          await log.conflicts(auditor, {
            status,
            ...(collection === undefined ? {} : { collection: collection.right }),
            ...(after === undefined ? {} : { after }),
          }),
        );
        if (page === undefined) return;
        records.push(...page.conflicts.map(encodeConflict));
        after = page.next ?? undefined;
      } while (after !== undefined);
      if (options.json === true) return printJson({ conflicts: records });
      print(
        table(
          ['id', 'document', 'kind', 'fields', 'status', 'rule', 'winner', 'candidates'],
          records.map((r) => [
            r.id,
            `${r.collection}/${r.docId}`,
            r.kind,
            r.fields.join(', '),
            r.status,
            r.rule,
            `${r.winner.deviceId}:${r.winner.seq}`,
            r.candidates.map((c) => `${c.deviceId}:${c.seq} ${cell(c.values)}`).join('\n'),
          ]),
        ),
      );
      print(`${records.length} conflict${records.length === 1 ? '' : 's'}`);
    });
  });

/** `field=value`: the value as JSON when it parses (numbers, true, null, "quoted"), else text. */
export const parseAssignment = (assignment: string): readonly [string, unknown] | undefined => {
  const at = assignment.indexOf('=');
  if (at <= 0) return undefined;
  const field = assignment.slice(0, at);
  const text = assignment.slice(at + 1);
  try {
    const value: unknown = JSON.parse(text);
    return [field, value];
  } catch {
    return [field, text];
  }
};

const collect = (value: string, previous: readonly string[]): readonly string[] => [
  ...previous,
  value,
];

/** The roles that may resolve a conflict (PROTOCOL.md, Roles: auditors; admins do everything). */
const RESOLVER_ROLES: ReadonlySet<Role> = new Set<Role>(['auditor', 'admin']);

/**
 * The role a resolution records for `--user`: with `--principals`, the user's role there, which
 * must be auditor or admin (undefined after reporting why not); without it, auditor, the name
 * recorded as given.
 */
const resolverRole = async (options: AuditOptions): Promise<Role | undefined> => {
  if (options.principals === undefined) return 'auditor';
  const entries = await readPrincipalsFile(options.principals);
  if (E.isLeft(entries)) {
    fail(entries.left);
    return undefined;
  }
  const roles = entries.right.filter((e) => e.userId === options.user).map((e) => e.role);
  const role = roles.find((r) => RESOLVER_ROLES.has(r));
  if (role !== undefined) return role;
  fail(
    roles.length === 0
      ? `forbidden: --user ${options.user} is not in the principals file ${options.principals}`
      : `forbidden: --user ${options.user} is ${roles.join(', ')} in the principals file, not an auditor or an admin`,
  );
  return undefined;
};

const resolveCommand = (): Command =>
  withAuditor(
    new Command('resolve')
      .description('resolve a current field conflict with the values given')
      .argument('<conflictId>', 'the conflict id (see `conflicts`)')
      .requiredOption(
        '--set <field=value>',
        'a field and its value (repeat for more)',
        collect,
        [],
      ),
  ).action(async (conflictId: string, options: AuditOptions & { set: readonly string[] }) => {
    const data: Record<string, unknown> = {};
    for (const assignment of options.set) {
      const parsed = parseAssignment(assignment);
      if (parsed === undefined) return fail(`--set takes field=value, not ${assignment}`, 2);
      data[parsed[0]] = parsed[1];
    }
    const role = await resolverRole(options);
    if (role === undefined) return;
    const auditor = auditorOf(options, role);
    if (auditor === undefined) return;
    await withStore(options, async (log) => {
      const result = orReport(await log.resolve(auditor, conflictId, data));
      if (result === undefined) return;
      const conflict = encodeConflict(result.conflict);
      if (options.json === true) return printJson({ conflict, cursor: result.cursor });
      print(
        `resolved ${conflict.id} (${conflict.collection}/${conflict.docId}) at ${result.cursor}`,
      );
    });
  });

/** The audit commands. */
/** The `data` a rejected op carried, as it arrived (it may be of any shape: it was refused). */
const dataOfRaw = (raw: unknown): string =>
  typeof raw === 'object' && raw !== null && 'data' in raw
    ? (JSON.stringify(Reflect.get(raw, 'data')) ?? '')
    : '';

const rejectedCommand = (): Command =>
  withSessionOptions(
    new Command('rejected')
      .description(
        'ops the server rejected, with their reason and what they carried (the quarantine), oldest first',
      )
      .option('--device <id>', 'one device'),
  ).action(async (options: SessionOptions & { device?: string }) => {
    await withStore(options, async (log) => {
      const rejected = await log.quarantine(options.device);
      if (options.json === true) return printJson({ rejected });
      print(
        table(
          ['op', 'user', 'received', 'code', 'path', 'reason', 'data'],
          rejected.map((q) => [
            `${q.deviceId}:${q.seq}`,
            q.userId,
            q.receivedAt,
            q.error.code,
            q.error.path ?? '',
            q.error.message,
            dataOfRaw(q.raw),
          ]),
        ),
      );
      print(`${rejected.length} rejected`);
    });
  });

export const auditCommands = (): readonly Command[] => [
  historyCommand(),
  conflictsCommand(),
  resolveCommand(),
  rejectedCommand(),
];
