import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InputError, problemsFromZod, type InputProblem } from './input-error.js';
import type { TlsSettings } from '../engine/http-connection.js';
import { resolveFlowSettings, resolveModuleSettings, type FlowSettings, type ModuleSettings } from '../flow/flow-settings.js';
import { INPUT_LIMITS } from './input-limits.js';
import { resolveTarget } from './target-url.js';
import { scenarioSchema, type DemoSpec, type RequestSpec, type Scenario, type ScenarioInput } from './scenario-schema.js';

/** Everything a run needs, resolved from a scenario file and flags (flags win), defaults applied. */
export interface RunSettings {
  name: string;
  /** An http(s) URL, or "demo" for the built-in capacity-limited target. */
  target: string;
  demo: DemoSpec | undefined;
  /** Paths joined with the target's base path; credentials in the target already made a header. */
  requests: NamedRequest[];
  /** No scenario requests were given: the one request is the target URL itself. */
  requestsFromTarget: boolean;
  /** Users that follow flows (`flows:`); `requests` is then empty. */
  flows: FlowSettings | undefined;
  /** Users driven by a scenario module's code (`fanout run shop.ts`); `requests` is then empty. */
  module: ModuleSettings | undefined;
  /** `tls:` and `--insecure`, files read. */
  tls: TlsSettings | undefined;
  thinkTime: { minMs: number; maxMs: number };
  model: 'closed' | 'open';
  /** Users (closed model) or arrival rate in req/s (open model), one entry per step. */
  levels: number[];
  stepDurationMs: number;
  /** Closed model: users started per second when the user count rises. */
  spawnRate: number;
  workers: number | undefined;
  /** Undefined: the platform's default (the whole run on one machine, 5 minutes on AWS). */
  sliceDurationMs: number | undefined;
  maxInFlight: number | undefined;
  timeoutMs: number;
  /** The first part of every slice, measured apart and kept out of the steps' results (0: none). */
  warmUpMs: number;
  slo: string | undefined;
  thresholds: string[];
  /** Further headers and query parameters whose values are credentials (lib/secrets names the usual ones). */
  secretHeaders?: string[];
  secretQuery?: string[];
}

export type NamedRequest = Omit<RequestSpec, 'name'> & { name: string };

export const DEFAULT_DURATION_MS = 30_000;
export const MAX_SLICE_MS = 14 * 60_000;
export const DEFAULT_TIMEOUT_MS = 30_000;

/** The `run` command's flags as commander hands them over: strings, before validation. */
export interface RunFlags {
  target?: string;
  users?: string;
  spawnRate?: string;
  duration?: string;
  rate?: string;
  model?: string;
  steps?: string;
  stepDuration?: string;
  workers?: string;
  sliceDuration?: string;
  maxInFlight?: string;
  timeout?: string;
  warmUp?: string;
  insecure?: boolean;
  thinkTime?: string;
  slo?: string;
  threshold?: string[];
}

const FLAG_FOR_FIELD: Record<string, string> = {
  target: '--target',
  thinkTime: '--think-time',
  'thinkTime.min': '--think-time',
  'thinkTime.max': '--think-time',
  slo: '--slo',
  'load.users': '--users',
  'load.spawnRate': '--spawn-rate',
  'load.duration': '--duration',
  'load.rate': '--rate',
  'load.model': '--model',
  'load.steps': '--steps',
  'load.stepDuration': '--step-duration',
  'load.workers': '--workers',
  'load.sliceDuration': '--slice-duration',
  'load.maxInFlight': '--max-in-flight',
  'load.timeout': '--timeout',
  'load.warmUp': '--warm-up',
  'tls.insecure': '--insecure',
};

function flagName(path: string): string {
  if (path.startsWith('thresholds')) return '--threshold';
  return FLAG_FOR_FIELD[path] ?? path;
}

/** `load.users` → `load.users (--users)`: a field named for both a scenario file and the CLI. */
export function fieldLabel(path: string): string {
  const flag = FLAG_FOR_FIELD[path];
  return flag ? `${path} (${flag})` : path;
}

function defined<T extends object>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function thinkTimeFromFlag(text: string): ScenarioInput['thinkTime'] {
  const range = /^(.+?)(?:\.\.|-)(.+)$/.exec(text.trim());
  return range ? { min: range[1]!.trim(), max: range[2]!.trim() } : text;
}

function scenarioFromFlags(flags: RunFlags): Scenario {
  const raw = defined({
    target: flags.target,
    thinkTime: flags.thinkTime === undefined ? undefined : thinkTimeFromFlag(flags.thinkTime),
    slo: flags.slo,
    thresholds: flags.threshold,
    tls: flags.insecure ? { insecure: true } : undefined,
    load: defined({
      model: flags.model,
      users: flags.users,
      spawnRate: flags.spawnRate,
      duration: flags.duration,
      rate: flags.rate,
      steps: flags.steps,
      stepDuration: flags.stepDuration,
      workers: flags.workers,
      sliceDuration: flags.sliceDuration,
      maxInFlight: flags.maxInFlight,
      timeout: flags.timeout,
      warmUp: flags.warmUp,
    }),
  });
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(problemsFromZod(parsed.error, flagName));
  return parsed.data;
}

/** Reads a YAML or JSON scenario file; any problem names the file and the field. */
export async function readScenarioFile(path: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError([{ field: path, message: `cannot read the scenario file (${(error as NodeJS.ErrnoException).code ?? String(error)})` }]);
  }
  let document: unknown;
  try {
    document = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new InputError([{ field: path, message: `not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message}` }]);
  }
  return parseScenario(document ?? {}, path);
}

/** Validates a scenario document (a parsed file or an API body). */
export function parseScenario(document: unknown, source: string): Scenario {
  const parsed = scenarioSchema.safeParse(document);
  if (!parsed.success) throw new InputError(problemsFromZod(parsed.error, (field) => `${source}: ${field}`));
  return parsed.data;
}

function mergeScenarios(file: Scenario | undefined, flags: Scenario): Scenario {
  if (!file) return flags;
  return {
    ...file,
    ...defined({ target: flags.target, thinkTime: flags.thinkTime, slo: flags.slo }),
    ...(flags.tls ? { tls: { ...file.tls, ...flags.tls } } : {}),
    load: { ...file.load, ...defined(flags.load) },
    thresholds: [...file.thresholds, ...flags.thresholds],
  };
}

/** Applies defaults and the rules that span fields (exactly one way to say the load, and so on). */
export function resolveRunSettings(scenario: Scenario): RunSettings {
  const problems: InputProblem[] = [];
  const problem = (path: string, message: string) => problems.push({ field: fieldLabel(path), message });
  const load = scenario.load;

  if (scenario.target === undefined) problem('target', 'required: a URL to load (or "demo")');
  if (scenario.demo && scenario.target !== 'demo') problem('demo', 'only applies when target is "demo"');

  const model = load.model ?? (load.rate !== undefined && load.users === undefined ? 'open' : 'closed');
  if (model === 'closed' && load.rate !== undefined) problem('load.rate', 'an arrival rate needs the open model; drop --users or set --model open');
  if (model === 'open' && load.users !== undefined) problem('load.users', 'the open model has no users; give --rate (req/s) instead');
  if (model === 'open' && load.spawnRate !== undefined) problem('load.spawnRate', 'only applies to the closed model (users)');
  if (model === 'closed' && load.maxInFlight !== undefined) problem('load.maxInFlight', 'only applies to the open model (--rate)');
  const single = model === 'closed' ? load.users : load.rate;
  if (load.steps !== undefined && single !== undefined) {
    problem('load.steps', `give either steps or ${model === 'closed' ? 'users' : 'rate'}, not both`);
  }

  let levels: number[] = load.steps ?? (single !== undefined ? [single] : []);
  if (levels.length === 0) problem(model === 'closed' ? 'load.users' : 'load.rate', `required: how much load (or load.steps)`);
  if (model === 'closed') {
    const fractional = levels.find((level) => !Number.isInteger(level));
    if (fractional !== undefined) problem('load.steps', `users must be whole numbers, got ${fractional}`);
  }

  let stepDurationMs: number;
  if (levels.length > 1 || load.steps !== undefined) {
    if (load.stepDuration !== undefined) stepDurationMs = load.stepDuration;
    else if (load.duration !== undefined) stepDurationMs = load.duration / levels.length;
    else {
      problem('load.stepDuration', 'required with steps (or give duration, which is then split over the steps)');
      stepDurationMs = 0;
    }
  } else {
    if (load.stepDuration !== undefined && load.duration !== undefined) problem('load.stepDuration', 'give duration or stepDuration, not both');
    stepDurationMs = load.duration ?? load.stepDuration ?? DEFAULT_DURATION_MS;
  }
  if (problems.length === 0 && stepDurationMs < 1000) problem(load.steps ? 'load.stepDuration' : 'load.duration', 'must be at least 1s');
  if (problems.length === 0 && stepDurationMs * levels.length > INPUT_LIMITS.durationMs) {
    problem(load.stepDuration !== undefined ? 'load.stepDuration' : 'load.duration', `the whole run may last at most ${INPUT_LIMITS.durationText}; ${levels.length} steps of this length last longer`);
  }

  const sliceDurationMs = load.sliceDuration;
  if (sliceDurationMs !== undefined && (sliceDurationMs < 1000 || sliceDurationMs > MAX_SLICE_MS)) {
    problem('load.sliceDuration', 'must be between 1s and 14m (a Lambda runs at most 15 minutes)');
  }

  const timeoutMs = load.timeout ?? DEFAULT_TIMEOUT_MS;
  if (timeoutMs < 1) problem('load.timeout', 'must be above 0');

  const warmUpMs = load.warmUp ?? 0;
  const shortest = Math.min(stepDurationMs, sliceDurationMs ?? Infinity);
  if (warmUpMs > 0 && problems.length === 0 && warmUpMs > shortest / 2) {
    problem('load.warmUp', `must be at most half a step and half a slice (${Math.floor(shortest / 2)} ms here)`);
  }

  const userDriven = scenario.flows !== undefined || scenario.module !== undefined;
  if (userDriven && scenario.target !== undefined && scenario.target !== 'demo') {
    const url = new URL(scenario.target);
    if (url.username || url.password) problem('target', 'user:pass@ applies to requests:, not to flows: give the steps an authorization header');
  }
  const resolved = scenario.target === undefined ? undefined : resolveTarget(scenario.target, scenario.requests, problem);
  if (problems.length > 0) throw new InputError(problems);

  // Locust asks for a spawn rate; when none is given, ramp each step's increase over a tenth of the
  // step (at most 10 s) so that steps rise without a connection storm.
  const largestIncrease = Math.max(...levels.map((level, index) => level - (index === 0 ? 0 : levels[index - 1]!)), 1);
  const rampSeconds = Math.min(10, stepDurationMs / 10_000);
  const spawnRate = load.spawnRate ?? Math.max(1, Math.ceil(largestIncrease / rampSeconds));

  const requests = userDriven ? [] : resolved!.requests.map((request) => ({ ...request, name: request.name ?? `${request.method} ${request.path}` }));
  // Users keep their number (and so their data rows) across steps and slices: the run needs a row
  // per user of its busiest step.
  const peakUsers = model === 'closed' ? Math.max(...levels) : (load.maxInFlight ?? 0);
  if (model === 'open' && load.maxInFlight === undefined && Object.values(scenario.data ?? {}).some((spec) => spec.pick === 'unique')) {
    throw new InputError([{ field: fieldLabel('load.maxInFlight'), message: "a unique data set in the open model needs --max-in-flight: its users are its connections, one row each" }]);
  }
  const source = scenario.module?.file;
  const flows = scenario.flows !== undefined ? resolveFlowSettings(scenario, peakUsers) : undefined;
  const module = scenario.module !== undefined ? resolveModuleSettings(scenario, peakUsers, source) : undefined;
  levels = levels.map((level) => (model === 'closed' ? Math.round(level) : level));

  return {
    name: scenario.name ?? 'fanout run',
    target: resolved!.target,
    demo: scenario.target === 'demo' ? (scenario.demo ?? { slots: 8, serviceTime: 20, port: 0 }) : undefined,
    requests,
    requestsFromTarget: !userDriven && resolved!.requestsFromTarget,
    flows,
    module,
    tls: scenario.tls && { insecure: scenario.tls.insecure, ca: scenario.tls.ca, cert: scenario.tls.cert, key: scenario.tls.key, servername: scenario.tls.servername },
    thinkTime: scenario.thinkTime ?? { minMs: 0, maxMs: 0 },
    model,
    levels,
    stepDurationMs,
    spawnRate,
    workers: load.workers,
    sliceDurationMs,
    maxInFlight: load.maxInFlight,
    timeoutMs,
    warmUpMs,
    slo: scenario.slo,
    thresholds: scenario.thresholds,
    ...(scenario.secretHeaders ? { secretHeaders: scenario.secretHeaders } : {}),
    ...(scenario.secretQuery ? { secretQuery: scenario.secretQuery } : {}),
  };
}

/**
 * A scenario already read and validated (from a file, or text pasted into the web UI) with the flags
 * over it, as `settingsFromCli` resolves them.
 */
export function settingsFromScenario(file: Scenario | undefined, flags: RunFlags): RunSettings {
  const fromFlags = scenarioFromFlags(flags);
  const merged = mergeScenarios(file, fromFlags);
  if (file === undefined && flags.target === undefined) {
    throw new InputError([{ field: '--target', message: 'required: give a scenario file or --target URL' }]);
  }
  return resolveRunSettings(merged);
}
