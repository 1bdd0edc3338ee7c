/**
 * `ReadTexts`: a text is read once while it is kept, gives the value its read gave, and the
 * older generation is dropped when the newer one is full; the replica's logged ops read through
 * it are the ops decoding their texts gives.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it, vi } from 'vitest';
import {
  CorruptReplicaError,
  ReadTexts,
  readLoggedOp,
} from '../../src/client/store/stored-json.ts';
import { encodeLoggedOp } from '../../src/domain/operation.ts';
import { loggedOpArb } from '../domain/op-arbitraries.ts';

describe('ReadTexts', () => {
  it('reads a kept text once, and again once its generation is dropped', () => {
    const read = vi.fn((text: string) => ({ text }));
    const texts = new ReadTexts(read, 2);
    const a = texts.read('a');
    expect(texts.read('a')).toBe(a);
    texts.read('b');
    texts.read('c'); // the newer generation was full: {a, b} becomes the older one
    expect(texts.read('a')).toBe(a);
    expect(read).toHaveBeenCalledTimes(3);
    texts.read('d');
    texts.read('e'); // {c, d} becomes the older one, {a, b} is dropped
    expect(texts.read('c')).toEqual({ text: 'c' });
    expect(read).toHaveBeenCalledTimes(5);
    const again = texts.read('a');
    expect(again).not.toBe(a);
    expect(again).toEqual(a);
    expect(read).toHaveBeenCalledTimes(6);
  });

  it('keeps nothing of a text whose read throws', () => {
    const texts = new ReadTexts(readLoggedOp, 10);
    expect(() => texts.read('{')).toThrow(CorruptReplicaError);
    expect(() => texts.read('{')).toThrow(CorruptReplicaError);
  });

  test.prop([fc.array(loggedOpArb, { minLength: 1, maxLength: 30 }), fc.nat({ max: 8 })], {
    numRuns: 100,
  })('gives the logged ops that decoding their texts gives, whatever it kept', (ops, capacity) => {
    const texts = new ReadTexts(readLoggedOp, capacity + 1);
    const stored = ops.map((op) => JSON.stringify(encodeLoggedOp(op)));
    for (const text of [...stored, ...stored.reverse()]) {
      expect(texts.read(text)).toEqual(readLoggedOp(text));
    }
  });
});
