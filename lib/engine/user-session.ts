import type { HttpConnection, ResponseHandler } from './http-connection.js';
import type { RequestNames } from './request-names.js';
import type { SliceRecorder } from './slice-recorder.js';

/**
 * One user of the closed model, whatever drives it: the weighted mix of `requests:` (closed-model.ts)
 * or a behaviour written as flows or as a scenario module (lib/flow). The session starts users at
 * the spawn rate, retires the newest ones when a step lowers the count, and stops them all at the end.
 */
export interface SessionUser {
  start(): void;
  /** Leaves the test: at once when idle, after its request in flight otherwise. */
  retire(): void;
  /** The slice is ending: cancel pauses (requests in flight are cut or drained by the session). */
  stop(): void;
}

/** What a user may use of its session. */
export interface UserSession {
  /** Set at the slice's end or on a stop: no new request goes out. */
  readonly stopping: boolean;
  /** The current step's recorder (it changes at step boundaries: read it at each record). */
  readonly recorder: SliceRecorder;
  /** The current step's counters by request name. */
  readonly names: RequestNames;
  /** Requests in flight in the session: a user adds one as it sends and removes it as it ends. */
  inFlight: number;
  /** The target, as the scenario gives it (its origin is where the users' connections go). */
  readonly target: URL;
  /** Whether a redirect may lead there (the stack's `allowedTargets`; the target's origin always). */
  mayRedirectTo(url: URL): boolean;
  /** A keep-alive connection to the target, or to another origin (a redirect elsewhere). */
  connectionFor(handler: ResponseHandler, origin?: URL): HttpConnection;
  closeConnection(connection: HttpConnection): void;
  userStarted(): void;
  userEnded(user: SessionUser): void;
  /** After a request ends while the slice drains: the session settles once none is in flight. */
  userDrained(): void;
  /** The scenario's think time between iterations (fixed or uniform in its range). */
  thinkTimeMs(): number;
  /**
   * Writes `sender`'s request at the end of this turn of the event loop, with every other one made
   * ready in it: the loop reads all ready responses first and then writes, which costs the kernel
   * less than a write after each read.
   */
  sendSoon(sender: QueuedSender): void;
}

/** A user whose next request waits for the session's batch. */
export interface QueuedSender {
  send(): void;
}

/**
 * A user of the open model: arrivals, not the user, set the pace. Each arrival runs one iteration
 * (onStart first, once), its first request measured from the arrival's intended time.
 */
export interface ArrivalUser extends SessionUser {
  iterate(intendedAt: number): Promise<void>;
}

/** Makes the users of a slice: `userNumber` counts users across the whole run (for data rows). */
export type UserFactory = (session: UserSession, userNumber: number) => ArrivalUser;
