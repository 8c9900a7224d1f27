/**
 * The `fanout` package entry, for scenarios written as TypeScript modules:
 *
 *   import { defineScenario } from 'fanout';
 *   export default defineScenario({ name: 'shop', target: 'http://127.0.0.1:8080', flows: [ … ] });
 *
 * `npx fanout run shop.ts` type-checks the module against these types and bundles it (resolving
 * `fanout` to this package, so the module's folder needs no node_modules). The types are written out
 * here, rather than derived from the zod schemas, because they are what a scenario author reads in
 * an editor; loadScenarioModule validates the default export with the schemas at load time.
 *
 * Keep this file free of runtime imports: it is bundled into every scenario module.
 */

/** `'500ms'`, `'30s'`, `'5m'`, `'1h'`; a bare number is seconds, as in scenario files. */
export type Duration = string | number;

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/** A data cell: CSV cells are strings; JSON data files may also hold numbers, booleans and null. */
export type DataValue = string | number | boolean | null;

/** Expectations on a response; each failed one is an error of type `check` naming it. */
export interface Expect {
  /** The status must be one of these. Without it, any 2xx. */
  status?: number[];
  /** The body must contain this text. */
  bodyContains?: string;
  /** `{ path: '$.id', equals: 42 }` (deep, strict), `{ path: '$.items', exists: true }`; `{ path }` alone means exists. */
  json?: Array<{ path: string; equals?: unknown; exists?: boolean }>;
  /** The response must take at most this long. */
  maxDuration?: Duration;
}

export interface FlowRequest {
  /** How the report names it; `METHOD path` when left out. Give one when the path varies. */
  name?: string;
  /** GET when left out. */
  method?: HttpMethod | Lowercase<HttpMethod>;
  /** Relative to the scenario's target, starting with `/`. */
  path: string;
  headers?: Record<string, string>;
  /** A text body; or `json`, not both. */
  body?: string;
  /** Sent as JSON, with `content-type: application/json` unless a header says otherwise. */
  json?: unknown;
  expect?: Expect;
  /** Redirects to follow, like k6 (default 10; 0 returns the 3xx response). */
  redirects?: number;
}

export interface FlowResponse {
  status: number;
  /** Lower-case names; a header sent more than once as an array. */
  headers: Record<string, string | string[]>;
  /** The body as UTF-8 text. */
  body: string;
  /**
   * The body parsed as JSON (it throws when the body is not JSON). Typed `any` on purpose, so that
   * `res.json().items[0].id` reads as in JavaScript; give a type to check it: `res.json<Cart>()`.
   */
  json<T = any>(): T;
  /** From the send to the last byte of the final response. */
  durationMs: number;
}

/** One simulated user. Its cookies are kept between its requests, as a browser keeps them. */
export interface VirtualUser {
  /** Sends a request as this user and resolves with the final response (after redirects); failed expectations are recorded as errors, they do not throw. */
  request(request: FlowRequest): Promise<FlowResponse>;
  /** Pauses this user: `'100ms'`, or uniformly between `{ min, max }`. */
  think(duration: Duration | { min: Duration; max: Duration }): Promise<void>;
  /** This user's own values, kept across its iterations (a token from onStart). */
  vars: Record<string, unknown>;
  /** This user's row of each data set: `user.data.accounts.password`. */
  readonly data: Record<string, Record<string, DataValue>>;
  /** 0, 1, 2, … across the whole run. */
  readonly userNumber: number;
}

export interface ScenarioFlow {
  name: string;
  /** How often this flow is picked, relative to the others' weights (default 1). */
  weight?: number;
  /** One iteration of this flow for one user. */
  run(user: VirtualUser): Promise<void> | void;
}

export interface LoadOptions {
  model?: 'closed' | 'open';
  users?: number;
  spawnRate?: number;
  rate?: number;
  duration?: Duration;
  /** `'100:1000:100'`, `{ from, to, step }` or a list of levels. */
  steps?: string | { from: number; to: number; step: number } | number[];
  stepDuration?: Duration;
  workers?: number;
  sliceDuration?: Duration;
  maxInFlight?: number;
  timeout?: Duration;
}

export interface ScenarioModule {
  name?: string;
  /** An http(s) URL, or `'demo'` for the built-in demo target. */
  target?: string;
  demo?: { slots?: number; serviceTime?: Duration; port?: number };
  /** Data files, relative to the module: each user gets one row (`unique`, `sequential`, `random`). */
  data?: Record<string, { file: string; pick?: 'unique' | 'sequential' | 'random' }>;
  /** Runs once per user, before its first iteration (a login). */
  onStart?(user: VirtualUser): Promise<void> | void;
  /** Each iteration runs one, picked by weight. */
  flows: ScenarioFlow[];
  /** A pause after each iteration. */
  thinkTime?: Duration | { min: Duration; max: Duration };
  load?: LoadOptions;
  /** `'p95<1s'`: judged per step, to name the knee. */
  slo?: string;
  /** `['errors<1%']`: judged on the totals; a broken one exits 99. */
  thresholds?: string[];
}

/**
 * Returns the scenario as it is: it exists for the types, so that `user` is typed in every flow
 * and a misspelt field is an error (not generic on purpose: a type parameter would let unknown
 * fields through).
 */
export function defineScenario(scenario: ScenarioModule): ScenarioModule {
  return scenario;
}
