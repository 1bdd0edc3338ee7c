import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { anonRssOf, serverNodeFlags } from '../../bench/harness/bench-server.ts';

const startScript = (): string => {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return String(manifest.scripts.start);
};

describe('the benchmarks’ server', () => {
  it('runs with the node flags of npm start', () => {
    expect(serverNodeFlags(startScript())).toEqual(['--max-semi-space-size=64']);
    expect(serverNodeFlags('node --import tsx src/cli/main.ts serve')).toEqual([]);
  });

  it('reads the anonymous resident memory of a process status, not its file pages', () => {
    const status = [
      'Name:\tnode',
      'VmHWM:\t  940544 kB',
      'VmRSS:\t  392192 kB',
      'RssAnon:\t  247808 kB',
      'RssFile:\t  144384 kB',
      'RssShmem:\t       0 kB',
    ].join('\n');
    expect(anonRssOf(status)).toBe(247_808 * 1024);
    expect(anonRssOf('Name:\tnode\n')).toBe(0);
  });

  it('refuses a start script it cannot read the flags of', () => {
    expect(() => serverNodeFlags('tsx src/cli/main.ts serve')).toThrow(/npm start is not/);
  });
});
