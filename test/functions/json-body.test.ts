/** Parsing request bodies: UTF-8 JSON within the nesting limit, else `bad_request`. */
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, nestsDeeperThan, parseJsonBody } from '../../src/functions/json-body.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('parseJsonBody', () => {
  it('parses JSON nested exactly to the limit', () => {
    const text = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
    expect(E.isRight(parseJsonBody(bytes(text)))).toBe(true);
  });

  it('refuses one level deeper as bad_request', () => {
    const depth = MAX_JSON_DEPTH + 1;
    const result = parseJsonBody(bytes(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));
    expect(E.isLeft(result) && result.left.code).toBe('bad_request');
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ s: `\\"${'['.repeat(1000)}`, t: '{{{{' });
    expect(nestsDeeperThan(text, 2)).toBe(false);
    expect(E.isRight(parseJsonBody(bytes(text)))).toBe(true);
  });

  it('refuses bytes that are not UTF-8 and text that is not JSON', () => {
    for (const body of [Uint8Array.from([0xff, 0xfe]), bytes('{"a":'), bytes('')]) {
      const result = parseJsonBody(body);
      expect(E.isLeft(result) && result.left.code).toBe('bad_request');
    }
  });
});
