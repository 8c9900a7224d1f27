import { performance } from 'node:perf_hooks';
import { createHistogram, encodeHistogramOffLoop, encodeHistogramQuickly, type Histogram } from '../histogram/latency-histogram.js';
import { classifyError, describeError, NOT_THE_TARGETS_ERRORS, type ErrorType } from './classify-error.js';
import type { PreparedRequest } from './request-mix.js';
import type { RequestNameStats } from './request-names.js';
import type { TimelineInterval } from './slice-result.js';

class IntervalBucket {
  requests = 0;
  errors = 0;
  users = 0;
  readonly latency: Histogram = createHistogram();
  constructor(readonly index: number) {}
}

const MAX_ERROR_SAMPLES = 20;

/** An error a response counts as, with the message its sample shows. */
export interface ErrorOf {
  type: ErrorType;
  message: string;
}

/**
 * Everything a slice measures. Times are performance.now() milliseconds; histograms take whole
 * microseconds. The hot path (recordResponse) touches only fields and three histograms.
 */
export class SliceRecorder {
  readonly latency: Histogram = createHistogram();
  readonly service: Histogram = createHistogram();
  requests = 0;
  errors = 0;
  late = 0;
  dropped = 0;
  scheduled = 0;
  readonly statusCounts = new Map<number, number>();
  readonly errorsByType = new Map<ErrorType, number>();
  private readonly errorSamples = new Map<string, { type: ErrorType; message: string; count: number }>();
  /** By request name, then by check name: no key built per response. */
  private readonly checkCounts = new Map<string, Map<string, { request: string; check: string; passes: number; fails: number }>>();
  private readonly iterationCounts = new Map<string, { flow: string; completed: number; stoppedByCapture: number; scriptErrors: number }>();
  /** Users now active (closed) or requests now in flight (open), kept by the engine through noteActive(). */
  active = 0;

  private readonly intervals: IntervalBucket[] = [];
  private current: IntervalBucket;
  private currentEndsAt: number;
  private readonly onIntervalClosed: ((interval: TimelineInterval) => void) | undefined;

  /**
   * @param runStartPerf the run's start barrier on this thread's performance.now() clock
   * @param intervalMs timeline interval length
   */
  constructor(
    private readonly runStartPerf: number,
    private readonly intervalMs: number,
    onIntervalClosed?: (interval: TimelineInterval) => void,
  ) {
    this.onIntervalClosed = onIntervalClosed;
    const now = performance.now();
    this.current = this.openInterval(now);
    this.currentEndsAt = this.intervalEnd(this.current.index);
  }

  private intervalEnd(index: number): number {
    return this.runStartPerf + (index + 1) * this.intervalMs;
  }

  private openInterval(now: number): IntervalBucket {
    const bucket = new IntervalBucket(Math.max(0, Math.floor((now - this.runStartPerf) / this.intervalMs)));
    bucket.users = this.active;
    this.intervals.push(bucket);
    return bucket;
  }

  /** Moves the timeline on; called per record and by the engine's 1 s tick so that idle intervals close too. */
  tick(now: number): IntervalBucket {
    if (now >= this.currentEndsAt) {
      const closed = this.current;
      this.current = this.openInterval(now);
      this.currentEndsAt = this.intervalEnd(this.current.index);
      this.onIntervalClosed?.(liveInterval(closed));
    }
    if (this.active > this.current.users) this.current.users = this.active;
    return this.current;
  }

  /**
   * Closes the timeline at the end of the step part: the interval running now is handed on too, so
   * that live progress has this part's share of it.
   */
  close(now: number): void {
    this.tick(now);
    if (this.current.requests > 0 || this.current.users > 0) this.onIntervalClosed?.(liveInterval(this.current));
  }

  noteActive(active: number): void {
    this.active = active;
    if (active > this.current.users) this.current.users = active;
  }

  recordResponse(request: PreparedRequest, status: number, latencyUs: number, serviceUs: number, now: number): void {
    const interval = this.recordTimed(request.stats, status, latencyUs, serviceUs, now);
    if (!request.isExpected(status)) this.countResponseError(request.stats, interval, 'http_status', `unexpected status ${status}`);
  }

  /** A response's timing and status: every histogram and counter but the error ones. */
  private recordTimed(stats: RequestNameStats, status: number, latencyUs: number, serviceUs: number, now: number): IntervalBucket {
    const interval = now >= this.currentEndsAt ? this.tick(now) : this.current;
    const latency = latencyUs < 1 ? 1 : Math.round(latencyUs);
    this.latency.recordValue(latency);
    this.service.recordValue(serviceUs < 1 ? 1 : Math.round(serviceUs));
    stats.latency.recordValue(latency);
    interval.latency.recordValue(latency);
    this.requests++;
    stats.requests++;
    interval.requests++;
    this.statusCounts.set(status, (this.statusCounts.get(status) ?? 0) + 1);
    stats.statusCounts.set(status, (stats.statusCounts.get(status) ?? 0) + 1);
    return interval;
  }

  private countResponseError(stats: RequestNameStats, interval: IntervalBucket, type: ErrorType, message: string): void {
    this.errors++;
    stats.errors++;
    interval.errors++;
    this.countError(type, message);
  }

  /**
   * A flow step's response, whose success its own checks decided: `failure` is the error it counts
   * as (a failed check, an unexpected status, a capture that found nothing), or undefined.
   */
  recordJudgedResponse(stats: RequestNameStats, status: number, latencyUs: number, serviceUs: number, now: number, failure: ErrorOf | undefined): void {
    const interval = this.recordTimed(stats, status, latencyUs, serviceUs, now);
    if (failure) this.countResponseError(stats, interval, failure.type, failure.message);
  }

  /** One check of a step, evaluated on one response: its pass rate is reported per check. */
  recordCheck(request: string, check: string, passed: boolean): void {
    let byCheck = this.checkCounts.get(request);
    if (!byCheck) this.checkCounts.set(request, (byCheck = new Map()));
    let counts = byCheck.get(check);
    if (!counts) byCheck.set(check, (counts = { request, check, passes: 0, fails: 0 }));
    if (passed) counts.passes++;
    else counts.fails++;
  }

  /**
   * One iteration of a flow, as it ended: completed, or stopped by a capture that found nothing, or
   * by an exception the scenario's code threw (counted as an error of type `script`: not a request,
   * but a failure the user would see).
   */
  recordIteration(flow: string, outcome: 'completed' | 'capture' | 'script', now: number, error?: unknown): void {
    let counts = this.iterationCounts.get(flow);
    if (!counts) this.iterationCounts.set(flow, (counts = { flow, completed: 0, stoppedByCapture: 0, scriptErrors: 0 }));
    if (outcome === 'completed') counts.completed++;
    else if (outcome === 'capture') counts.stoppedByCapture++;
    else {
      counts.scriptErrors++;
      const interval = now >= this.currentEndsAt ? this.tick(now) : this.current;
      this.errors++;
      interval.errors++;
      this.countError('script', `${flow}: ${describeError(error)}`);
    }
  }

  checks(): Array<{ request: string; check: string; passes: number; fails: number }> {
    return [...this.checkCounts.values()].flatMap((byCheck) => [...byCheck.values()].map((counts) => ({ ...counts })));
  }

  iterations(): Array<{ flow: string; completed: number; stoppedByCapture: number; scriptErrors: number }> {
    return [...this.iterationCounts.values()].map((counts) => ({ ...counts }));
  }

  /** A request that got no response: counted as a request and an error, with no latency. */
  recordFailure(request: { stats: RequestNameStats }, error: unknown, now: number): void {
    const interval = now >= this.currentEndsAt ? this.tick(now) : this.current;
    this.requests++;
    this.errors++;
    request.stats.requests++;
    request.stats.errors++;
    interval.requests++;
    interval.errors++;
    const type = classifyError(error);
    if (NOT_THE_TARGETS_ERRORS.includes(type)) request.stats.generatorErrors++;
    this.countError(type, describeError(error));
  }

  private countError(type: ErrorType, message: string): void {
    this.errorsByType.set(type, (this.errorsByType.get(type) ?? 0) + 1);
    const key = `${type}\u0000${message}`;
    const sample = this.errorSamples.get(key);
    if (sample) sample.count++;
    else if (this.errorSamples.size < MAX_ERROR_SAMPLES) this.errorSamples.set(key, { type, message, count: 1 });
  }

  /** The stored timeline, encoded off the event loop (see encodeHistogramOffLoop). */
  timeline(): Promise<TimelineInterval[]> {
    return Promise.all(
      this.intervals
        .filter((bucket) => bucket.requests > 0 || bucket.users > 0)
        .map(async (bucket) => ({ ...intervalCounts(bucket), latency: await encodeHistogramOffLoop(bucket.latency) })),
    );
  }

  statusCodes(): Record<string, number> {
    return Object.fromEntries([...this.statusCounts].map(([status, total]) => [String(status), total]));
  }

  errorTypes(): Record<string, number> {
    return Object.fromEntries(this.errorsByType);
  }

  samples(): Array<{ type: string; message: string; count: number }> {
    return [...this.errorSamples.values()];
  }
}

function intervalCounts(bucket: IntervalBucket) {
  return { i: bucket.index, requests: bucket.requests, errors: bucket.errors, users: bucket.users };
}

/** An interval handed on while the load runs: the quick, uncompressed encoding (nothing of it is stored). */
function liveInterval(bucket: IntervalBucket): TimelineInterval {
  return { ...intervalCounts(bucket), latency: encodeHistogramQuickly(bucket.latency) };
}

/** A request name's figures but its latency. */
function requestCounts(stats: RequestNameStats) {
  return {
    requests: stats.requests,
    errors: stats.errors,
    generatorErrors: stats.generatorErrors,
    statusCodes: Object.fromEntries([...stats.statusCounts].map(([status, total]) => [String(status), total])),
  };
}

/** A request name's figures, its latency in the quick encoding: for live tables while the load runs. */
export function liveRequestStats(stats: RequestNameStats) {
  return { ...requestCounts(stats), latency: encodeHistogramQuickly(stats.latency) };
}

/** A request name's figures as a step's result stores them, encoded off the event loop. */
export async function storedRequestStats(stats: RequestNameStats) {
  return { ...requestCounts(stats), latency: await encodeHistogramOffLoop(stats.latency) };
}
