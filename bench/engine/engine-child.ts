import { decodeHistogram, type EncodedHistogram } from '../../lib/histogram/latency-histogram.js';
import type { LoadResult } from '../load-result.js';
import { closedScenario, loadResultOf, openScenario, runOneSlice } from './engine-slice.js';

/**
 * fanout's engine in a process of its own (pinned by the parent). argv[2] is a JSON job:
 * {"model":"closed","url":…,"connections":N,"seconds":S} → one LoadResult line;
 * {"model":"open","url":…,"rates":[R…],"seconds":S,"maxInFlight":M} → one line: an OpenStepResult per rate.
 */
export interface ClosedJob {
  model: 'closed';
  url: string;
  connections: number;
  seconds: number;
}

/** Steps of an open-model run, one after the other in this process (as a worker runs its slices). */
export interface OpenJob {
  model: 'open';
  url: string;
  rates: number[];
  seconds: number;
  maxInFlight: number;
}

export interface OpenStepResult {
  requestedRps: number;
  scheduled: number;
  requests: number;
  errors: number;
  dropped: number;
  late: number;
  seconds: number;
  achievedRps: number;
  p50Ms: number;
  p99Ms: number;
  serviceP50Ms: number;
  serviceP99Ms: number;
  /** The slice's warm-up, measured apart (its p99 from the intended time; 0 without one). */
  warmUpRequests: number;
  warmUpP99Ms: number;
  eventLoopUtilization: number;
  cpuSeconds: number;
}

const percentileMs = (encoded: EncodedHistogram, percentile: number) => decodeHistogram(encoded).getValueAtPercentile(percentile) / 1000;

async function closed(job: ClosedJob): Promise<LoadResult> {
  const cpuBefore = process.cpuUsage();
  const result = await runOneSlice(closedScenario(job.url, job.connections, job.seconds));
  return loadResultOf('fanout', job.connections, result, process.cpuUsage(cpuBefore));
}

async function open(job: OpenJob): Promise<OpenStepResult[]> {
  const steps: OpenStepResult[] = [];
  for (const rate of job.rates) steps.push(await openStep(job, rate));
  return steps;
}

async function openStep(job: OpenJob, rate: number): Promise<OpenStepResult> {
  const cpuBefore = process.cpuUsage();
  const result = await runOneSlice(openScenario(job.url, rate, job.seconds, job.maxInFlight));
  const cpu = process.cpuUsage(cpuBefore);
  const warmUp = result.warmUp;
  return {
    requestedRps: rate,
    scheduled: result.scheduled + (warmUp?.scheduled ?? 0),
    requests: result.requests,
    errors: result.errors,
    dropped: result.dropped + (warmUp?.dropped ?? 0),
    late: result.late + (warmUp?.late ?? 0),
    seconds: job.seconds,
    // Achieved over the whole step, warm-up included: the schedule does not stop for it.
    achievedRps: (result.requests + (warmUp?.requests ?? 0)) / job.seconds,
    warmUpRequests: warmUp?.requests ?? 0,
    warmUpP99Ms: warmUp ? percentileMs(warmUp.latency, 99) : 0,
    p50Ms: percentileMs(result.latency, 50),
    p99Ms: percentileMs(result.latency, 99),
    serviceP50Ms: percentileMs(result.service, 50),
    serviceP99Ms: percentileMs(result.service, 99),
    eventLoopUtilization: result.saturation.eventLoopUtilization,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

const job = JSON.parse(process.argv[2]!) as ClosedJob | OpenJob;
const report = job.model === 'closed' ? await closed(job) : { steps: await open(job) };
process.stdout.write(`${JSON.stringify(report)}\n`);
