/**
 * Output of the commands: tables for people (cli-table3), JSON for machines (`--json`), and
 * failures on stderr with an exit code.
 */
import Table from 'cli-table3';

/** No row separators; colours only on a terminal. */
const style = (): ConstructorParameters<typeof Table>[0] => ({
  chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  style: process.stdout.isTTY === true ? {} : { head: [], border: [] },
});

/** A table with a header row. */
export const table = (head: readonly string[], rows: readonly (readonly unknown[])[]): string => {
  const t = new Table({ ...style(), head: [...head], wordWrap: true });
  for (const row of rows) t.push(row.map(cell));
  return t.toString();
};

/** A two-column table of names and values. */
export const keyValueTable = (entries: readonly (readonly [string, unknown])[]): string => {
  const t = new Table(style());
  for (const [key, value] of entries) t.push({ [key]: cell(value) });
  return t.toString();
};

/** A value as a table cell shows it. */
export const cell = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
};

/** Prints `value` as JSON (one document on stdout). */
export const printJson = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

/** Prints text and a newline on stdout. */
export const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

/** Reports a failure on stderr and sets the exit code. */
export const fail = (message: string, exitCode = 1): void => {
  process.stderr.write(`immune-sync: ${message}\n`);
  process.exitCode = exitCode;
};
