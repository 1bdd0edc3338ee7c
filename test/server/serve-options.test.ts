/** `immune-sync serve`'s options as commander reads them (the server is not started). */
import { describe, expect, it } from 'vitest';
import { serveCommand } from '../../src/cli/serve-command.ts';

const optionsOf = (argv: readonly string[]): Record<string, unknown> => {
  const command = serveCommand().exitOverride();
  command.parseOptions([...argv]);
  return command.opts();
};

describe('serve options', () => {
  it('builds snapshot pages ahead unless --no-pages-ahead', () => {
    expect(optionsOf([]).pagesAhead).toBe(true);
    expect(optionsOf(['--no-pages-ahead']).pagesAhead).toBe(false);
  });

  it('keeps its defaults for port and host', () => {
    expect(optionsOf([])).toMatchObject({ port: 8787, host: '127.0.0.1' });
    expect(optionsOf(['--port', '0']).port).toBe(0);
  });
});
