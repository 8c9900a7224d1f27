import { performance } from 'node:perf_hooks';
import type { HttpMethod } from '../config/http-method.js';
import type { HttpConnection, ResponseHandler } from '../engine/http-connection.js';
import { KEEP_PICKS, type KeptHead } from '../engine/response-parser.js';
import { encodeRequestFromPairs } from '../engine/request-wire.js';
import type { ErrorOf } from '../engine/slice-recorder.js';
import type { ArrivalUser, UserSession } from '../engine/user-session.js';
import type { CompiledCapture } from './capture.js';
import { runCaptures } from './capture.js';
import { failedChecks, type CompiledCheck } from './checks.js';
import { UserCookieJar } from './cookie-jar.js';
import { InspectedResponse, type ReceivedResponse } from './inspected-response.js';

/**
 * One user that follows a behaviour: flows from a scenario file, or a scenario module's code. It
 * runs onStart once, then one flow per iteration (picked by weight), each request on its own
 * keep-alive connection, carrying its values (captures, data rows), its cookies, and following
 * redirects. Every request goes through the same recorder as the weighted mix: µs histograms per
 * name, errors by type; a failed check or capture counts as the request's error.
 */

/** A request of a flow, ready to send (templates rendered, or built by a scenario module). */
export interface FlowRequest {
  name: string;
  method: HttpMethod;
  /** Path and query, relative to the target's base path. */
  path: string;
  headers: ReadonlyArray<readonly [string, string]>;
  body: string | undefined;
  checks: readonly CompiledCheck[];
  /** Captures into `values` (flows only); the first that finds nothing stops the iteration. */
  captures?: readonly CompiledCapture[];
  redirects: number;
  /**
   * What of the response its checks, captures or code read (KEEP_* bits of response-parser.ts);
   * cookies and redirects are always read. Copying a head or a body nobody reads costs every request.
   */
  keep: number;
}

/** How a request ended, as the behaviour sees it. */
export interface FlowExchange {
  /** The final response (after redirects), or undefined when none came (a timeout, a refused connection). */
  response: InspectedResponse | undefined;
  /** Whether the request counted as an error (its checks, its status, its captures, or no response). */
  failed: boolean;
  /** A capture found nothing: the iteration stops. */
  captureFailed: boolean;
}

/** What a behaviour does with a user: flows (compiled-flow-program.ts) or a module's functions. */
export interface FlowProgram {
  /** Runs once per user before its first iteration; false when it stopped early (a capture). */
  onStart?(user: FlowUser): Promise<boolean>;
  /** The flow of the next iteration, by weight. */
  pick(): { name: string; run(user: FlowUser): Promise<boolean> };
}

/** Thrown into a behaviour whose user is leaving (the slice ends, a step retires it). */
export class UserStopped extends Error {
  constructor() {
    super('the user has stopped');
    this.name = 'UserStopped';
  }
}

/** The `cookie` header a flow step gave itself, if any. */
function explicitCookie(headers: FlowRequest['headers']): string | undefined {
  for (const [name, value] of headers) if (name.toLowerCase() === 'cookie') return value;
  return undefined;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** How a hop ended: a response, a failure, or never sent (the slice ended first). */
type HopOutcome = { received: ReceivedResponse; head: KeptHead; now: number } | { error: Error; now: number } | { unsent: true };
const UNSENT: HopOutcome = { unsent: true };

/** Where a hop goes: the target's origin, or (after a redirect elsewhere) another one. */
interface HopTarget {
  origin: string;
  host: string;
  /** Path and query, as sent. */
  path: string;
  /** Parsed only for a redirect: where its Location resolves from, and another origin's endpoint. */
  url: URL | undefined;
}

export class FlowUser implements ArrivalUser, ResponseHandler {
  /** Captured values and data rows, by slot (compile-flows.ts); a module's user keeps `vars` instead. */
  readonly values: unknown[];
  readonly cookies = new UserCookieJar();
  private readonly connections = new Map<string, HttpConnection>();
  private readonly basePath: string;
  private retiring = false;
  private ended = false;
  /** The hop in flight: its promise's resolver, and the connection it went on. */
  private resolveHop: ((outcome: HopOutcome) => void) | undefined;
  private hopConnection: HttpConnection | undefined;
  private pause: { timer: NodeJS.Timeout; resolve: () => void } | undefined;
  /** The request waiting for the session's batch to write it (its bytes), and when the last one was written. */
  private queuedWire: Buffer | undefined;
  private queuedHead = false;
  private queuedKeep = 0;
  private sentAt = 0;
  private readonly origin: string;
  /** Open model: onStart has run (it runs at the user's first arrival). */
  private startedUp = false;
  /** Open model: the arrival's intended time, for the latency of the iteration's first request. */
  private intendedAt: number | undefined;

  constructor(
    readonly session: UserSession,
    private readonly program: FlowProgram,
    readonly userNumber: number,
    values: unknown[],
  ) {
    this.values = values;
    this.basePath = session.target.pathname.replace(/\/+$/, '');
    this.origin = session.target.origin;
  }

  get active(): boolean {
    return !this.session.stopping && !this.retiring && !this.ended;
  }

  start(): void {
    if (this.session.stopping) return;
    this.session.userStarted();
    void this.loop();
  }

  retire(): void {
    this.retiring = true;
    this.wake();
    if (!this.resolveHop) this.end();
  }

  stop(): void {
    this.wake();
  }

  private async loop(): Promise<void> {
    const recorder = () => this.session.recorder;
    try {
      if (this.program.onStart && !(await this.runIteration('onStart', (user) => this.program.onStart!(user)))) {
        // A user whose onStart failed (its login, say) cannot run its flows: it tries again next turn.
        while (this.active && !(await this.runIteration('onStart', (user) => this.program.onStart!(user)))) await this.think();
      }
      while (this.active) {
        const flow = this.program.pick();
        await this.runIteration(flow.name, (user) => flow.run(user));
        if (this.active) await this.think();
      }
    } catch (error) {
      if (!(error instanceof UserStopped)) recorder().recordIteration('(user)', 'script', performance.now(), error);
    } finally {
      this.end();
    }
  }

  /**
   * Open model: one arrival, one iteration (onStart first, at the user's first arrival). Its first
   * request is measured from the arrival's intended time, so a late arrival shows in the latency.
   */
  async iterate(intendedAt: number): Promise<void> {
    if (!this.active) return;
    this.intendedAt = intendedAt;
    try {
      if (this.program.onStart && !this.startedUp) {
        this.startedUp = await this.runIteration('onStart', (user) => this.program.onStart!(user));
        if (!this.startedUp) return;
      }
      const flow = this.program.pick();
      await this.runIteration(flow.name, (user) => flow.run(user));
    } catch (error) {
      if (!(error instanceof UserStopped)) this.session.recorder.recordIteration('(user)', 'script', performance.now(), error);
    } finally {
      this.intendedAt = undefined;
    }
  }

  /** One iteration, recorded as it ended; true when it completed. */
  private async runIteration(name: string, run: (user: FlowUser) => Promise<boolean>): Promise<boolean> {
    let completed: boolean;
    try {
      completed = await run(this);
    } catch (error) {
      if (error instanceof UserStopped || !this.active) throw new UserStopped();
      this.session.recorder.recordIteration(name, 'script', performance.now(), error);
      return false;
    }
    // It ended on its own (completed, or at a capture that found nothing), even if the slice ends now.
    this.session.recorder.recordIteration(name, completed ? 'completed' : 'capture', performance.now());
    if (!this.active) throw new UserStopped();
    return completed;
  }

  /** The scenario's think time between iterations. */
  private think(): Promise<void> {
    return this.sleep(this.session.thinkTimeMs());
  }

  /** Pauses the user; a stop or retirement ends the pause at once (then UserStopped). */
  async sleep(milliseconds: number): Promise<void> {
    if (!this.active) throw new UserStopped();
    if (milliseconds > 0) {
      await new Promise<void>((resolve) => {
        this.pause = { timer: setTimeout(resolve, milliseconds), resolve };
      });
      this.pause = undefined;
    } else {
      // A turn of the event loop, as the weighted mix waits between requests.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (!this.active) throw new UserStopped();
  }

  private wake(): void {
    if (!this.pause) return;
    clearTimeout(this.pause.timer);
    this.pause.resolve();
  }

  /**
   * Sends a request as this user, following redirects (each hop recorded under the request's name),
   * with its cookies; checks and captures run on the final response, which is then recorded.
   */
  async exchange(request: FlowRequest): Promise<FlowExchange> {
    if (!this.active) throw new UserStopped();
    // The target's origin: no URL is parsed per request unless a redirect leads elsewhere.
    let target: HopTarget = { origin: this.origin, host: this.session.target.host, path: `${this.basePath}${request.path}`, url: undefined };
    let method = request.method;
    let body = request.body;
    for (let hop = 0; ; hop++) {
      // No new request once the slice ends or the user leaves, not even a redirect's next hop.
      if (hop > 0 && !this.active) throw new UserStopped();
      const sent = await this.sendHop(target, request.headers, method, body, KEEP_PICKS | request.keep);
      if ('unsent' in sent) {
        // The slice ended before the batch wrote it: never sent, so nothing to record.
        this.session.inFlight--;
        if (this.session.stopping) this.session.userDrained();
        throw new UserStopped();
      }
      // The arrival's first request (open model): its latency counts from when it was due (coordinated omission).
      const intendedAt = this.intendedAt;
      this.intendedAt = undefined;
      // Recorded before the request counts as ended: a slice that drains settles only after it.
      try {
        const recorder = this.session.recorder;
        const stats = this.session.names.stats(request.name);
        if ('error' in sent) {
          recorder.recordFailure({ stats }, sent.error, sent.now);
          // Captures had nothing to read: later steps would use stale values, so the iteration stops.
          return { response: undefined, failed: true, captureFailed: (request.captures?.length ?? 0) > 0 };
        }
        const { received, head, now } = sent;
        const durationUs = received.durationMs * 1000;
        const latencyUs = intendedAt === undefined ? durationUs : (now - intendedAt) * 1000;
        const href = `${target.origin}${target.path}`;
        if (head.setCookies.length > 0) this.cookies.store(head.setCookies, href);
        const location = head.location;
        if (REDIRECTS.has(received.status) && location !== undefined && hop < request.redirects) {
          const next = new URL(location, target.url ?? href);
          if (!this.session.mayRedirectTo(next)) {
            // The hop ends here, as an error: the target's answer is recorded, its Location is not loaded.
            const failure = { type: 'blocked' as const, message: `${request.name}: redirect to ${next.host} not followed: not in this stack's allowedTargets` };
            recorder.recordJudgedResponse(stats, received.status, latencyUs, durationUs, now, failure);
            return { response: new InspectedResponse(received), failed: true, captureFailed: (request.captures?.length ?? 0) > 0 };
          }
          recorder.recordJudgedResponse(stats, received.status, latencyUs, durationUs, now, undefined);
          target = { origin: next.origin, host: next.host, path: `${next.pathname}${next.search}`, url: next };
          // 303, and 301/302 after a POST (as browsers and k6 do), go on as a GET without the body.
          if (received.status === 303 || ((received.status === 301 || received.status === 302) && method === 'POST')) {
            method = 'GET';
            body = undefined;
          }
          continue;
        }
        const response = new InspectedResponse(received);
        const failure = this.judge(request, response);
        recorder.recordJudgedResponse(stats, received.status, latencyUs, durationUs, now, failure);
        return { response, failed: failure !== undefined, captureFailed: failure?.type === 'capture' };
      } finally {
        this.session.inFlight--;
        if (this.session.stopping) this.session.userDrained();
      }
    }
  }

  /** The error a final response counts as: its checks, else its status (any 2xx without a status check), else its captures. */
  private judge(request: FlowRequest, response: InspectedResponse): ErrorOf | undefined {
    const recorder = this.session.recorder;
    const failed = failedChecks(request.checks, response);
    for (const check of request.checks) recorder.recordCheck(request.name, check.name, failed.length === 0 || !failed.includes(check.name));
    let failure: ErrorOf | undefined;
    if (failed.length > 0) failure = { type: 'check', message: `${request.name}: ${failed.join(', ')}` };
    else if (!request.checks.some((check) => check.kind === 'status') && (response.status < 200 || response.status >= 300)) {
      failure = { type: 'http_status', message: `unexpected status ${response.status}` };
    }
    if (request.captures && request.captures.length > 0) {
      const captureFailure = runCaptures(request.captures, response, this.values);
      if (captureFailure) return failure ?? { type: 'capture', message: `${request.name}: ${captureFailure.capture}: ${captureFailure.reason}` };
    }
    return failure;
  }

  /**
   * Sends one request (one hop) on the connection to its origin; resolves as it ends, counted in
   * flight until the caller records it. The write joins the session's batch: the loop reads every
   * ready response first and then writes the next requests together, as the weighted mix does.
   */
  private sendHop(target: HopTarget, ownHeaders: FlowRequest['headers'], method: HttpMethod, body: string | undefined, keep: number): Promise<HopOutcome> {
    let headers = ownHeaders;
    const jarCookie = this.cookies.isEmpty ? undefined : this.cookies.cookieHeader(`${target.origin}${target.path}`);
    if (jarCookie !== undefined) {
      const own = explicitCookie(ownHeaders);
      headers = [...ownHeaders.filter(([name]) => name.toLowerCase() !== 'cookie'), ['cookie', own === undefined ? jarCookie : `${own}; ${jarCookie}`]];
    }
    // A rendered value that cannot go on the wire (a space in a path, say) throws here: the
    // scenario's error (type script), not a request.
    this.queuedWire = encodeRequestFromPairs(method, target.path, headers, body, target.host);
    this.queuedHead = method === 'HEAD';
    this.queuedKeep = keep;
    this.hopConnection = this.connectionTo(target);
    this.session.inFlight++;
    this.session.sendSoon(this);
    return new Promise((resolve) => (this.resolveHop = resolve));
  }

  /** The session's batch writes the queued request now (or, once the slice has ended, drops it unsent). */
  send(): void {
    const wire = this.queuedWire;
    if (!wire) return;
    this.queuedWire = undefined;
    if (this.session.stopping) {
      this.settleHop(UNSENT);
      return;
    }
    this.sentAt = performance.now();
    this.hopConnection!.sendBytes(wire, this.queuedHead, this.sentAt, this.queuedKeep);
  }

  private settleHop(outcome: HopOutcome): void {
    const resolve = this.resolveHop;
    if (!resolve) return;
    this.resolveHop = undefined;
    resolve(outcome);
  }

  private connectionTo(target: HopTarget): HttpConnection {
    let connection = this.connections.get(target.origin);
    if (!connection) {
      connection = this.session.connectionFor(this, target.url);
      this.connections.set(target.origin, connection);
    }
    return connection;
  }

  onResponse(status: number, now: number): void {
    const connection = this.hopConnection!;
    const head = connection.responseHead();
    const body = connection.responseBody();
    const received: ReceivedResponse = {
      status,
      get headers() {
        return head.headers;
      },
      body,
      durationMs: now - this.sentAt,
    };
    this.settleHop({ received, head, now });
  }

  onFailure(error: Error, now: number): void {
    this.settleHop({ error, now });
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.wake();
    for (const connection of this.connections.values()) this.session.closeConnection(connection);
    this.connections.clear();
    this.session.userEnded(this);
  }
}
