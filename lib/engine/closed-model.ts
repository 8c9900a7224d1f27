import { performance } from 'node:perf_hooks';
import type { Client, Dispatcher } from 'undici';
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
 * One virtual user. It is its own undici dispatch handler, reused for every request, so the hot path
 * allocates no closure, promise or stream per request. (The legacy handler methods are used because
 * undici 7 calls them directly; the newer onResponse* methods go through a wrapper per request.)
 */
class VirtualUser implements Dispatcher.DispatchHandler {
  private request!: PreparedRequest;
  private sentAt = 0;
  private status = 0;
  private thinkTimer: NodeJS.Timeout | undefined;
  private readonly sendNext = () => this.send();

  constructor(
    private readonly session: ClosedModelSession,
    private readonly client: Client,
  ) {}

  start(): void {
    if (this.session.stopping) return;
    this.session.recorder.noteActive(this.session.recorder.active + 1);
    this.send();
  }

  private send(): void {
    this.thinkTimer = undefined;
    const session = this.session;
    if (session.stopping) return;
    this.request = session.mix.pick();
    this.status = 0;
    session.inFlight++;
    this.sentAt = performance.now();
    this.client.dispatch(this.request.options, this);
  }

  onConnect(): void {}

  onHeaders(statusCode: number): boolean {
    this.status = statusCode;
    return true;
  }

  onData(): boolean {
    return true;
  }

  onComplete(): void {
    const now = performance.now();
    const session = this.session;
    session.inFlight--;
    if (session.abandoned) return;
    const micros = (now - this.sentAt) * 1000;
    session.recorder.recordResponse(this.request, this.status, micros, micros, now);
    this.afterResponse(false);
  }

  onError(error: Error): void {
    const session = this.session;
    session.inFlight--;
    if (session.abandoned) return;
    session.recorder.recordFailure(this.request, error, performance.now());
    this.afterResponse(true);
  }

  private afterResponse(failed: boolean): void {
    const session = this.session;
    if (session.stopping) {
      session.userDrained();
      return;
    }
    const think = session.thinkTimeMs();
    // After a failure, go on in the next turn of the loop: undici may report an error from inside
    // dispatch(), and sending again from there would recurse.
    if (think > 0) this.thinkTimer = setTimeout(this.sendNext, think);
    else if (failed) this.thinkTimer = setTimeout(this.sendNext, 0);
    else this.send();
  }

  stop(): void {
    if (this.thinkTimer) clearTimeout(this.thinkTimer);
  }
}

export class ClosedModelSession extends LoadSession {
  private readonly users: VirtualUser[] = [];
  private readonly spawnTimers: NodeJS.Timeout[] = [];

  constructor(private readonly closedSpec: ClosedModelSpec) {
    super(closedSpec);
  }

  protected begin(): void {
    for (const offset of this.closedSpec.userStartOffsetsMs) {
      const user = new VirtualUser(this, this.newClient());
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
}
