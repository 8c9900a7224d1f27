import { performance } from 'node:perf_hooks';
import type { HttpConnection, ResponseHandler } from './http-connection.js';
import type { LaneSegment } from './lane-schedule.js';
import { epochToPerf, LoadSession } from './load-session.js';
import type { PreparedRequest } from './request-mix.js';
import { LATE_SEND_MS } from './slice-result.js';

/**
 * The open model (wrk2, k6 arrival rate): requests are due at fixed intervals whatever the target
 * does. Each gets an intended send time from the schedule; latency is measured from it, so a
 * stalled target shows in the numbers (coordinated omission corrected), and the service time
 * (from the actual send) is recorded beside it. At a step boundary the schedule takes the new rate
 * and the pool of connections carries on.
 */

/** One connection of the open model's pool, and the handler of its responses. */
class Connection implements ResponseHandler {
  private request!: PreparedRequest;
  private intended = 0;
  private sentAt = 0;
  private readonly connection: HttpConnection;
  private readonly releaseSelf = () => this.session.release(this);

  constructor(private readonly session: OpenModelSession) {
    this.connection = session.connectionFor(this);
  }

  send(request: PreparedRequest, intended: number, now: number): void {
    this.request = request;
    this.intended = intended;
    this.sentAt = now;
    this.connection.send(request, now);
  }

  onResponse(status: number, now: number): void {
    this.session.recorder.recordResponse(this.request, status, (now - this.intended) * 1000, (now - this.sentAt) * 1000, now);
    this.session.release(this);
  }

  onFailure(error: Error, now: number): void {
    this.session.recorder.recordFailure(this.request, error, now);
    // Released in the next turn: a refused connection fails at once, and the backlog would spin on it.
    setImmediate(this.releaseSelf);
  }

  close(): void {
    this.session.closeConnection(this.connection);
  }
}

export class OpenModelSession extends LoadSession {
  private free: Connection[] = [];
  private connections = 0;
  private maxInFlight = 1;
  /** The current step's schedule ends here (performance.now() ms). */
  private scheduleEnd = 0;
  /** Intended times of due sends waiting for a free connection (oldest first). */
  private backlog: number[] = [];
  private backlogHead = 0;
  private interval = Infinity;
  private firstSend = 0;
  private nextIndex = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly onTick = () => this.tick();
  private immediateTickScheduled = false;
  private readonly onImmediateTick = () => {
    this.immediateTickScheduled = false;
    this.tick();
  };
  /** Connections freed while sends wait in the backlog: they take them together at the end of this turn. */
  private ready: Connection[] = [];
  private spare: Connection[] = [];
  private batchScheduled = false;
  private readonly sendBatch = () => this.flushReady();

  /**
   * A new schedule for the step: due every 1/rate from the step's start (or from now, for a slice
   * that starts late: the missed part shows as lower achieved load for the step, not as a burst of
   * "late" sends that measure the worker's start). Sends already waiting stay due.
   */
  protected applySegment(segment: LaneSegment, now: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.maxInFlight = segment.maxInFlight;
    this.trimPool();
    this.scheduleEnd = epochToPerf(segment.plannedEnd);
    this.nextIndex = 0;
    if (segment.level <= 0) {
      this.interval = Infinity;
      return;
    }
    this.interval = 1000 / segment.level;
    this.firstSend = Math.max(now, epochToPerf(segment.plannedStart)) + segment.phaseMs;
    this.tick();
  }

  /** A step with fewer connections allowed closes the idle ones beyond it. */
  private trimPool(): void {
    while (this.connections > this.maxInFlight && this.free.length > 0) {
      this.free.pop()!.close();
      this.connections--;
    }
  }

  protected activeCount(): number {
    return this.inFlight;
  }

  private intendedAt(index: number): number {
    return this.firstSend + index * this.interval;
  }

  private tick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopping) return;
    const now = performance.now();
    const recorder = this.recorder;
    let intended = this.intendedAt(this.nextIndex);
    while (intended <= now && intended < this.scheduleEnd) {
      recorder.scheduled++;
      this.nextIndex++;
      const connection = this.acquire();
      if (connection) this.dispatch(connection, intended, now);
      else this.backlog.push(intended);
      intended = this.intendedAt(this.nextIndex);
    }
    this.dropExpired(now);
    if (intended < this.scheduleEnd) this.timer = setTimeout(this.onTick, Math.max(0, intended - now));
  }

  private acquire(): Connection | undefined {
    const connection = this.free.pop();
    if (connection) return connection;
    if (this.connections >= this.maxInFlight) return undefined;
    this.connections++;
    return new Connection(this);
  }

  connectionFor(connection: Connection): HttpConnection {
    return this.newConnection(connection);
  }

  closeConnection(connection: HttpConnection): void {
    this.dropConnection(connection);
  }

  private dispatch(connection: Connection, intended: number, now: number): void {
    if (now - intended > LATE_SEND_MS) this.recorder.late++;
    this.recorder.noteActive(++this.inFlight);
    connection.send(this.mix.pick(), intended, now);
  }

  /** A send still waiting when the request timeout has passed since it was due would have timed out: drop it. */
  private dropExpired(now: number): void {
    const oldestAllowed = now - this.spec.settings.timeoutMs;
    while (this.backlogHead < this.backlog.length && this.backlog[this.backlogHead]! < oldestAllowed) {
      this.backlogHead++;
      this.recorder.dropped++;
    }
    if (this.backlogHead > 1024 && this.backlogHead * 2 > this.backlog.length) {
      this.backlog = this.backlog.slice(this.backlogHead);
      this.backlogHead = 0;
    }
  }

  release(connection: Connection): void {
    this.inFlight--;
    if (!this.stopping && this.backlogHead < this.backlog.length) {
      // Behind schedule: send the waiting requests after this turn's responses are read, in one batch
      // (as the closed model does). Writing from inside each read costs the kernel more per request,
      // enough that a worker that fell behind (a stall, its warm-up) would not catch up again.
      this.ready.push(connection);
      if (!this.batchScheduled) {
        this.batchScheduled = true;
        setImmediate(this.sendBatch);
      }
      return;
    }
    this.free.push(connection);
    this.recorder.noteActive(this.inFlight);
    this.settleIfDrained();
    this.tickSoon();
  }

  /**
   * A response woke the event loop: sends that have fallen due since the last tick go out at the end
   * of this turn instead of at the next timer, whose granularity is a millisecond. Without this, the
   * timer alone adds up to a millisecond or two to the latency measured from the intended time.
   */
  private tickSoon(): void {
    if (this.immediateTickScheduled || this.stopping || this.intendedAt(this.nextIndex) > performance.now()) return;
    this.immediateTickScheduled = true;
    setImmediate(this.onImmediateTick);
  }

  private flushReady(): void {
    this.batchScheduled = false;
    const batch = this.ready;
    this.ready = this.spare;
    const now = performance.now();
    this.dropExpired(now);
    for (let index = 0; index < batch.length; index++) {
      const connection = batch[index]!;
      if (!this.stopping && this.backlogHead < this.backlog.length) this.dispatch(connection, this.backlog[this.backlogHead++]!, now);
      else this.free.push(connection);
    }
    batch.length = 0;
    this.spare = batch;
    this.recorder.noteActive(this.inFlight);
    this.settleIfDrained();
  }

  protected onStop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.recorder.dropped += this.backlog.length - this.backlogHead;
    this.backlog = [];
    this.backlogHead = 0;
  }
}
