import { performance } from 'node:perf_hooks';
import type { HttpConnection, ResponseHandler } from './http-connection.js';
import { LoadSession, type SliceLoadSpec } from './load-session.js';
import type { PreparedRequest } from './request-mix.js';

/**
 * Locust's model: a fixed number of users, each looping request → response → think time over one
 * keep-alive connection. When the count rises, new users start at the spawn rate.
 */
export interface ClosedModelSpec extends SliceLoadSpec {
  /** When each of this worker's users starts, in ms after the slice's start (0 = at once). */
  userStartOffsetsMs: number[];
}

/**
 * Start offsets for this worker's users in a slice starting `sliceOffsetMs` into a step that ramps
 * from `fromUsers` to `toUsers` at `spawnRate` users/s (all three this worker's share).
 */
export function userStartOffsets(fromUsers: number, toUsers: number, spawnRate: number, sliceOffsetMs: number): number[] {
  const offsets: number[] = [];
  for (let user = 0; user < toUsers; user++) {
    const startsAtMs = user < fromUsers ? 0 : ((user - fromUsers + 1) / spawnRate) * 1000;
    offsets.push(Math.max(0, startsAtMs - sliceOffsetMs));
  }
  return offsets;
}

/**
 * One virtual user. It is its own connection's response handler, reused for every request, so the
 * hot path allocates no closure, promise or timer per request.
 */
class VirtualUser implements ResponseHandler {
  private request!: PreparedRequest;
  private sentAt = 0;
  private thinkTimer: NodeJS.Timeout | undefined;
  private readonly sendNext = () => this.send();
  private readonly connection: HttpConnection;

  constructor(private readonly session: ClosedModelSession) {
    this.connection = session.connectionFor(this);
  }

  start(): void {
    if (this.session.stopping) return;
    this.session.recorder.noteActive(this.session.recorder.active + 1);
    this.send();
  }

  send(): void {
    this.thinkTimer = undefined;
    const session = this.session;
    if (session.stopping) return;
    this.request = session.mix.pick();
    session.inFlight++;
    const now = performance.now();
    this.sentAt = now;
    this.connection.send(this.request, now);
  }

  onResponse(status: number, now: number): void {
    const session = this.session;
    session.inFlight--;
    if (session.abandoned) return;
    const micros = (now - this.sentAt) * 1000;
    session.recorder.recordResponse(this.request, status, micros, micros, now);
    this.afterResponse(false);
  }

  onFailure(error: Error, now: number): void {
    const session = this.session;
    session.inFlight--;
    if (session.abandoned) return;
    session.recorder.recordFailure(this.request, error, now);
    this.afterResponse(true);
  }

  private afterResponse(failed: boolean): void {
    const session = this.session;
    if (session.stopping) {
      session.userDrained();
      return;
    }
    const think = session.thinkTimeMs();
    // After a failure, wait for the next turn of the loop (a refused connection fails at once, and
    // retrying from here would spin). Without think time the next send joins the session's batch.
    if (think > 0) this.thinkTimer = setTimeout(this.sendNext, think);
    else if (failed) this.thinkTimer = setTimeout(this.sendNext, 0);
    else session.sendSoon(this);
  }

  stop(): void {
    if (this.thinkTimer) clearTimeout(this.thinkTimer);
  }
}

export class ClosedModelSession extends LoadSession {
  private readonly users: VirtualUser[] = [];
  private readonly spawnTimers: NodeJS.Timeout[] = [];
  /** Users whose next request goes out in this turn's batch, and the spare list the batch swaps in. */
  private ready: VirtualUser[] = [];
  private spare: VirtualUser[] = [];
  private batchScheduled = false;
  private readonly sendBatch = () => this.flushReady();

  constructor(private readonly closedSpec: ClosedModelSpec) {
    super(closedSpec);
  }

  protected begin(): void {
    for (const offset of this.closedSpec.userStartOffsetsMs) {
      const user = new VirtualUser(this);
      this.users.push(user);
      if (offset <= 0) user.start();
      else this.spawnTimers.push(setTimeout(() => user.start(), offset));
    }
  }

  protected onStop(): void {
    for (const timer of this.spawnTimers) clearTimeout(timer);
    for (const user of this.users) user.stop();
  }

  userDrained(): void {
    this.settleIfDrained();
  }

  connectionFor(user: VirtualUser): HttpConnection {
    return this.newConnection(user);
  }

  /**
   * Queues a user's next request for the end of this turn of the event loop. The loop reads every
   * ready response first and then writes the next requests together (as undici did with a
   * setImmediate per request), which costs the kernel less than a write after each read; one
   * setImmediate serves the whole batch.
   */
  sendSoon(user: VirtualUser): void {
    this.ready.push(user);
    if (!this.batchScheduled) {
      this.batchScheduled = true;
      setImmediate(this.sendBatch);
    }
  }

  private flushReady(): void {
    this.batchScheduled = false;
    const batch = this.ready;
    this.ready = this.spare;
    for (let index = 0; index < batch.length; index++) batch[index]!.send();
    batch.length = 0;
    this.spare = batch;
  }
}
