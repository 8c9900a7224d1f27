import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { MergedStats } from '../../lib/aggregate/merged-stats.js';
import type { SliceResult } from '../../lib/engine/slice-result.js';
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

function mergeHistograms(encoded: string[]): { ms: number; totalCount: number; p99Us: number } {
  const started = performance.now();
  const merged = createMergeHistogram();
  for (const text of encoded) addEncoded(merged, text);
  const ms = performance.now() - started;
  return { ms, totalCount: merged.totalCount, p99Us: merged.getValueAtPercentile(99) };
}

/** What the aggregator does per step: every slice's counters and histograms (overall, service, names, timeline). */
function mergeSlices(slices: SliceResult[]): { ms: number; totalCount: number; p99Us: number } {
  const started = performance.now();
  const merged = new MergedStats();
  for (const slice of slices) merged.add(slice);
  const ms = performance.now() - started;
  return { ms, totalCount: merged.latency.totalCount, p99Us: merged.latency.getValueAtPercentile(99) };
}

const [mode, path] = process.argv.slice(2);
const items = JSON.parse(await readFile(path!, 'utf8')) as unknown[];
const merge = mode === 'slices' ? () => mergeSlices(items as SliceResult[]) : () => mergeHistograms(items as string[]);
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
