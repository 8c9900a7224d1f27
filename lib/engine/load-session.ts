import { performance } from 'node:perf_hooks';
import type { RunSettings } from '../config/run-settings.js';
import { endpointFor, HttpConnection, type Endpoint, type ResponseHandler } from './http-connection.js';
import { RequestMix } from './request-mix.js';
import { SliceRecorder } from './slice-recorder.js';
import type { TimelineInterval } from './slice-result.js';

/** What a model needs to generate one slice of load; times are epoch milliseconds. */
export interface SliceLoadSpec {
  settings: Pick<RunSettings, 'target' | 'requests' | 'thinkTime' | 'timeoutMs'>;
  runStartAt: number;
  timelineIntervalMs: number;
  plannedStart: number;
  plannedEnd: number;
  onIntervalClosed?: (interval: TimelineInterval) => void;
  signal?: AbortSignal;
}

/** How long requests still in flight at the slice's end may take to finish before they are abandoned. */
export const MAX_DRAIN_MS = 5000;

export function epochToPerf(epochMs: number): number {
  return epochMs - performance.timeOrigin;
}

/**
 * The part both load models share: the target's connections, the clock, the end of the slice and
 * the drain of requests in flight. Subclasses generate the requests.
 */
export abstract class LoadSession {
  readonly recorder: SliceRecorder;
  readonly mix: RequestMix;
  readonly endPerf: number;
  /** Set at the slice's end or on abort: no new request is sent after it. */
  stopping = false;
  /** Set when the drain gave up: responses after it are not recorded. */
  abandoned = false;
  inFlight = 0;
  private readonly endpoint: Endpoint;
  private readonly httpConnections: HttpConnection[] = [];
  private endTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private timeoutSweep: NodeJS.Timeout | undefined;
  private resolveDone!: () => void;
  private readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));
  private draining = false;
  aborted = false;

  constructor(protected readonly spec: SliceLoadSpec) {
    const url = new URL(spec.settings.target);
    const idle = Math.max(10_000, 2 * spec.settings.thinkTime.maxMs);
    this.endpoint = endpointFor(url, spec.settings.timeoutMs, idle);
    this.mix = new RequestMix(spec.settings.requests, url.host);
    this.recorder = new SliceRecorder(epochToPerf(spec.runStartAt), spec.timelineIntervalMs, spec.onIntervalClosed);
    this.endPerf = epochToPerf(spec.plannedEnd);
  }

  /** One keep-alive connection, as a browser or a Locust user holds; `handler` hears how each request ends. */
  protected newConnection(handler: ResponseHandler): HttpConnection {
    const connection = new HttpConnection(this.endpoint, handler);
    this.httpConnections.push(connection);
    return connection;
  }

  /** Fails requests that waited longer than the timeout: one sweep for all connections, no timer per request. */
  private sweepTimeouts(): void {
    const now = performance.now();
    const connections = this.httpConnections;
    for (let index = 0; index < connections.length; index++) connections[index]!.checkTimeout(now);
  }

  protected abstract begin(now: number): void;

  /** Runs the slice to its planned end (or until aborted) and resolves when every request has settled. */
  async run(): Promise<void> {
    const onAbort = () => {
      this.aborted = true;
      this.finish();
    };
    if (this.spec.signal?.aborted) onAbort();
    else {
      this.spec.signal?.addEventListener('abort', onAbort, { once: true });
      const now = performance.now();
      this.endTimer = setTimeout(() => this.finish(), Math.max(0, this.endPerf - now));
      this.tickTimer = setInterval(() => this.recorder.tick(performance.now()), 250);
      const sweepMs = Math.min(250, Math.max(5, this.spec.settings.timeoutMs / 8));
      this.timeoutSweep = setInterval(() => this.sweepTimeouts(), sweepMs);
      this.begin(now);
    }
    await this.done;
    this.spec.signal?.removeEventListener('abort', onAbort);
    for (const connection of this.httpConnections) connection.destroy();
  }

  /** Stops sending, lets the requests in flight finish (up to MAX_DRAIN_MS), then settles. */
  finish(): void {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.endTimer);
    this.onStop();
    this.draining = true;
    const drainLimit = setTimeout(() => {
      this.abandoned = true;
      this.settle();
    }, Math.min(this.spec.settings.timeoutMs, MAX_DRAIN_MS));
    drainLimit.unref();
    this.settleIfDrained();
  }

  /** Models cancel their own timers here. */
  protected abstract onStop(): void;

  protected settleIfDrained(): void {
    if (this.draining && this.inFlight === 0) this.settle();
  }

  private settle(): void {
    if (!this.draining) return;
    this.draining = false;
    clearInterval(this.tickTimer);
    clearInterval(this.timeoutSweep);
    this.recorder.tick(performance.now());
    this.resolveDone();
  }

  thinkTimeMs(): number {
    const { minMs, maxMs } = this.spec.settings.thinkTime;
    return maxMs === minMs ? minMs : minMs + Math.random() * (maxMs - minMs);
  }
}
