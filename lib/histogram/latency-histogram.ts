import * as hdr from 'hdr-histogram-js';
import type { LatencySummary } from '../report/report-types.js';
import { addEncodedInto } from './add-encoded.js';

/**
 * Latency histograms: microseconds, 3 significant digits, auto-resizing so that an idle interval
 * costs little. The plain-JS implementation is used: recording is ~1 % of a worker's CPU, and it
 * merges faster than the WASM one and needs no destroy().
 */
export type Histogram = hdr.Histogram;

export function createHistogram(): Histogram {
  return hdr.build({ bitBucketSize: 32, autoResize: true, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

/** HdrHistogram's compressed V2 encoding, base64: readable by the Java, Go and Rust ports too. */
export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

/** Decodes into a fresh histogram (counts, total, min and max as hdr-histogram-js decodes them). */
export function decodeHistogram(encoded: string): Histogram {
  const histogram = createHistogram();
  return addEncodedInto(histogram, encoded) ? histogram : hdr.decodeFromCompressedBase64(encoded, 32, false);
}

/**
 * Adds an encoded histogram into `into` (exact: bucket counts add; nothing is averaged), without
 * decoding it into a histogram of its own first (see add-encoded.ts).
 */
export function addEncoded(into: Histogram, encoded: string): void {
  if (!addEncodedInto(into, encoded)) into.add(hdr.decodeFromCompressedBase64(encoded, 32, false));
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
