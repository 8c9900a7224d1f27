import { performance } from 'node:perf_hooks';
import type { HttpConnection, ResponseHandler } from './http-connection.js';
import { usersAt, type LaneSegment } from './lane-schedule.js';
import { epochToPerf, LoadSession, type SliceLoadSpec } from './load-session.js';
import type { PreparedRequest } from './request-mix.js';
import { SendBatch } from './send-batch.js';
import type { QueuedSender, SessionUser, UserSession } from './user-session.js';

/**
 * Locust's model: users, each looping request → response → think time over one keep-alive
 * connection. Users live for the whole slice: a new step adds users at the spawn rate, or retires
 * the newest ones (each after its request in flight), and the rest carry on with their connections.
 */

/**
 * One virtual user of the weighted mix (`requests:`). It is its own connection's response handler,
 * reused for every request, so the hot path allocates no closure, promise or timer per request.
 */
class VirtualUser implements ResponseHandler, SessionUser {
  private request!: PreparedRequest;
  private sentAt = 0;
  private thinkTimer: NodeJS.Timeout | undefined;
  private busy = false;
  private retiring = false;
  private ended = false;
  private readonly sendNext = () => this.send();
  private readonly connection: HttpConnection;

  constructor(private readonly session: ClosedModelSession) {
    this.connection = session.connectionFor(this);
  }

  start(): void {
    if (this.session.stopping) return;
    this.session.userStarted();
    this.send();
  }

  send(): void {
    this.thinkTimer = undefined;
    const session = this.session;
    if (session.stopping) return;
    if (this.retiring) {
      this.end();
      return;
    }
    this.request = session.mix.pick();
    this.busy = true;
    session.inFlight++;
    const now = performance.now();
    this.sentAt = now;
    this.connection.send(this.request, now);
  }

  onResponse(status: number, now: number): void {
    const session = this.session;
    this.busy = false;
    session.inFlight--;
    const micros = (now - this.sentAt) * 1000;
    session.recorder.recordResponse(this.request, status, micros, micros, now);
    this.afterResponse(false);
  }

  onFailure(error: Error, now: number): void {
    const session = this.session;
    this.busy = false;
    session.inFlight--;
    session.recorder.recordFailure(this.request, error, now);
    this.afterResponse(true);
  }

  private afterResponse(failed: boolean): void {
    const session = this.session;
    if (session.stopping) {
      session.userDrained();
      return;
    }
    if (this.retiring) {
      this.end();
      return;
    }
    const think = session.thinkTimeMs();
    // After a failure, wait for the next turn of the loop (a refused connection fails at once, and
    // retrying from here would spin). Without think time the next send joins the session's batch.
    if (think > 0) this.thinkTimer = setTimeout(this.sendNext, think);
    else if (failed) this.thinkTimer = setTimeout(this.sendNext, 0);
    else session.sendSoon(this);
  }

  /** Leaves the test: at once when idle, after its request in flight otherwise. */
  retire(): void {
    this.retiring = true;
    if (!this.busy) this.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.stop();
    this.session.closeConnection(this.connection);
    this.session.userEnded(this);
  }

  stop(): void {
    if (this.thinkTimer) clearTimeout(this.thinkTimer);
    this.thinkTimer = undefined;
  }
}

export class ClosedModelSession extends LoadSession implements UserSession {
  /** Users started, oldest first; the newest are retired first. */
  private users: SessionUser[] = [];
  private active = 0;
  private rampTimers: NodeJS.Timeout[] = [];
  private readonly batch = new SendBatch();
  private readonly makeUser: (userIndex: number) => SessionUser;

  constructor(spec: SliceLoadSpec) {
    super(spec);
    const factory = spec.userFactory;
    // A user keeps its place in the lane (the newest leave first), hence its run-wide number and data row.
    this.makeUser = factory ? (index) => factory(this, spec.firstUserNumber + index) : () => new VirtualUser(this);
  }

  /**
   * Moves the lane toward the step's users at its share of the spawn rate. A slice that starts
   * during a ramp starts at once the users the ramp has already reached (the users of the lane's
   * previous slice), then follows the ramp's schedule from the step's start.
   */
  protected applySegment(segment: LaneSegment, now: number, first: boolean): void {
    for (const timer of this.rampTimers) clearTimeout(timer);
    this.rampTimers = [];
    const interval = 1000 / Math.max(segment.rampPerSecond, 1e-9);
    if (first) {
      const stepStart = epochToPerf(segment.stepStart);
      const reached = usersAt(segment, now - stepStart);
      for (let user = 0; user < reached; user++) this.addUser();
      const change = segment.level - segment.fromLevel;
      for (let done = Math.abs(reached - segment.fromLevel); done < Math.abs(change); done++) {
        this.schedule(stepStart + (done + 1) * interval - now, change > 0);
      }
      return;
    }
    const change = segment.level - this.users.length;
    for (let done = 0; done < Math.abs(change); done++) this.schedule((done + 1) * interval, change > 0);
  }

  private schedule(delayMs: number, add: boolean): void {
    const act = add ? () => this.addUser() : () => this.retireNewest();
    if (delayMs <= 0) act();
    else this.rampTimers.push(setTimeout(act, delayMs));
  }

  private addUser(): void {
    const user = this.makeUser(this.users.length);
    this.users.push(user);
    user.start();
  }

  private retireNewest(): void {
    this.users.pop()?.retire();
  }

  protected onStop(): void {
    for (const timer of this.rampTimers) clearTimeout(timer);
    for (const user of this.users) user.stop();
  }

  protected activeCount(): number {
    return this.active;
  }

  userStarted(): void {
    this.recorder.noteActive(++this.active);
  }

  userEnded(user: SessionUser): void {
    this.users = this.users.filter((candidate) => candidate !== user);
    this.recorder.noteActive(--this.active);
  }

  connectionFor(handler: ResponseHandler, origin?: URL): HttpConnection {
    return this.newConnection(handler, origin);
  }

  closeConnection(connection: HttpConnection): void {
    this.dropConnection(connection);
  }

  /** A user's next request goes out with this turn's batch (send-batch.ts). */
  sendSoon(user: QueuedSender): void {
    this.batch.add(user);
  }
}
