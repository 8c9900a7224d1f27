import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as hdr from 'hdr-histogram-js';
import { brotliDecompressSync, inflateSync } from 'node:zlib';
import { histogramOf, realisticLatencyUs } from '../../bench/merge/synthetic-latencies.js';
import { addV2Into } from '../../lib/histogram/add-v2-counts.js';
import {
  addEncoded,
  createHistogram,
  createMergeHistogram,
  decodeHistogram,
  encodeHistogram,
  encodeHistogramOffLoop,
  encodeHistogramQuickly,
  summarize,
  type Histogram,
} from '../../lib/histogram/latency-histogram.js';
import { compressedHdrOf, decodePayload } from '../../lib/histogram/v2-payload.js';

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

function cases(): Histogram[] {
  const list: Histogram[] = [createHistogram(), sample(1, 1, 'narrow'), sample(2, 10_000, 'narrow'), sample(3, 50_000, 'wide'), sample(4, 5_000, 'huge')];
  const withZero = sample(5, 100, 'wide');
  withZero.recordValue(0);
  list.push(withZero);
  const bigCounts = createHistogram();
  bigCounts.recordValueWithCount(1234, 5_000_000_000 / 4); // counts that need a multi-byte varint
  bigCounts.recordValueWithCount(7, 300);
  list.push(bigCounts);
  return list;
}

test('both encodings decode to what hdr-histogram-js decodes from its own encoding', () => {
  for (const [index, histogram] of cases().entries()) {
    const reference = observable(hdr.decodeFromCompressedBase64(hdr.encodeIntoCompressedBase64(histogram), 32, false));
    const stored = encodeHistogram(histogram);
    assert.equal(addV2Into(createMergeHistogram(), decodePayload(stored)), true, `case ${index} takes the direct path`);
    assert.deepEqual(observable(decodeHistogram(stored)), reference, `case ${index}, stored`);
    assert.deepEqual(observable(decodeHistogram(encodeHistogramQuickly(histogram))), reference, `case ${index}, live (uncompressed)`);
    const byOtherTools = Buffer.from(hdr.encodeIntoCompressedBase64(histogram), 'base64');
    assert.deepEqual(observable(decodeHistogram(byOtherTools)), reference, `case ${index}, HdrHistogram's compressed form`);
  }
});

/** The uncompressed V2 payload inside hdr-histogram-js's own compressed encoding. */
function libraryPayload(histogram: Histogram): Buffer {
  const compressed = Buffer.from(hdr.encodeIntoCompressedBase64(histogram), 'base64');
  return inflateSync(compressed.subarray(8, 8 + compressed.readInt32BE(4)));
}

test("the V2 payload fanout writes from the counts is byte for byte hdr-histogram-js's, and the off-loop stored form the stored one", async () => {
  const merged = createMergeHistogram();
  merged.recordValueWithCount(20_000, 3_000_000_000);
  merged.recordValueWithCount(2 ** 40, 7);
  for (const [index, histogram] of [...cases(), merged].entries()) {
    assert.deepEqual(encodeHistogramQuickly(histogram), libraryPayload(histogram), `case ${index}`);
    assert.deepEqual(await encodeHistogramOffLoop(histogram), encodeHistogram(histogram), `case ${index}, off the loop`);
  }
});

test("a recording histogram indexes every value as hdr-histogram-js does (its quicker index for whole numbers)", () => {
  const quick = createHistogram() as unknown as { countsArrayIndex(value: number): number };
  const library = hdr.build({ bitBucketSize: 32, autoResize: true, numberOfSignificantValueDigits: 3, useWebAssembly: false }) as unknown as {
    countsArrayIndex(value: number): number;
  };
  const next = random(11);
  const values = [0, 1, 2047, 2048, 2049, 4095, 4096, 2 ** 30, 2 ** 31 - 1, 2 ** 31, 2 ** 40, 1.5, 12_345.6];
  for (let value = 0; value < 300_000; value++) values.push(value);
  for (let index = 0; index < 200_000; index++) values.push(Math.floor(2 ** (next() * 31)));
  for (const value of values) assert.equal(quick.countsArrayIndex(value), library.countsArrayIndex(value), `value ${value}`);
  // Recorded the same values, the two encode alike.
  const recorded = createHistogram();
  const reference = hdr.build({ bitBucketSize: 32, autoResize: true, numberOfSignificantValueDigits: 3, useWebAssembly: false });
  for (const value of values.filter(Number.isInteger)) {
    recorded.recordValue(value);
    reference.recordValue(value);
  }
  assert.deepEqual(libraryPayload(recorded), libraryPayload(reference));
});

test('the stored encoding is brotli around the standard V2 payload: any HdrHistogram port reads it once decompressed', () => {
  const histogram = sample(7, 20_000, 'wide');
  const payload = brotliDecompressSync(encodeHistogram(histogram));
  const byLibrary = hdr.decodeFromCompressedBase64(compressedHdrOf(payload), 32, false);
  assert.deepEqual(observable(byLibrary), observable(histogram));
});

test('adding 200 encoded histograms equals adding their hdr-decoded copies', () => {
  const histograms = Array.from({ length: 200 }, (_, index) => sample(100 + index, 500 + index * 10, index % 3 === 0 ? 'wide' : 'narrow'));
  const fast = createMergeHistogram();
  const reference = createMergeHistogram();
  for (const [index, histogram] of histograms.entries()) {
    addEncoded(fast, index % 2 === 0 ? encodeHistogram(histogram) : encodeHistogramQuickly(histogram));
    reference.add(hdr.decodeFromCompressedBase64(hdr.encodeIntoCompressedBase64(histogram), 32, false));
  }
  const { counts: fastCounts, ...fastStats } = observable(fast);
  const { counts: referenceCounts, ...referenceStats } = observable(reference);
  assert.deepEqual(fastStats, referenceStats);
  assert.deepEqual(fastCounts, referenceCounts);
  assert.equal(fast.totalCount, histograms.reduce((sum, histogram) => sum + histogram.totalCount, 0));
});

test('a merge keeps counts past 2^32 in one bucket exact (no 32-bit wrap)', () => {
  const worker = createMergeHistogram();
  worker.recordValueWithCount(20_000, 3_000_000_000);
  worker.recordValueWithCount(900_000, 100_000_000);
  const encoded = encodeHistogram(worker);
  const merged = createMergeHistogram();
  addEncoded(merged, encoded);
  addEncoded(merged, encoded);
  assert.equal(merged.totalCount, 6_200_000_000);
  assert.equal((merged as unknown as BucketReads).getCountAtValue(20_000), 6_000_000_000);
  const summary = summarize(merged);
  assert.ok(summary.p50 >= 19.98 && summary.p50 <= 20.03, `p50 ${summary.p50} ms`);
  assert.ok(summary.p99 >= 899 && summary.p99 <= 901, `p99 ${summary.p99} ms`);
});

test('a 60 s slice at 1,000 req/s (two latency modes, 1 % tail to 2 s) is stored in at most 4 KB', () => {
  for (const seed of [1, 2, 3]) {
    const histogram = histogramOf(60_000, realisticLatencyUs, seed);
    const stored = encodeHistogram(histogram);
    assert.ok(stored.length <= 4096, `seed ${seed}: ${stored.length} bytes`);
    const zlibForm = Buffer.from(hdr.encodeIntoCompressedBase64(histogram), 'base64');
    assert.ok(stored.length < zlibForm.length * 0.85, `smaller than HdrHistogram's zlib form (${stored.length} vs ${zlibForm.length} bytes)`);
  }
});

test('bytes that are not an encoded histogram are refused with a clear error', () => {
  assert.throws(() => decodeHistogram(Buffer.from('hello, not a histogram')), /not an encoded HDR histogram/);
});

test('other layouts are left to the library', () => {
  const twoDigits = hdr.build({ numberOfSignificantValueDigits: 2, autoResize: true });
  twoDigits.recordValue(12345);
  const into = createMergeHistogram();
  const encoded = Buffer.from(hdr.encodeIntoCompressedBase64(twoDigits), 'base64');
  assert.equal(addV2Into(into, decodePayload(encoded)), false);
  assert.equal(into.totalCount, 0, 'nothing added');
  addEncoded(into, encoded);
  assert.equal(into.totalCount, 1, 'the general path adds it');
});
