/**
 * The wire cannot change silently: the fingerprint of every wire codec, route, limit and example
 * encoding is recorded next to PROTOCOL_VERSION.
 */
import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_FINGERPRINT, PROTOCOL_VERSION } from '../../src/functions/protocol-version.ts';
import { describeCodec, wireFingerprint } from '../../src/functions/wire-fingerprint.ts';

describe('PROTOCOL_VERSION', () => {
  it('matches the wire: a change of the codecs needs a version bump and a new fingerprint', () => {
    const actual = wireFingerprint();
    expect(
      actual,
      `The wire changed. Bump PROTOCOL_VERSION (now ${PROTOCOL_VERSION}) in src/functions/protocol-version.ts, ` +
        `add a line to its history, describe the change in docs/protocol.md, and record PROTOCOL_FINGERPRINT = '${actual}'.`,
    ).toBe(PROTOCOL_FINGERPRINT);
  });

  it('the fingerprint is stable across calls', () => {
    expect(wireFingerprint()).toBe(wireFingerprint());
  });
});

describe('describeCodec', () => {
  it('tells apart codecs that differ in a field, a literal, optionality or exactness', () => {
    const base = t.type({ a: t.string, b: t.number });
    const variants = [
      t.type({ a: t.string, c: t.number }),
      t.type({ a: t.string, b: t.string }),
      t.type({ a: t.string, b: t.literal(1) }),
      t.partial({ a: t.string, b: t.number }),
      t.exact(t.type({ a: t.string, b: t.number })),
      t.type({ a: t.string, b: t.array(t.number) }),
      t.type({ a: t.keyof({ x: null }), b: t.number }),
    ];
    const described = JSON.stringify(describeCodec(base));
    for (const variant of variants)
      expect(JSON.stringify(describeCodec(variant))).not.toBe(described);
  });

  it('ignores the names given to combinators but not the structure under them', () => {
    expect(describeCodec(t.type({ a: t.string }, 'One'))).toEqual(
      describeCodec(t.type({ a: t.string }, 'Two')),
    );
  });
});
