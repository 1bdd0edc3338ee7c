/**
 * A benchmark's output: a table on stdout, and the same rows as JSON under `bench/results/`
 * (with the date, the machine and the sizes), one file per run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, freemem, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

/** One row: column name to printed cell. */
export type ResultRow = Readonly<Record<string, string | number>>;

const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

/** A table as Markdown. */
export const formatTable = (rows: readonly ResultRow[]): string => {
  const header = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const lines = rows.map((r) => header.map((h) => String(r[h] ?? '')));
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [
    format(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...lines.map(format),
  ].join('\n');
};

/** Prints the table and writes `bench/results/<name>-<time>.json`. */
export const report = async (
  name: string,
  rows: readonly ResultRow[],
  details: Readonly<Record<string, unknown>>,
): Promise<void> => {
  const at = new Date().toISOString();
  console.log(formatTable(rows));
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = `${RESULTS_DIR}${name}-${at.replace(/[:.]/g, '-')}.json`;
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    totalMemBytes: totalmem(),
    freeMemBytes: freemem(),
    node: process.version,
  };
  await writeFile(file, `${JSON.stringify({ name, at, machine, details, rows }, null, 2)}\n`);
  console.log(`results: ${file}`);
};

/** A count with thousands separators. */
export const count = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Mebibytes, one decimal. */
export const mib = (bytes: number): string => (bytes / 1_048_576).toFixed(1);
