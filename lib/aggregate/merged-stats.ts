import { addEncoded, createMergeHistogram, type Histogram } from '../histogram/latency-histogram.js';
import type { SliceResult, TimelineInterval, WarmUp } from '../engine/slice-result.js';

type Counters = Pick<SliceResult, 'requests' | 'errors' | 'late' | 'dropped' | 'scheduled' | 'statusCodes' | 'errorsByType'>;

export interface NameStats {
  requests: number;
  errors: number;
  generatorErrors: number;
  statusCodes: Record<string, number>;
  latency: Histogram;
}

export interface TimelinePoint {
  requests: number;
  errors: number;
  latency: Histogram;
  /** Users per step within the interval: workers of one step add up, overlapping steps do not. */
  usersByStep: Map<number, number>;
}

/**
 * A step result that began more than this after its planned start ran visibly less than its share:
 * a worker that started late (a slow cold start, a lane taken up again after a crash). Normal
 * starts are within tens of milliseconds: each slice is invoked ahead and waits for its start.
 */
export const LATE_PART_MS = 1000;

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, value] of Object.entries(from)) into[key] = (into[key] ?? 0) + value;
}

/**
 * Slice results merged exactly: HDR histograms are added bucket by bucket and counters summed, so
 * the percentiles of the merge equal those of one histogram of every sample (never averages).
 */
export class MergedStats {
  requests = 0;
  errors = 0;
  late = 0;
  dropped = 0;
  scheduled = 0;
  slices = 0;
  stopped = 0;
  readonly statusCodes: Record<string, number> = {};
  readonly errorsByType: Record<string, number> = {};
  readonly errorSamples = new Map<string, { type: string; message: string; count: number }>();
  readonly byName = new Map<string, NameStats>();
  readonly timeline = new Map<number, TimelinePoint>();
  /** Lanes that sent load, and those whose worker was saturated. */
  readonly workersStarted = new Set<number>();
  readonly saturatedWorkers = new Set<number>();
  firstStart = Infinity;
  lastEnd = -Infinity;
  /** Flows: each request's checks and each flow's iterations, summed. */
  readonly checks = new Map<string, { request: string; check: string; passes: number; fails: number }>();
  readonly iterations = new Map<string, { flow: string; completed: number; stoppedByCapture: number; scriptErrors: number }>();
  /** The slices' warm-ups, measured apart and kept out of everything else here. */
  readonly warmUp = { slices: 0, durationMs: 0, requests: 0, errors: 0, scheduled: 0, late: 0, dropped: 0, latency: createMergeHistogram(), service: createMergeHistogram() };
  /** Sum of (actual start - planned start) over slices, and the largest. */
  startLagTotalMs = 0;
  startLagMaxMs = 0;
  /** Worker-milliseconds of load run inside the parts' planned windows (a late start runs less). */
  ranMs = 0;
  /** Step results that started more than LATE_PART_MS after their planned start (warm-up aside). */
  lateParts = 0;
  /** The (slice, lane) of every step result merged, as `slice/lane`. */
  readonly parts = new Set<string>();

  constructor(
    readonly latency: Histogram = createMergeHistogram(),
    readonly service: Histogram = createMergeHistogram(),
  ) {}

  /**
   * Adds one slice: its encoded histograms go straight into this merge's, bucket by bucket (no
   * histogram is built per slice: that was most of an aggregator's time at 1000 slices).
   */
  add(result: SliceResult): void {
    addEncoded(this.latency, result.latency);
    addEncoded(this.service, result.service);
    this.addCounters(result);
    this.slices += 1;
    this.stopped += result.stopped ? 1 : 0;
    for (const sample of result.errorSamples) this.addSample(sample);
    for (const [name, byName] of Object.entries(result.byName)) addEncoded(this.addNameCounters(name, byName).latency, byName.latency);
    for (const interval of result.timeline) this.addInterval(result.step, interval);
    this.workersStarted.add(result.lane);
    if (result.saturation.saturated) this.saturatedWorkers.add(result.lane);
    this.firstStart = Math.min(this.firstStart, result.actualStart);
    this.lastEnd = Math.max(this.lastEnd, result.endedAt);
    if (result.warmUp) this.addWarmUp(result.warmUp);
    for (const check of result.checks) this.addCheck(check);
    for (const iteration of result.iterations) this.addIterations(iteration);
    const startLagMs = Math.max(0, result.actualStart - result.plannedStart);
    this.startLagTotalMs += startLagMs;
    this.startLagMaxMs = Math.max(this.startLagMaxMs, startLagMs);
    // A warm-up is load too: the part began when its warm-up did.
    const began = result.actualStart - (result.warmUp?.durationMs ?? 0);
    this.ranMs += Math.max(0, Math.min(result.endedAt, result.plannedEnd) - Math.max(began, result.plannedStart));
    if (began - result.plannedStart > LATE_PART_MS) this.lateParts += 1;
    this.parts.add(`${result.slice}/${result.lane}`);
  }

  /** Folds another merge into this one (steps into the run's totals). */
  absorb(other: MergedStats): void {
    this.latency.add(other.latency);
    this.service.add(other.service);
    this.addCounters(other);
    this.slices += other.slices;
    this.stopped += other.stopped;
    for (const sample of other.errorSamples.values()) this.addSample(sample);
    for (const [name, stats] of other.byName) this.addNameCounters(name, stats).latency.add(stats.latency);
    for (const worker of other.workersStarted) this.workersStarted.add(worker);
    for (const worker of other.saturatedWorkers) this.saturatedWorkers.add(worker);
    for (const [index, point] of other.timeline) {
      const into = this.point(index);
      into.requests += point.requests;
      into.errors += point.errors;
      into.latency.add(point.latency);
      for (const [step, users] of point.usersByStep) into.usersByStep.set(step, (into.usersByStep.get(step) ?? 0) + users);
    }
    this.firstStart = Math.min(this.firstStart, other.firstStart);
    this.lastEnd = Math.max(this.lastEnd, other.lastEnd);
    this.startLagTotalMs += other.startLagTotalMs;
    this.startLagMaxMs = Math.max(this.startLagMaxMs, other.startLagMaxMs);
    for (const check of other.checks.values()) this.addCheck(check);
    for (const iteration of other.iterations.values()) this.addIterations(iteration);
    this.ranMs += other.ranMs;
    this.lateParts += other.lateParts;
    this.addWarmUpCounts(other.warmUp);
    this.warmUp.latency.add(other.warmUp.latency);
    this.warmUp.service.add(other.warmUp.service);
  }

  private addCheck(check: { request: string; check: string; passes: number; fails: number }): void {
    const key = `${check.request}\u0000${check.check}`;
    const into = this.checks.get(key);
    if (into) {
      into.passes += check.passes;
      into.fails += check.fails;
    } else this.checks.set(key, { ...check });
  }

  private addIterations(iteration: { flow: string; completed: number; stoppedByCapture: number; scriptErrors: number }): void {
    const into = this.iterations.get(iteration.flow);
    if (into) {
      into.completed += iteration.completed;
      into.stoppedByCapture += iteration.stoppedByCapture;
      into.scriptErrors += iteration.scriptErrors;
    } else this.iterations.set(iteration.flow, { ...iteration });
  }

  private addWarmUp(warmUp: WarmUp): void {
    this.addWarmUpCounts({ ...warmUp, slices: 1 });
    addEncoded(this.warmUp.latency, warmUp.latency);
    addEncoded(this.warmUp.service, warmUp.service);
  }

  private addWarmUpCounts(from: Pick<MergedStats['warmUp'], 'slices' | 'durationMs' | 'requests' | 'errors' | 'scheduled' | 'late' | 'dropped'>): void {
    const into = this.warmUp;
    into.slices += from.slices;
    into.durationMs += from.durationMs;
    into.requests += from.requests;
    into.errors += from.errors;
    into.scheduled += from.scheduled;
    into.late += from.late;
    into.dropped += from.dropped;
  }

  /** Adds one worker's timeline interval (also used for live progress as intervals close). */
  addInterval(step: number, interval: TimelineInterval): void {
    const point = this.point(interval.i);
    point.requests += interval.requests;
    point.errors += interval.errors;
    addEncoded(point.latency, interval.latency);
    point.usersByStep.set(step, (point.usersByStep.get(step) ?? 0) + interval.users);
  }

  /** Wall-clock span of the merged slices, in seconds (0 when nothing ran). */
  spanSeconds(): number {
    return this.slices === 0 ? 0 : Math.max(0.001, (this.lastEnd - this.firstStart) / 1000);
  }

  private addSample(sample: { type: string; message: string; count: number }): void {
    const key = `${sample.type}\u0000${sample.message}`;
    const into = this.errorSamples.get(key);
    if (into) into.count += sample.count;
    else if (this.errorSamples.size < 50) this.errorSamples.set(key, { ...sample });
  }

  /** The counters a slice result and a merge both carry. */
  private addCounters(from: Counters): void {
    this.requests += from.requests;
    this.errors += from.errors;
    this.late += from.late;
    this.dropped += from.dropped;
    this.scheduled += from.scheduled;
    addCounts(this.statusCodes, from.statusCodes);
    addCounts(this.errorsByType, from.errorsByType);
  }

  /** Adds a request name's counters; returns its stats, for the caller to add the histogram in its form. */
  private addNameCounters(name: string, from: Pick<NameStats, 'requests' | 'errors' | 'generatorErrors' | 'statusCodes'>): NameStats {
    const into = this.nameStats(name);
    into.requests += from.requests;
    into.errors += from.errors;
    into.generatorErrors += from.generatorErrors;
    addCounts(into.statusCodes, from.statusCodes);
    return into;
  }

  private nameStats(name: string): NameStats {
    let stats = this.byName.get(name);
    if (!stats) this.byName.set(name, (stats = { requests: 0, errors: 0, generatorErrors: 0, statusCodes: {}, latency: createMergeHistogram() }));
    return stats;
  }

  point(index: number): TimelinePoint {
    let point = this.timeline.get(index);
    if (!point) this.timeline.set(index, (point = { requests: 0, errors: 0, latency: createMergeHistogram(), usersByStep: new Map() }));
    return point;
  }
}
