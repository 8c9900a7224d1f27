import { performance } from 'node:perf_hooks';
import type { HttpConnection, ResponseHandler } from './http-connection.js';
import type { LaneSegment } from './lane-schedule.js';
import { epochToPerf, LoadSession, type SliceLoadSpec } from './load-session.js';
import type { PreparedRequest } from './request-mix.js';
import { LATE_SEND_MS } from './slice-result.js';
import { SendBatch } from './send-batch.js';
import type { ArrivalUser, QueuedSender, UserSession } from './user-session.js';

/**
 * The open model (wrk2, k6 arrival rate): requests are due at fixed intervals whatever the target
 * does. Each gets an intended send time from the schedule; latency is measured from it, so a
 * stalled target shows in the numbers (coordinated omission corrected), and the service time
 * (from the actual send) is recorded beside it. At a step boundary the schedule takes the new rate
 * and the pool of connections carries on.
 */

/**
 * What an arrival takes from the pool: a connection that sends one request of the weighted mix, or
 * a user that runs one iteration of its flows (the first request measured from the arrival's
 * intended time). The pool never holds more than the step's most in flight.
 */
interface ArrivalSlot {
  start(intended: number, now: number): void;
  close(): void;
}

/** A user of flows in the open model: it keeps its login and cookies between the arrivals it serves. */
class FlowArrival implements ArrivalSlot {
  constructor(
    private readonly session: OpenModelSession,
    private readonly user: ArrivalUser,
  ) {}

  start(intended: number): void {
    void this.user.iterate(intended).finally(() => this.session.release(this));
  }

  close(): void {
    this.user.stop();
  }
}

/** One connection of the open model's pool, and the handler of its responses. */
class Connection implements ResponseHandler, ArrivalSlot {
  private request!: PreparedRequest;
  private intended = 0;
  private sentAt = 0;
  private readonly connection: HttpConnection;
  private readonly releaseSelf = () => this.session.release(this);

  constructor(private readonly session: OpenModelSession) {
    this.connection = session.connectionFor(this);
  }

  start(intended: number, now: number): void {
    const session = this.session;
    session.recorder.noteActive(++session.inFlight);
    this.request = session.mix.pick();
    this.intended = intended;
    this.sentAt = now;
    this.connection.send(this.request, now);
  }

  onResponse(status: number, now: number): void {
    this.session.recorder.recordResponse(this.request, status, (now - this.intended) * 1000, (now - this.sentAt) * 1000, now);
    this.session.inFlight--;
    this.session.release(this);
  }

  onFailure(error: Error, now: number): void {
    this.session.recorder.recordFailure(this.request, error, now);
    this.session.inFlight--;
    // Released in the next turn: a refused connection fails at once, and the backlog would spin on it.
    setImmediate(this.releaseSelf);
  }

  close(): void {
    this.session.closeConnection(this.connection);
  }
}

/**
 * A tick sends what falls due before the next tick can come. Node's timers wake to the whole
 * millisecond (a timer for "in 0.02 ms" fires a millisecond or so later), so a send due between two
 * ticks would otherwise go out up to a tick late, and that lateness would sit in the p99 measured from
 * the intended time. Two ticks' worth covers a tick that itself fires a millisecond late; the rate over
 * any longer window stays exact. Waking only on the timer, not after every turn that read responses,
 * keeps the sends in one burst a tick: at half a core's capacity the loop was 0.7 busy instead of 0.88.
 */
const SEND_AHEAD_MS = 2;

export class OpenModelSession extends LoadSession implements UserSession {
  private free: ArrivalSlot[] = [];
  /** Slots (connections or users) in the pool. */
  private connections = 0;
  private readonly makeSlot: () => ArrivalSlot;
  private readonly sendBatchOfUsers = new SendBatch();
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
  /** Slots freed while sends wait in the backlog: they take them together at the end of this turn. */
  private ready: ArrivalSlot[] = [];
  private spare: ArrivalSlot[] = [];
  private batchScheduled = false;
  private readonly sendBatch = () => this.flushReady();

  constructor(spec: SliceLoadSpec) {
    super(spec);
    const factory = spec.userFactory;
    let users = 0;
    this.makeSlot = factory ? () => new FlowArrival(this, factory(this, spec.firstUserNumber + users++)) : () => new Connection(this);
  }

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
    const sendUntil = now + SEND_AHEAD_MS;
    let intended = this.intendedAt(this.nextIndex);
    while (intended <= sendUntil && intended < this.scheduleEnd) {
      recorder.scheduled++;
      this.nextIndex++;
      const connection = this.acquire();
      if (connection) this.dispatch(connection, intended, now);
      else this.backlog.push(intended);
      intended = this.intendedAt(this.nextIndex);
    }
    this.dropExpired(now);
    if (intended < this.scheduleEnd) this.timer = setTimeout(this.onTick, Math.max(0, intended - sendUntil));
  }

  private acquire(): ArrivalSlot | undefined {
    const slot = this.free.pop();
    if (slot) return slot;
    if (this.connections >= this.maxInFlight) return undefined;
    this.connections++;
    return this.makeSlot();
  }

  connectionFor(handler: ResponseHandler, origin?: URL): HttpConnection {
    return this.newConnection(handler, origin);
  }

  /** A flow user's next request goes out with this turn's batch (send-batch.ts). */
  sendSoon(sender: QueuedSender): void {
    this.sendBatchOfUsers.add(sender);
  }

  // A user of flows in the open model serves arrivals; its count is the pool's, not the timeline's.
  userStarted(): void {}
  userEnded(): void {}

  closeConnection(connection: HttpConnection): void {
    this.dropConnection(connection);
  }

  private dispatch(slot: ArrivalSlot, intended: number, now: number): void {
    if (now - intended > LATE_SEND_MS) this.recorder.late++;
    // A send that went out ahead of its time is measured from when it went out: the latency from the
    // intended time is never less than the service time.
    slot.start(Math.min(intended, now), now);
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

  release(connection: ArrivalSlot): void {
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
