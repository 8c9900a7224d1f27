import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { MergedStats } from '../../lib/aggregate/merged-stats.js';
import { decode as decodeCbor } from 'cborg';
import { decodeSliceResult } from '../../lib/engine/slice-result.js';
import { addEncoded, createMergeHistogram } from '../../lib/histogram/latency-histogram.js';

/**
 * Times a merge in a fresh process (pinned by the parent): the first pass pays for the JIT as a
 * cold aggregator does, the second is warm. argv: histograms|slices file.json
 */
export interface MergeTimings {
  items: number;
  coldMs: number;
  warmMs: number;
  totalCount: number;
  p99Us: number;
  peakRssMb: number;
}

function mergeHistograms(encoded: Uint8Array[]): { ms: number; totalCount: number; p99Us: number } {
  const started = performance.now();
  const merged = createMergeHistogram();
  for (const text of encoded) addEncoded(merged, text);
  const ms = performance.now() - started;
  return { ms, totalCount: merged.totalCount, p99Us: merged.getValueAtPercentile(99) };
}

/** What the aggregator does per step: every stored slice read back (CBOR, validated), its counters and histograms merged. */
function mergeSlices(blobs: Uint8Array[]): { ms: number; totalCount: number; p99Us: number } {
  const started = performance.now();
  const merged = new MergedStats();
  for (const blob of blobs) merged.add(decodeSliceResult(blob));
  const ms = performance.now() - started;
  return { ms, totalCount: merged.latency.totalCount, p99Us: merged.latency.getValueAtPercentile(99) };
}

const [mode, path] = process.argv.slice(2);
const items = decodeCbor(await readFile(path!)) as Uint8Array[];
const merge = mode === 'slices' ? () => mergeSlices(items) : () => mergeHistograms(items);
const cold = merge();
const warm = merge();
const timings: MergeTimings = {
  items: items.length,
  coldMs: cold.ms,
  warmMs: warm.ms,
  totalCount: cold.totalCount,
  p99Us: cold.p99Us,
  peakRssMb: process.resourceUsage().maxRSS / 1024,
};
process.stdout.write(`${JSON.stringify(timings)}\n`);
