import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { encode as encodeCbor } from 'cborg';
import * as hdr from 'hdr-histogram-js';
import { encodeSliceResult } from '../../lib/engine/slice-result.js';
import { encodeHistogram } from '../../lib/histogram/latency-histogram.js';
import { benchScript, lastJson, runChild } from '../child-process.js';
import { GENERATOR_CORE, pinned } from '../machine.js';
import type { MergeTimings } from '../merge/merge-child.js';
import { recordSyntheticSlice, sliceResultOf, syntheticSlice } from '../merge/slice-fixtures.js';
import { histogramOf, realisticLatencyUs, singleModeLatencyUs, wideLatencyUs } from '../merge/synthetic-latencies.js';
import { table, type BenchContext, type BenchSection } from '../section.js';
import { median, round, thousands } from '../stats.js';

/**
 * (c) The aggregator's work at fan-out scale: decoding and adding 1000 workers' encoded histograms
 * on one core (fresh process, as a cold aggregator Lambda), and how large one slice's histogram is.
 */
const MERGE_TARGET_MS = 500;
const SIZE_TARGET_BYTES = 4096;

async function timeMerge(mode: 'histograms' | 'slices', file: string): Promise<MergeTimings> {
  const script = benchScript('../merge/merge-child.js', import.meta.url);
  const { command, args } = pinned(GENERATOR_CORE, process.execPath, [script, mode, file]);
  return lastJson<MergeTimings>(await runChild(command, args, { timeoutMs: 300_000 }), `merge of ${mode}`);
}

const SIZE_SHAPES: Array<{ label: string; latencyUs: (random: () => number) => number }> = [
  { label: 'one mode: log-normal around 20 ms', latencyUs: singleModeLatencyUs },
  { label: 'as merged above: two modes and a 1 % tail to 2 s', latencyUs: realisticLatencyUs },
  { label: 'worst case: log-uniform 1 ms–10 s', latencyUs: wideLatencyUs },
];

interface EncodedSize {
  stored: number;
  zlibForm: number;
  encodeMs: number;
}

function encodedSize(rate: number, seconds: number, latencyUs: (random: () => number) => number, seed: number): EncodedSize {
  const histogram = histogramOf(rate * seconds, latencyUs, seed);
  const started = performance.now();
  const stored = encodeHistogram(histogram);
  const encodeMs = performance.now() - started;
  return { stored: stored.length, zlibForm: Buffer.from(hdr.encodeIntoCompressedBase64(histogram), 'base64').length, encodeMs };
}

function sliceSizes(seconds: number, smoke: boolean): Array<Array<string | number>> {
  const rows: Array<Array<string | number>> = [];
  for (const shape of SIZE_SHAPES) {
    for (const rate of smoke ? [100] : [100, 1000, 2000, 10_000]) {
      const sizes = Array.from({ length: smoke ? 1 : 5 }, (_, seed) => encodedSize(rate, seconds, shape.latencyUs, 5000 + seed));
      const stored = median(sizes.map((size) => size.stored));
      rows.push([
        shape.label,
        thousands(rate),
        thousands(rate * seconds),
        thousands(stored),
        thousands(median(sizes.map((size) => size.zlibForm))),
        round(median(sizes.map((size) => size.encodeMs)), 1),
        stored <= SIZE_TARGET_BYTES ? 'yes' : 'no',
      ]);
    }
  }
  return rows;
}

/** What a worker spends encoding its whole slice result when the slice ends (overall, service, one name, every interval). */
function sliceEncodeMs(seconds: number, rps: number, slices: number): number[] {
  return Array.from({ length: slices }, (_, worker) => {
    const recorded = recordSyntheticSlice(worker, seconds, rps);
    const started = performance.now();
    sliceResultOf(recorded);
    return performance.now() - started;
  });
}

export async function histogramMerge(context: BenchContext): Promise<BenchSection> {
  const { log } = context;
  const workers = context.smoke ? 20 : 1000;
  const seconds = context.smoke ? 2 : 60;
  const rps = 1000;
  const sliceSlices = context.smoke ? 5 : 1000;
  const dir = await mkdtemp(join(tmpdir(), 'fanout-bench-merge-'));
  try {
    log(`  generating ${workers} slice histograms of ${seconds} s at ${rps} req/s…`);
    const encoded = Array.from({ length: workers }, (_, worker) => encodeHistogram(histogramOf(rps * seconds, realisticLatencyUs, worker + 1)));
    const sizes = encoded.map((bytes) => bytes.length);
    const sizeRows = sliceSizes(seconds, context.smoke);
    const histogramsFile = join(dir, 'histograms.cbor');
    await writeFile(histogramsFile, encodeCbor(encoded));
    log(`  generating ${sliceSlices} complete slice results (overall, service, one name, ${seconds} timeline intervals)…`);
    const slicesFile = join(dir, 'slices.cbor');
    const sliceBlobs = Array.from({ length: sliceSlices }, (_, worker) => encodeSliceResult(syntheticSlice(worker, seconds, rps)));
    await writeFile(slicesFile, encodeCbor(sliceBlobs));

    const histogramRuns: MergeTimings[] = [];
    const sliceRuns: MergeTimings[] = [];
    for (let roundIndex = 0; roundIndex < context.rounds; roundIndex++) {
      const histograms = await timeMerge('histograms', histogramsFile);
      histogramRuns.push(histograms);
      log(`  ${workers} histograms: ${round(histograms.coldMs, 1)} ms cold, ${round(histograms.warmMs, 1)} ms warm (${round(histograms.peakRssMb)} MB)`);
      if (roundIndex < Math.min(context.rounds, 3)) {
        const slices = await timeMerge('slices', slicesFile);
        sliceRuns.push(slices);
        log(`  ${sliceSlices} slice results: ${round(slices.coldMs, 1)} ms cold, ${round(slices.warmMs, 1)} ms warm (${round(slices.peakRssMb)} MB)`);
      }
    }
    const cold = median(histogramRuns.map((run) => run.coldMs));
    const warm = median(histogramRuns.map((run) => run.warmMs));
    const sizeMedian = median(sizes);
    const sizeMax = Math.max(...sizes);
    const total = histogramRuns[0]!.totalCount;
    const encodeRuns = sliceEncodeMs(seconds, rps, context.smoke ? 1 : 5);

    const markdown = [
      `Each worker histogram: ${seconds} s at ${thousands(rps)} req/s (${thousands(rps * seconds)} latencies; 90 % around 20 ms, 9 % around 60 ms, ` +
        `1 % from 100 ms to 2 s), HDR, 3 significant digits, encoded as the engine stores it (HdrHistogram's V2 payload under brotli, as bytes in the CBOR slice result: lib/histogram/v2-payload.ts). ` +
        `Merged on core 0 in a fresh process (decode + add, as lib/histogram's addEncoded), ${context.rounds} runs.`,
      '',
      table(
        ['measure', 'median', 'every run', 'target'],
        [
          [`merge ${workers} encoded histograms, fresh process`, `${round(cold, 1)} ms`, histogramRuns.map((run) => round(run.coldMs, 0)).join(', '), `< ${MERGE_TARGET_MS} ms`],
          [`same, warm (second pass)`, `${round(warm, 1)} ms`, histogramRuns.map((run) => round(run.warmMs, 0)).join(', '), ''],
          [`peak RSS of the merging process`, `${round(median(histogramRuns.map((run) => run.peakRssMb)), 0)} MB`, '', ''],
          [`merged count (exact: ${thousands(workers * rps * seconds)} expected)`, thousands(total), '', ''],
          [`encoded size of the histograms merged above (bytes, as stored)`, `${thousands(sizeMedian)} bytes`, `max ${thousands(sizeMax)}`, `≤ ${SIZE_TARGET_BYTES} bytes`],
          [
            `worker: encoding its whole slice result when the slice ends (overall, service, one name, ${seconds} intervals)`,
            `${round(median(encodeRuns), 0)} ms`,
            encodeRuns.map((ms) => round(ms, 0)).join(', '),
            'informational',
          ],
          [
            `aggregator: ${sliceSlices} complete slice results (CBOR decoded and validated; overall, service, per name, ${seconds} timeline intervals each), fresh process`,
            `${round(median(sliceRuns.map((run) => run.coldMs)), 0)} ms`,
            sliceRuns.map((run) => round(run.coldMs, 0)).join(', '),
            'informational',
          ],
        ],
      ),
      '',
      `Encoded size of one slice's latency histogram (${seconds} s; median of 5 seeds): as stored, and HdrHistogram's own ` +
        `zlib encoding for comparison (bytes; base64 text of either would be a third larger). The size follows the number of distinct ` +
        `buckets the latencies fill (at 3 significant digits, about 1,000 per doubling of the latency), not the number of requests:`,
      '',
      table(
        ['latencies', 'req/s', 'samples', 'stored bytes (median)', 'HdrHistogram zlib form', 'encode ms', `stored ≤ ${SIZE_TARGET_BYTES} bytes`],
        sizeRows,
      ),
    ].join('\n');
    return {
      id: 'histogram-merge',
      title: 'Merging worker histograms',
      markdown,
      verdicts: [
        { target: `merge ${workers} encoded worker histograms on one core < ${MERGE_TARGET_MS} ms`, measured: `${round(cold, 0)} ms cold, ${round(warm, 0)} ms warm`, met: context.smoke ? undefined : cold < MERGE_TARGET_MS },
        {
          target: `encoded slice histogram ≤ ${SIZE_TARGET_BYTES} bytes (${seconds} s at ${thousands(rps)} req/s, two modes and a 1 % tail to 2 s)`,
          measured: `${thousands(sizeMedian)} bytes (max ${thousands(sizeMax)}); see the size table for other shapes`,
          met: context.smoke ? undefined : sizeMax <= SIZE_TARGET_BYTES,
        },
      ],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
