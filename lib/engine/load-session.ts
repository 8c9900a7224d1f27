import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import type { RunSettings } from '../config/run-settings.js';
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
  protected readonly origin: string;
  private readonly clients = new Set<Client>();
  private endTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private resolveDone!: () => void;
  private readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));
  private draining = false;
  aborted = false;

  constructor(protected readonly spec: SliceLoadSpec) {
    const url = new URL(spec.settings.target);
    this.origin = url.origin;
    this.mix = new RequestMix(spec.settings.requests, url.host);
    this.recorder = new SliceRecorder(epochToPerf(spec.runStartAt), spec.timelineIntervalMs, spec.onIntervalClosed);
    this.endPerf = epochToPerf(spec.plannedEnd);
  }

  /** One keep-alive connection, as a browser or a Locust user holds. */
  protected newClient(): Client {
    const timeout = this.spec.settings.timeoutMs;
    const idle = Math.max(10_000, 2 * this.spec.settings.thinkTime.maxMs);
    const client = new Client(this.origin, {
      pipelining: 1,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      connectTimeout: timeout,
      keepAliveTimeout: idle,
      keepAliveMaxTimeout: idle,
    });
    this.clients.add(client);
    return client;
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
      this.begin(now);
    }
    await this.done;
    this.spec.signal?.removeEventListener('abort', onAbort);
    await Promise.allSettled([...this.clients].map((client) => client.destroy()));
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
    this.recorder.tick(performance.now());
    this.resolveDone();
  }

  thinkTimeMs(): number {
    const { minMs, maxMs } = this.spec.settings.thinkTime;
    return maxMs === minMs ? minMs : minMs + Math.random() * (maxMs - minMs);
  }
}
