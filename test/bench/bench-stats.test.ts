/**
 * What the benchmarks report with: the nearest-rank percentile behind every p50 and p99 target
 * (push-to-poke, batch and push latency), the median of rounds, and the Markdown table.
 */
import { test as propertyTest } from '@fast-check/vitest';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { count, formatTable } from '../../bench/harness/bench-results.ts';
import { median, percentile } from '../../bench/harness/percentile.ts';

const samples = fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 300 });

describe('percentile (nearest rank)', () => {
  propertyTest.prop([samples, fc.double({ min: 0.001, max: 1, noNaN: true })])(
    'is the smallest sample with at least a q share of the samples at or below it',
    (values, q) => {
      const p = percentile(values, q);
      const rank = Math.ceil(q * values.length);
      expect(values).toContain(p);
      expect(values.filter((v) => v <= p).length).toBeGreaterThanOrEqual(rank);
      expect(values.filter((v) => v < p).length).toBeLessThan(rank);
    },
  );

  it('reads p50 and p99 of 1..100 as 50 and 99, whatever the order, and 0 of nothing', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile(values, 1)).toBe(100);
    expect(percentile([], 0.99)).toBe(0);
    expect(values[0]).toBe(100);
  });
});

describe('median', () => {
  propertyTest.prop([samples])('has as many samples below it as above it', (values) => {
    const m = median(values);
    expect(values.filter((v) => v < m).length).toBeLessThanOrEqual(values.length / 2);
    expect(values.filter((v) => v > m).length).toBeLessThanOrEqual(values.length / 2);
  });

  it('of an even count is the mean of the two middle values; of none, NaN', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('the table', () => {
  it('has every column any row has, padded to its widest cell', () => {
    const table = formatTable([
      { backend: 'SQLite', 'ops/s': count(10_594.4) },
      { backend: 'Postgres', 'ops/s': count(6826), target: 'met' },
    ]);
    expect(table.split('\n')).toEqual([
      '| backend  | ops/s  | target |',
      '|----------|--------|--------|',
      '| SQLite   | 10,594 |        |',
      '| Postgres | 6,826  | met    |',
    ]);
  });
});
