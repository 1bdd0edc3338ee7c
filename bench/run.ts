/**
 * `npm run bench` runs every benchmark; `npm run bench -- <name> [...]` the named ones. Each
 * runs in its own process so that one's memory does not weigh on the next.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BENCHMARKS: Readonly<Record<string, string>> = {
  fold: 'fold-bench.ts',
  log: 'log-bench.ts',
  push: 'push-bench.ts',
  floor: 'append-floor.ts',
  realtime: 'realtime-bench.ts',
  wire: 'wire-bench.ts',
  replay: 'replay-bench.ts',
  pull: 'pull-bench.ts',
  bootstrap: 'bootstrap-bench.ts',
  device: 'device-bench.ts',
  peer: 'peer-bench.ts',
  load: 'load.ts',
};

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !Object.hasOwn(BENCHMARKS, name));
if (unknown.length > 0) {
  console.error(
    `unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`,
  );
  process.exit(2);
}
const names = requested.length > 0 ? requested : Object.keys(BENCHMARKS);
let failed = false;
for (const name of names) {
  const file = fileURLToPath(new URL(BENCHMARKS[name] ?? '', import.meta.url));
  if (!existsSync(file)) {
    console.error(`benchmark ${name}: ${file} is missing`);
    failed = true;
    continue;
  }
  console.log(`\n== ${name} ==`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  if (run.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
