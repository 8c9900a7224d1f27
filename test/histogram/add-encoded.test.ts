import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as hdr from 'hdr-histogram-js';
import { addEncodedInto } from '../../lib/histogram/add-encoded.js';
import { addEncoded, createHistogram, decodeHistogram, encodeHistogram, type Histogram } from '../../lib/histogram/latency-histogram.js';

/** A seeded generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

const PERCENTILES = [0, 1, 25, 50, 75, 90, 99, 99.9, 99.99, 100];

/** Bucket-level reads of hdr-histogram-js's JS histograms (not in its typings). */
interface BucketReads {
  nextNonEquivalentValue(value: number): number;
  getCountAtValue(value: number): number;
}

/** Everything fanout reads from a histogram, and every bucket's count. */
function observable(histogram: Histogram) {
  const buckets = histogram as unknown as BucketReads;
  const counts: number[] = [];
  for (let value = 1; value <= histogram.maxValue; value = buckets.nextNonEquivalentValue(value)) counts.push(buckets.getCountAtValue(value));
  return {
    totalCount: histogram.totalCount,
    // An empty histogram's min is a sentinel (MAX_VALUE decoded, MAX_SAFE_INTEGER built): no value either way.
    minNonZeroValue: histogram.totalCount === 0 ? 'none' : histogram.minNonZeroValue,
    mean: histogram.mean,
    stdDeviation: histogram.stdDeviation,
    percentiles: PERCENTILES.map((percentile) => histogram.getValueAtPercentile(percentile)),
    countAtZero: buckets.getCountAtValue(0),
    counts,
  };
}

function sample(seed: number, count: number, shape: 'narrow' | 'wide' | 'huge'): Histogram {
  const next = random(seed);
  const histogram = createHistogram();
  for (let index = 0; index < count; index++) {
    const value = shape === 'narrow' ? 20_000 + next() * 2_000 : shape === 'wide' ? 10 ** (next() * 7) : 2 ** (next() * 40);
    histogram.recordValue(Math.round(value));
  }
  return histogram;
}

test('decoding straight into a histogram gives what hdr-histogram-js decodes', () => {
  const cases: Histogram[] = [
    createHistogram(),
    sample(1, 1, 'narrow'),
    sample(2, 10_000, 'narrow'),
    sample(3, 50_000, 'wide'),
    sample(4, 5_000, 'huge'),
  ];
  const withZero = sample(5, 100, 'wide');
  withZero.recordValue(0);
  cases.push(withZero);
  const bigCounts = createHistogram();
  bigCounts.recordValueWithCount(1234, 5_000_000_000 / 4); // counts that need a multi-byte varint
  bigCounts.recordValueWithCount(7, 300);
  cases.push(bigCounts);
  for (const [index, histogram] of cases.entries()) {
    const encoded = encodeHistogram(histogram);
    const reference = hdr.decodeFromCompressedBase64(encoded, 32, false);
    assert.equal(addEncodedInto(createHistogram(), encoded), true, `case ${index} takes the direct path`);
    assert.deepEqual(observable(decodeHistogram(encoded)), observable(reference), `case ${index}`);
  }
});

test('adding 200 encoded histograms equals adding their hdr-decoded copies', () => {
  const encoded = Array.from({ length: 200 }, (_, index) => encodeHistogram(sample(100 + index, 500 + index * 10, index % 3 === 0 ? 'wide' : 'narrow')));
  const fast = createHistogram();
  const reference = createHistogram();
  for (const text of encoded) {
    addEncoded(fast, text);
    reference.add(hdr.decodeFromCompressedBase64(text, 32, false));
  }
  const { counts: fastCounts, ...fastStats } = observable(fast);
  const { counts: referenceCounts, ...referenceStats } = observable(reference);
  assert.deepEqual(fastStats, referenceStats);
  assert.deepEqual(fastCounts, referenceCounts);
  assert.equal(fast.totalCount, encoded.reduce((sum, text) => sum + decodeHistogram(text).totalCount, 0));
});

test('other layouts are left to the library', () => {
  const twoDigits = hdr.build({ numberOfSignificantValueDigits: 2, autoResize: true });
  twoDigits.recordValue(12345);
  const into = createHistogram();
  assert.equal(addEncodedInto(into, hdr.encodeIntoCompressedBase64(twoDigits)), false);
  assert.equal(into.totalCount, 0, 'nothing added');
  addEncoded(into, hdr.encodeIntoCompressedBase64(twoDigits));
  assert.equal(into.totalCount, 1, 'the general path adds it');
});
