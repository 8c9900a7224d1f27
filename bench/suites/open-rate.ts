import { setTimeout as sleep } from 'node:timers/promises';
import type { OpenStepResult } from '../engine/engine-child.js';
import { OPEN_WARM_UP_S } from '../engine/engine-slice.js';
import { runEngineClosed, runEngineOpenSteps } from '../engine/run-engine.js';
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
  for (let roundIndex = 0; roundIndex < rounds; roundIndex++) {
    // A capacity sweep as a worker runs it: the steps one after another in one fresh process.
    const runs = await runEngineOpenSteps(options.target.url, rates, options.seconds, MAX_IN_FLIGHT);
    runs.forEach((run, index) => {
      runsByStep[index]!.push(run);
      log(
        `  round ${roundIndex + 1}: ${thousands(run.requestedRps).padStart(7)} req/s requested: achieved ${thousands(run.achievedRps).padStart(7)} ` +
          `(${round((100 * run.achievedRps) / run.requestedRps, 2)} %), late ${run.late}, dropped ${run.dropped}, p99 ${round(run.p99Ms)} ms`,
      );
    });
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
  const preciseScope = steps.filter((step) => step.share <= PRECISE_SHARE);
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
      "Node's timers wake to the whole millisecond, so each tick sends what falls due before the next tick can come, even if that one fires a millisecond late (up to 2 ms early, measured from when it went out). " +
      "What remains is the event loop being held up: the open model's loop is busier than the closed model's at the same rate (each send on loopback also pays for waking the target's core), " +
      'so at half the capacity a pause of a few milliseconds (a garbage collection, another process on the core) backs up sends, and rounds of the same step differ by milliseconds at p99 (the bench prints each round).',
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
        measured: preciseScope.map((step) => `${Math.round(step.share * 100)} %: +${round(step.gapMs)} ms (warm-up p99 ${round(step.warmUpP99Ms)} ms)`).join(', '),
        met: context.smoke ? undefined : precise,
      },
    ],
  };
}
