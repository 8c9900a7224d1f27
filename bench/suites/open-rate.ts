import { setTimeout as sleep } from 'node:timers/promises';
import type { OpenStepResult } from '../engine/engine-child.js';
import { OPEN_WARM_UP_S, openWarmUpSeconds } from '../engine/engine-slice.js';
import { runEngineClosed, runEngineOpenSteps } from '../engine/run-engine.js';
import { coreTimes, GENERATOR_CORE, stealShare } from '../machine.js';
import { openLoopBinary, runOpenLoopC, runOpenLoopNode, type OpenLoopResult } from '../peers/run-open-loops.js';
import { table, type BenchContext, type BenchSection } from '../section.js';
import { median, round, thousands } from '../stats.js';
import type { BenchTarget } from '../targets/bench-target.js';

/**
 * (b) Open model: one worker asked for a fixed arrival rate, in steps up to and past what one core can
 * send (its closed-model maximum). Achieved = responses / step length; it must stay within 1 % of
 * the requested rate while the core keeps up (sends on schedule: ≤ 1 % late).
 */
export interface OpenRateOptions {
  target: BenchTarget;
  seconds: number;
  /** The engine's closed-model req/s on this core at 50 connections (measured here when absent). */
  capacityRps?: number;
}

/** Steps as shares of the core's capacity. */
const SHARES = [0.1, 0.25, 0.5, 0.7, 0.8, 0.9, 1.0, 1.2];
/** The target applies up to this share of the capacity. */
const WITHIN_SHARE = 0.8;
/** Schedule precision: up to this share, p99 from the intended time within 1 ms of the service p99 (after the warm-up). */
const PRECISE_SHARE = 0.5;
const PRECISION_MS = 1;
const MAX_IN_FLIGHT = 200;

interface StepSummary {
  share: number;
  requested: number;
  achieved: number;
  shortfall: number;
  latePercent: number;
  dropped: number;
  p50Ms: number;
  p99Ms: number;
  serviceP99Ms: number;
  /** p99 from the intended time less the service p99: what the generator's own schedule adds. */
  gapMs: number;
  warmUpP99Ms: number;
  elu: number;
}

/** One run's figures at a step, whichever generator made them (fanout's OpenStepResult has them too). */
interface PrecisionRun {
  p99Ms: number;
  serviceP99Ms: number;
  achievedRps: number;
}

const loopRun = (result: OpenLoopResult, seconds: number): PrecisionRun => ({ p99Ms: result.p99Ms, serviceP99Ms: result.serviceP99Ms, achievedRps: result.responses / seconds });

/** A generator's figures at one step beside fanout's sweep (medians over the rounds). */
interface ReferenceSummary {
  p99Ms: number;
  serviceP99Ms: number;
  gapMs: number;
  achievedShare: number;
}

function summarizeReference(requested: number, runs: PrecisionRun[]): ReferenceSummary | undefined {
  if (runs.length === 0) return undefined;
  return {
    p99Ms: median(runs.map((run) => run.p99Ms)),
    serviceP99Ms: median(runs.map((run) => run.serviceP99Ms)),
    gapMs: median(runs.map((run) => run.p99Ms - run.serviceP99Ms)),
    achievedShare: median(runs.map((run) => run.achievedRps / requested)),
  };
}

const signed = (ms: number) => `${ms >= 0 ? '+' : ''}${round(ms)}`;
const gapCell = (p99Ms: number, serviceP99Ms: number, gapMs: number) => `${round(p99Ms)} / ${round(serviceP99Ms)} / **${signed(gapMs)}**`;

function summarize(share: number, requested: number, runs: OpenStepResult[]): StepSummary {
  const achieved = median(runs.map((run) => run.achievedRps));
  return {
    share,
    requested,
    achieved,
    shortfall: 1 - achieved / requested,
    latePercent: median(runs.map((run) => (100 * run.late) / Math.max(1, run.scheduled))),
    dropped: median(runs.map((run) => run.dropped)),
    p50Ms: median(runs.map((run) => run.p50Ms)),
    p99Ms: median(runs.map((run) => run.p99Ms)),
    serviceP99Ms: median(runs.map((run) => run.serviceP99Ms)),
    gapMs: median(runs.map((run) => run.p99Ms - run.serviceP99Ms)),
    warmUpP99Ms: median(runs.map((run) => run.warmUpP99Ms)),
    elu: median(runs.map((run) => run.eventLoopUtilization)),
  };
}

export async function openRate(context: BenchContext, options: OpenRateOptions): Promise<BenchSection> {
  const { log } = context;
  let capacity = options.capacityRps;
  if (capacity === undefined) {
    const probe = await runEngineClosed(options.target.url, 50, context.smoke ? 1 : 5);
    capacity = probe.rps;
    log(`  capacity probe (closed model, 50 connections): ${thousands(capacity)} req/s`);
  }
  // Round the steps to 100 req/s so that the table reads well.
  const shares = context.smoke ? [0.05] : SHARES;
  const rounds = Math.min(context.rounds, 3);
  const rates = shares.map((share) => Math.max(100, Math.round((capacity! * share) / 100) * 100));
  const runsByStep: OpenStepResult[][] = rates.map(() => []);
  // The references run at the steps the precision target covers, in the same rounds as fanout (order
  // alternating), so that each is measured through the same minutes of this machine.
  const preciseIndexes = shares.flatMap((share, index) => (share <= PRECISE_SHARE ? [index] : []));
  const cLoop = await openLoopBinary();
  if ('missing' in cLoop) log(`  C open-model loop not measured: ${cLoop.missing}`);
  const cRuns: PrecisionRun[][] = rates.map(() => []);
  const nodeRuns: PrecisionRun[][] = rates.map(() => []);
  // fanout at the same step in a fresh process, as the references run (the sweep's later steps run warm).
  const freshRuns: PrecisionRun[][] = rates.map(() => []);
  const sweepSteal: number[] = [];
  const referenceJob = (rate: number) => ({
    url: options.target.url,
    rate,
    seconds: options.seconds,
    warmUpSeconds: openWarmUpSeconds(options.seconds),
    maxConnections: MAX_IN_FLIGHT,
  });
  const runReferences = async (roundIndex: number) => {
    for (const index of preciseIndexes) {
      const job = referenceJob(rates[index]!);
      const fresh = (await runEngineOpenSteps(options.target.url, [job.rate], options.seconds, MAX_IN_FLIGHT))[0]!;
      freshRuns[index]!.push(fresh);
      const node = await runOpenLoopNode(job);
      nodeRuns[index]!.push(loopRun(node, job.seconds));
      const c = 'binary' in cLoop ? await runOpenLoopC(cLoop.binary, job) : undefined;
      if (c) cRuns[index]!.push(loopRun(c, job.seconds));
      log(
        `  round ${roundIndex + 1}: ${thousands(job.rate).padStart(7)} req/s, fresh processes: fanout p99 ${round(fresh.p99Ms)} ms (service ${round(fresh.serviceP99Ms)}), ` +
          `Node loop p99 ${round(node.p99Ms)} ms (service ${round(node.serviceP99Ms)})` +
          (c ? `, C loop p99 ${round(c.p99Ms)} ms (service ${round(c.serviceP99Ms)})` : ''),
      );
    }
  };
  for (let roundIndex = 0; roundIndex < rounds; roundIndex++) {
    if (roundIndex % 2 === 1) await runReferences(roundIndex);
    // A capacity sweep as a worker runs it: the steps one after another in one fresh process.
    const before = coreTimes(GENERATOR_CORE);
    const runs = await runEngineOpenSteps(options.target.url, rates, options.seconds, MAX_IN_FLIGHT);
    const steal = stealShare(before, coreTimes(GENERATOR_CORE));
    if (steal !== undefined) sweepSteal.push(steal);
    runs.forEach((run, index) => {
      runsByStep[index]!.push(run);
      log(
        `  round ${roundIndex + 1}: ${thousands(run.requestedRps).padStart(7)} req/s requested: achieved ${thousands(run.achievedRps).padStart(7)} ` +
          `(${round((100 * run.achievedRps) / run.requestedRps, 2)} %), late ${run.late}, dropped ${run.dropped}, p99 ${round(run.p99Ms)} ms (service ${round(run.serviceP99Ms)})`,
      );
    });
    if (steal !== undefined) log(`  round ${roundIndex + 1}: the hypervisor took ${round(100 * steal, 1)} % of core ${GENERATOR_CORE} during the sweep (steal)`);
    if (roundIndex % 2 === 0) await runReferences(roundIndex);
    await sleep(context.smoke ? 100 : 1000);
  }
  const steps = shares.map((share, index) => summarize(share, rates[index]!, runsByStep[index]!));

  const highest = (ok: (step: StepSummary) => boolean) => {
    // The highest step below which every step passed.
    let best = 0;
    for (const step of steps) {
      if (!ok(step)) break;
      best = step.requested;
    }
    return best;
  };
  const highestWithin = highest((step) => Math.abs(step.shortfall) <= 0.01);
  const lateWhereKept = Math.max(0, ...steps.filter((step) => step.requested <= highestWithin).map((step) => step.latePercent));
  const inScope = steps.filter((step) => step.share <= WITHIN_SHARE);
  const met = inScope.every((step) => Math.abs(step.shortfall) <= 0.01);
  const preciseScope = preciseIndexes.map((index) => steps[index]!);
  const precise = preciseScope.every((step) => step.gapMs <= PRECISION_MS);
  const rows = steps.map((step) => [
    `${Math.round(step.share * 100)} %`,
    thousands(step.requested),
    thousands(step.achieved),
    `${round(100 * (1 - step.shortfall), 2)} %`,
    `${round(step.latePercent, 2)} %`,
    thousands(step.dropped),
    `${round(step.p50Ms)} / ${round(step.p99Ms)}`,
    round(step.serviceP99Ms),
    round(step.gapMs),
    round(step.warmUpP99Ms),
    round(step.elu, 2),
  ]);
  const precision = preciseIndexes.map((index) => ({
    step: steps[index]!,
    fresh: summarizeReference(steps[index]!.requested, freshRuns[index]!),
    node: summarizeReference(steps[index]!.requested, nodeRuns[index]!),
    c: summarizeReference(steps[index]!.requested, cRuns[index]!),
  }));
  const cell = (reference: ReferenceSummary | undefined, missing: string) =>
    reference ? gapCell(reference.p99Ms, reference.serviceP99Ms, reference.gapMs) + (Math.abs(1 - reference.achievedShare) > 0.01 ? ` (achieved ${round(100 * reference.achievedShare, 1)} %)` : '') : missing;
  const referenceRows = precision.map(({ step, fresh, node, c }) => [
    `${Math.round(step.share * 100)} %`,
    thousands(step.requested),
    gapCell(step.p99Ms, step.serviceP99Ms, step.gapMs),
    cell(fresh, 'not run'),
    cell(node, 'not run'),
    cell(c, 'not run (no C compiler)'),
  ]);
  const referenceMarkdown = [
    "The same steps beside fanout in a fresh process (the step alone, as a new worker runs it: its JIT has only the warm-up behind it, where the sweep's later steps run warm) and two references, " +
      'in the same rounds (order alternating), each a fresh process pinned to the same core with the same warm-up kept out: ' +
      "a **Node loop** (bench/peers/open-loop-node.ts: fanout's schedule — timer ticks, 2 ms ahead, waiting sends on the next free connection — and nothing else: no parser beyond the response's end, no histograms) " +
      'and a **C loop** (bench/peers/open-loop.c: epoll, each request sent at its due time by a microsecond timer, no runtime). ' +
      'Each cell: latency p99 from the intended time / service p99 / **gap**, in ms (medians over the rounds).',
    '',
    table(['share of capacity', 'requested req/s', 'fanout (the sweep)', 'fanout (fresh process)', 'Node loop (fresh process)', 'C loop (fresh process)'], referenceRows),
    '',
    sweepSteal.length > 0
      ? `The hypervisor took ${round(100 * median(sweepSteal), 1)} % of core ${GENERATOR_CORE} during fanout's sweeps (median; rounds: ${sweepSteal.map((share) => `${round(100 * share, 1)} %`).join(', ')}; /proc/stat steal): the generator stalls for it whatever it runs, and a stall of a few milliseconds puts every send due meanwhile into the p99.`
      : 'Steal time was not read (no /proc/stat).',
  ].join('\n');
  const markdown = [
    `One engine worker (open model, at most ${MAX_IN_FLIGHT} connections) pinned to core 0; target: ${options.target.description} on core 1. ` +
      `Steps are shares of the core's capacity, ${thousands(capacity)} req/s (the engine's closed-model rate at 50 connections in this run); ` +
      `${options.seconds} s per step, the steps one after another in one process (as a worker runs its slices), medians of ${rounds} sweeps, each in a fresh process. ` +
      `Achieved = responses / step length (the warm-up included). Late = sent more than 10 ms after the intended time (latency is measured from the intended time, so lateness shows in it). ` +
      `Each step is a slice with a ${OPEN_WARM_UP_S} s warm-up (\`warmUp: ${OPEN_WARM_UP_S}s\`): its first second, with the JIT still cold and the connections new, is measured apart and kept out of the step's latencies; ` +
      `the "warm-up p99" column shows what it would have added.`,
    '',
    table(
      ['share of capacity', 'requested req/s', 'achieved req/s', 'achieved / requested', 'late sends', 'dropped', 'latency p50 / p99 ms (from intended time)', 'service p99 ms', 'p99 gap ms (intended − service)', 'warm-up p99 ms', 'event loop busy'],
      rows,
    ),
    '',
    `Achieved within 1 % of the requested rate at every step up to ${thousands(highestWithin)} req/s (${round((100 * highestWithin) / capacity, 0)} % of the capacity), ` +
      `with at most ${round(lateWhereKept, 2)} % of the sends late at those steps. A send is late when the event loop was held up as it fell due ` +
      '(warm-up, a garbage collection, another process on a shared core): every send due meanwhile goes out late, and its wait is in the latency.',
    '',
    `Schedule precision: up to ${PRECISE_SHARE * 100} % of the capacity the p99 from the intended time is ${preciseScope.map((step) => `${round(step.gapMs)} ms`).join(', ')} above the service p99. ` +
      "Node's timers wake to the whole millisecond, so each tick sends what falls due before the next tick can come, even if that one fires a millisecond late (up to 2 ms early, measured from when it went out).",
    '',
    referenceMarkdown,
  ].join('\n');
  return {
    id: 'open-rate',
    title: 'Open model: achieved vs requested rate',
    markdown,
    verdicts: [
      {
        target: `open model: achieved within 1 % of the requested rate at every step up to ${WITHIN_SHARE * 100} % of the core's capacity`,
        measured: `${inScope.map((step) => `${round(100 * (1 - step.shortfall), 2)} %`).join(', ')}; within 1 % up to ${thousands(highestWithin)} req/s`,
        met: context.smoke ? undefined : met,
      },
      {
        target: `open model: up to ${PRECISE_SHARE * 100} % of the core's capacity, p99 from the intended time within ${PRECISION_MS} ms of the service p99 (after a ${OPEN_WARM_UP_S} s warm-up)`,
        measured: precision
          .map(({ step, fresh, node, c }) => {
            const beside = [fresh && `fresh process ${signed(fresh.gapMs)}`, node && `Node loop ${signed(node.gapMs)}`, c && `C loop ${signed(c.gapMs)}`].filter(Boolean);
            return `${Math.round(step.share * 100)} %: ${signed(step.gapMs)} ms${beside.length > 0 ? ` (${beside.join(', ')})` : ''}`;
          })
          .join(', '),
        met: context.smoke ? undefined : precise,
      },
    ],
  };
}
