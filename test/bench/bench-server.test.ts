import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { serverNodeFlags } from '../../bench/harness/bench-server.ts';

const startScript = (): string => {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return String(manifest.scripts.start);
};

describe('the benchmarks’ server', () => {
  it('runs with the node flags of npm start', () => {
    expect(serverNodeFlags(startScript())).toEqual(['--max-semi-space-size=64']);
    expect(serverNodeFlags('node --import tsx src/cli/main.ts serve')).toEqual([]);
  });

  it('refuses a start script it cannot read the flags of', () => {
    expect(() => serverNodeFlags('tsx src/cli/main.ts serve')).toThrow(/npm start is not/);
  });
});
