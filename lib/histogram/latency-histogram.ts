import * as hdr from 'hdr-histogram-js';
import type { LatencySummary } from '../report/report-types.js';
import { addV2Into } from './add-v2-counts.js';
import { indexWholeNumbersQuickly } from './recording-index.js';
import { compressPayload, compressPayloadOffLoop, compressedHdrOf, decodePayload, v2PayloadOf } from './v2-payload.js';

/**
 * Latency histograms: microseconds, 3 significant digits, auto-resizing so that an idle interval
 * costs little. The plain-JS implementation is used: recording is ~1 % of a worker's CPU, and it
 * merges faster than the WASM one and needs no destroy().
 */
export type Histogram = hdr.Histogram;

const SIGNIFICANT_DIGITS = 3;

/**
 * A worker's recording histogram. 32-bit buckets: one bucket of one slice would need 4.3 billion
 * latencies in the same 0.1 % band, which a 15-minute invocation cannot send.
 */
export function createHistogram(): Histogram {
  return indexWholeNumbersQuickly(hdr.build({ bitBucketSize: 32, autoResize: true, numberOfSignificantValueDigits: SIGNIFICANT_DIGITS, useWebAssembly: false }));
}

/**
 * A histogram that merges many workers' histograms. 64-bit (float) buckets, exact to 2^53: summed
 * over a thousand workers and many slices, one bucket can pass 2^32, where a 32-bit bucket would
 * silently wrap and move every percentile.
 */
export function createMergeHistogram(): Histogram {
  return hdr.build({ bitBucketSize: 64, autoResize: true, numberOfSignificantValueDigits: SIGNIFICANT_DIGITS, useWebAssembly: false });
}

/** An encoded histogram: HdrHistogram's V2 payload, brotli-compressed when stored (see v2-payload.ts). */
export type EncodedHistogram = Uint8Array;

/** The stored form (slice results): the V2 payload under brotli. */
export function encodeHistogram(histogram: Histogram): EncodedHistogram {
  return compressPayload(v2PayloadOf(histogram));
}

/**
 * The stored form, compressed on libuv's thread pool: for a step that ends inside a slice, whose
 * load goes on meanwhile (a step's timeline has a histogram per second, each a fraction of a
 * millisecond of brotli). The same bytes as encodeHistogram.
 */
export async function encodeHistogramOffLoop(histogram: Histogram): Promise<EncodedHistogram> {
  return compressPayloadOffLoop(v2PayloadOf(histogram));
}

/** The V2 payload uncompressed: tens of microseconds, for progress sent while load runs (nothing is stored). */
export function encodeHistogramQuickly(histogram: Histogram): EncodedHistogram {
  return v2PayloadOf(histogram);
}

/** Decodes any form into a fresh merge histogram (counts, total, min and max as hdr-histogram-js decodes them). */
export function decodeHistogram(encoded: EncodedHistogram): Histogram {
  const histogram = createMergeHistogram();
  addEncoded(histogram, encoded);
  return histogram;
}

/**
 * Adds an encoded histogram into `into` (exact: bucket counts add; nothing is averaged), without
 * decoding it into a histogram of its own first (see add-v2-counts.ts).
 */
export function addEncoded(into: Histogram, encoded: EncodedHistogram): void {
  const payload = decodePayload(encoded);
  // Another bucket layout (other significant digits or lowest value): the library's general decoder.
  if (!addV2Into(into, payload)) into.add(hdr.decodeFromCompressedBase64(compressedHdrOf(payload), 64, false));
}

const MS = 1000;

export function summarize(histogram: Histogram): LatencySummary {
  if (histogram.totalCount === 0) return { min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  const at = (percentile: number) => round(histogram.getValueAtPercentile(percentile) / MS);
  return {
    min: round(histogram.minNonZeroValue / MS),
    mean: round(histogram.mean / MS),
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    // The bucket's upper bound, as a decoded histogram has it: a merge and a single histogram agree.
    max: at(100),
  };
}

function round(milliseconds: number): number {
  return Math.round(milliseconds * 1000) / 1000;
}
