import { performance } from 'node:perf_hooks';
import type { RunSettings } from '../config/run-settings.js';
import { pickThinkMs } from '../config/think-time.js';
import { isAllowedTarget, type TargetPattern } from '../guard/allowed-targets.js';
import { endpointFor, HttpConnection, type Endpoint, type ResponseHandler } from './http-connection.js';
import type { LaneSegment } from './lane-schedule.js';
import { RequestMix } from './request-mix.js';
import { RequestNames, type RequestNameStats } from './request-names.js';
import { SaturationMonitor } from './saturation.js';
import { SliceRecorder } from './slice-recorder.js';
import type { Saturation, TimelineInterval } from './slice-result.js';
import type { UserFactory } from './user-session.js';

/** What a model needs to generate one slice of one lane's load; times are epoch milliseconds. */
export interface SliceLoadSpec {
  settings: Pick<RunSettings, 'target' | 'requests' | 'thinkTime' | 'timeoutMs' | 'tls'>;
  runStartAt: number;
  timelineIntervalMs: number;
  /** The slice's steps in order; each one's end is the next one's start. */
  segments: LaneSegment[];
  /** The lane goes on in a next slice: requests in flight at the end are cut, not waited for. */
  handsOver: boolean;
  /** The slice's first milliseconds, measured apart from the steps (0: none). */
  warmUpMs: number;
  onIntervalClosed?: (step: number, interval: TimelineInterval) => void;
  /** Each step's measurements, as that step ends within the slice (the last one after the drain). */
  onPartEnded: (part: EndedPart) => void;
  signal?: AbortSignal;
  /** Users that follow flows or a scenario module; the weighted mix of `requests:` when absent. */
  userFactory?: UserFactory | undefined;
  /** The run-wide number of this lane's first user (users are numbered across the run for data rows). */
  firstUserNumber: number;
  /**
   * The hosts the stack may load (its `allowedTargets`, on AWS): a redirect to any other host is not
   * followed. Absent or empty: any host.
   */
  allowedTargets?: readonly TargetPattern[] | undefined;
}

/** What the slice measured in one of its steps. */
export interface EndedPart {
  /** The slice's warm-up, on its first part only. */
  warmUp?: { recorder: SliceRecorder; durationMs: number };
  segment: LaneSegment;
  recorder: SliceRecorder;
  byName: Map<string, RequestNameStats>;
  saturation: Saturation;
  /** Epoch ms. */
  actualStart: number;
  endedAt: number;
  stopped: boolean;
}

/** After the drain of a lane's last slice has waited this long past the request timeout, what is left is cut. */
const DRAIN_SLACK_MS = 1000;

export function epochToPerf(epochMs: number): number {
  return epochMs - performance.timeOrigin;
}

interface OpenPart {
  segment: LaneSegment;
  monitor: SaturationMonitor;
  actualStart: number;
}

/**
 * The part both load models share: the target's connections, the clock, the step boundaries inside
 * the slice (where the recorder is swapped and the model told its new level, its users carrying on),
 * the end of the slice, the drain, and the cut of requests still in flight. Subclasses generate the
 * requests.
 */
export abstract class LoadSession {
  recorder: SliceRecorder;
  /** Per-name counters of the step running now. */
  readonly names = new RequestNames();
  readonly mix: RequestMix;
  /** Set at the slice's end or on abort: no new request is sent after it. */
  stopping = false;
  inFlight = 0;
  aborted = false;
  /** The target, as the scenario gives it (the users' connections go to its origin). */
  readonly target: URL;
  private readonly endpoint: Endpoint;
  /** Endpoints of other origins a redirect led to. */
  private readonly otherEndpoints = new Map<string, Endpoint>();
  private readonly httpConnections = new Set<HttpConnection>();
  private segmentIndex = 0;
  private part: OpenPart | undefined;
  /** While the slice warms up, the recorder that measures it apart; then what it measured. */
  private warmUp: { recorder: SliceRecorder; startedAt: number; durationMs?: number; timer?: NodeJS.Timeout } | undefined;
  private boundaryTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private timeoutSweep: NodeJS.Timeout | undefined;
  private drainLimit: NodeJS.Timeout | undefined;
  private resolveDone!: () => void;
  private readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));
  private draining = false;
  /** userDrained() settles a turn later, once per turn. */
  private settleScheduled = false;
  private readonly settleAfterTurn = () => {
    this.settleScheduled = false;
    this.settleIfDrained();
  };

  constructor(protected readonly spec: SliceLoadSpec) {
    const url = new URL(spec.settings.target);
    this.target = url;
    this.endpoint = this.endpointOf(url);
    this.mix = new RequestMix(spec.settings.requests, url.host, this.names);
    this.recorder = this.newRecorder(spec.segments[0]!.step);
    if (spec.warmUpMs > 0) {
      // The warm-up's own recorder: no live intervals, so the timeline shows the steps only.
      const recorder = new SliceRecorder(epochToPerf(spec.runStartAt), spec.timelineIntervalMs);
      this.warmUp = { recorder, startedAt: 0 };
      this.recorder = recorder;
    }
  }

  private newRecorder(step: number): SliceRecorder {
    const report = this.spec.onIntervalClosed;
    return new SliceRecorder(epochToPerf(this.spec.runStartAt), this.spec.timelineIntervalMs, report && ((interval) => report(step, interval)));
  }

  get segment(): LaneSegment {
    return this.spec.segments[this.segmentIndex]!;
  }

  private endpointOf(url: URL): Endpoint {
    const idle = Math.max(10_000, 2 * this.spec.settings.thinkTime.maxMs);
    return endpointFor(url, this.spec.settings.timeoutMs, idle, this.spec.settings.tls);
  }

  /**
   * Whether a redirect may lead to `url`: the target's own origin always; another host only when the
   * stack's `allowedTargets` admit it, so that a target cannot send the stack's workers elsewhere.
   */
  mayRedirectTo(url: URL): boolean {
    const allowed = this.spec.allowedTargets;
    // isAllowedTarget admits any host when the stack has no patterns.
    return allowed === undefined || url.origin === this.target.origin || isAllowedTarget(url.href, allowed);
  }

  /**
   * One keep-alive connection, as a browser or a Locust user holds; `handler` hears how each request
   * ends. To the target's origin, or to `origin` (where a redirect led).
   */
  protected newConnection(handler: ResponseHandler, origin?: URL): HttpConnection {
    let endpoint = this.endpoint;
    if (origin && origin.origin !== this.target.origin) {
      endpoint = this.otherEndpoints.get(origin.origin) ?? this.endpointOf(origin);
      this.otherEndpoints.set(origin.origin, endpoint);
    }
    const connection = new HttpConnection(endpoint, handler);
    this.httpConnections.add(connection);
    return connection;
  }

  /** A connection whose user left: closed for good, and no longer swept. */
  protected dropConnection(connection: HttpConnection): void {
    connection.destroy();
    this.httpConnections.delete(connection);
  }

  /** Fails requests past their deadline: one sweep for all connections, no timer per request. */
  private sweepTimeouts(): void {
    const now = performance.now();
    for (const connection of this.httpConnections) connection.checkTimeout(now);
  }

  /** Sets the model to a step's level: at the slice's start (`first`), then at each step boundary inside it. */
  protected abstract applySegment(segment: LaneSegment, now: number, first: boolean): void;

  /** Models cancel their own timers here. */
  protected abstract onStop(): void;

  /** Users active (closed) or requests in flight (open): what the timeline's `users` shows. */
  protected abstract activeCount(): number;

  /** Runs the slice to its planned end (or until aborted) and resolves when every request has settled. */
  async run(): Promise<void> {
    const onAbort = () => {
      this.aborted = true;
      this.finish();
    };
    if (this.warmUp) this.warmUp.startedAt = performance.now();
    else this.openPart(performance.now());
    if (this.spec.signal?.aborted) onAbort();
    else {
      this.spec.signal?.addEventListener('abort', onAbort, { once: true });
      this.tickTimer = setInterval(() => this.recorder.tick(performance.now()), 250);
      const sweepMs = Math.min(250, Math.max(5, this.spec.settings.timeoutMs / 8));
      this.timeoutSweep = setInterval(() => this.sweepTimeouts(), sweepMs);
      this.applySegment(this.segment, performance.now(), true);
      this.armBoundary();
      if (this.warmUp) this.warmUp.timer = setTimeout(() => this.endWarmUp(performance.now()), this.spec.warmUpMs);
    }
    await this.done;
    this.spec.signal?.removeEventListener('abort', onAbort);
    for (const connection of this.httpConnections) connection.destroy();
  }

  /** A timer for the next step boundary inside the slice, or for the slice's end. */
  private armBoundary(): void {
    const end = epochToPerf(this.segment.plannedEnd);
    this.boundaryTimer = setTimeout(() => {
      if (this.segmentIndex + 1 < this.spec.segments.length) this.nextSegment();
      else this.finish();
    }, Math.max(0, end - performance.now()));
  }

  private nextSegment(): void {
    const now = performance.now();
    this.closePart(now, false);
    this.segmentIndex++;
    this.recorder = this.newRecorder(this.segment.step);
    this.recorder.noteActive(this.activeCount());
    this.openPart(now);
    this.applySegment(this.segment, now, false);
    this.armBoundary();
  }

  /** The warm-up is over: its measurements are set aside, and the step's own begin now. */
  private endWarmUp(now: number): void {
    const warmUp = this.warmUp;
    if (!warmUp || warmUp.durationMs !== undefined) return;
    clearTimeout(warmUp.timer);
    warmUp.durationMs = now - warmUp.startedAt;
    this.names.startPart();
    this.mix.followNames();
    this.recorder = this.newRecorder(this.segment.step);
    this.recorder.noteActive(this.activeCount());
    this.openPart(now);
  }

  private openPart(now: number): void {
    this.part = { segment: this.segment, monitor: new SaturationMonitor(), actualStart: performance.timeOrigin + now };
  }

  private closePart(now: number, stopped: boolean): void {
    this.endWarmUp(now);
    const part = this.part!;
    this.part = undefined;
    this.recorder.close(now);
    const warmUp = this.warmUp;
    this.warmUp = undefined;
    const byName = this.names.startPart();
    this.mix.followNames();
    this.spec.onPartEnded({
      ...(warmUp ? { warmUp: { recorder: warmUp.recorder, durationMs: warmUp.durationMs! } } : {}),
      segment: part.segment,
      recorder: this.recorder,
      byName,
      saturation: part.monitor.stop(),
      actualStart: part.actualStart,
      endedAt: performance.timeOrigin + now,
      stopped,
    });
  }

  /**
   * Stops sending. On a stop, or where the lane hands over to its next slice, requests still in
   * flight are cut (counted, with how long they had been in flight): the next slice's users take
   * over at once, and waiting would put two requests of one user at the target. At a lane's last
   * slice they are waited for, each up to its own deadline.
   */
  finish(): void {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.boundaryTimer);
    this.onStop();
    this.draining = true;
    if (this.aborted || this.spec.handsOver) this.cutInFlight(this.aborted ? 'by a stop' : 'at the slice hand-off');
    else {
      this.drainLimit = setTimeout(() => this.cutInFlight('at the end of the drain'), this.spec.settings.timeoutMs + DRAIN_SLACK_MS);
    }
    this.settleIfDrained();
  }

  private cutInFlight(reason: string): void {
    const now = performance.now();
    for (const connection of this.httpConnections) if (connection.busy) connection.cut(now, reason);
    this.settleIfDrained();
  }

  settleIfDrained(): void {
    if (this.draining && this.inFlight === 0) this.settle();
  }

  /**
   * A user's request ended while the slice drains. The session settles a turn later, not at once: the
   * code awaiting that request (a flow counting the iteration it ended) runs first, so that what it
   * records lands in the step's figures and not after they were read.
   */
  userDrained(): void {
    if (this.settleScheduled) return;
    this.settleScheduled = true;
    setImmediate(this.settleAfterTurn);
  }

  private settle(): void {
    if (!this.draining) return;
    this.draining = false;
    clearTimeout(this.drainLimit);
    clearInterval(this.tickTimer);
    clearInterval(this.timeoutSweep);
    this.closePart(performance.now(), this.aborted);
    this.resolveDone();
  }

  thinkTimeMs(): number {
    return pickThinkMs(this.spec.settings.thinkTime);
  }
}
