import { z } from 'zod';
import { durationMs } from './duration.js';
import { atMost, INPUT_LIMITS } from './input-limits.js';
import { oneBody, requestFields } from './request-fields.js';
import { thinkTimeSpec } from './think-time.js';
import { CriterionSyntaxError, parseCriteria } from '../slo/criterion.js';
import { dataSpec, flowsSpec, onStartSpec, variablesSpec } from '../flow/flow-schema.js';

/**
 * The one schema for every outside input that describes a run: scenario files, CLI flags (mapped
 * onto the same fields) and, on AWS, the API's POST /runs body. Types are derived from it.
 */

const positiveInt = z.coerce.number().int('expected a whole number').positive('expected a number above 0');
const positiveNumber = z.coerce.number().positive('expected a number above 0');
/** Users or req/s of one step: either model's largest. */
const MAX_LEVEL = Math.max(INPUT_LIMITS.users, INPUT_LIMITS.rate);

export const stepsSpec = z.union([
  z.string().transform((text, ctx) => {
    const match = /^\s*(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
    if (!match) {
      ctx.addIssue({ code: 'custom', message: `expected FROM:TO:STEP such as 1000:20000:1000, got ${JSON.stringify(text)}` });
      return z.NEVER;
    }
    return { from: Number(match[1]), to: Number(match[2]), step: Number(match[3]) };
  }),
  z.object({ from: positiveNumber, to: positiveNumber, step: positiveNumber }).strict(),
  z.array(positiveNumber).min(1, 'expected at least one step'),
]).transform((spec, ctx): number[] => {
  // Checked here rather than in the union's branches, whose failures zod reports only as "Invalid input".
  if (Array.isArray(spec)) {
    if (spec.length > INPUT_LIMITS.steps) ctx.addIssue({ code: 'custom', message: `${atMost(INPUT_LIMITS.steps)} steps, got ${spec.length}` });
    const tooHigh = spec.find((level) => level > MAX_LEVEL);
    if (tooHigh !== undefined) ctx.addIssue({ code: 'custom', message: `a step of ${tooHigh} is above the most a step may have (${MAX_LEVEL.toLocaleString('en-US')})` });
    return spec;
  }
  if (spec.to > MAX_LEVEL) {
    ctx.addIssue({ code: 'custom', message: `TO (${spec.to}) is above the most a step may have (${MAX_LEVEL.toLocaleString('en-US')})` });
    return z.NEVER;
  }
  if (spec.to < spec.from) {
    ctx.addIssue({ code: 'custom', message: `TO (${spec.to}) is below FROM (${spec.from})` });
    return z.NEVER;
  }
  if (spec.step <= 0) {
    ctx.addIssue({ code: 'custom', message: 'STEP must be above 0' });
    return z.NEVER;
  }
  const levels: number[] = [];
  for (let level = spec.from; level <= spec.to + 1e-9 && levels.length <= INPUT_LIMITS.steps; level += spec.step) levels.push(+level.toFixed(6));
  if (levels.length > INPUT_LIMITS.steps) {
    ctx.addIssue({ code: 'custom', message: `more than ${INPUT_LIMITS.steps} steps; use a larger STEP` });
    return z.NEVER;
  }
  return levels;
});

export const criteriaExpression = z.string().superRefine((text, ctx) => {
  try {
    parseCriteria(text);
  } catch (error) {
    if (!(error instanceof CriterionSyntaxError)) throw error;
    ctx.addIssue({ code: 'custom', message: error.message });
  }
});

export const requestSpec = z
  .object({
    ...requestFields,
    weight: positiveNumber.default(1),
    expect: z
      .object({ status: z.array(z.coerce.number().int().min(100).max(599)).min(1) })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine(oneBody);

const targetUrl = z.string().superRefine((value, ctx) => {
  if (value === 'demo') return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `expected an http(s) URL or "demo", got ${JSON.stringify(value)}` });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: `expected an http or https URL, got protocol ${url.protocol}` });
  }
});

export const demoSpec = z
  .object({
    slots: positiveInt.default(8),
    serviceTime: durationMs.default(20),
    port: z.coerce.number().int().min(0).max(65535).default(0),
  })
  .strict();

export const loadSpec = z
  .object({
    model: z.enum(['closed', 'open']).optional(),
    users: positiveInt.max(INPUT_LIMITS.users, atMost(INPUT_LIMITS.users)).optional(),
    spawnRate: positiveNumber.max(INPUT_LIMITS.rate, atMost(INPUT_LIMITS.rate)).optional(),
    rate: positiveNumber.max(INPUT_LIMITS.rate, atMost(INPUT_LIMITS.rate)).optional(),
    duration: durationMs.optional(),
    steps: stepsSpec.optional(),
    stepDuration: durationMs.optional(),
    workers: positiveInt.max(INPUT_LIMITS.workers, atMost(INPUT_LIMITS.workers)).optional(),
    sliceDuration: durationMs.optional(),
    maxInFlight: positiveInt.max(INPUT_LIMITS.maxInFlight, atMost(INPUT_LIMITS.maxInFlight)).optional(),
    timeout: durationMs.optional(),
    /** The first part of every slice, measured apart and kept out of the steps (JIT, new connections). */
    warmUp: durationMs.optional(),
  })
  .strict();

/** `tls:` options; files are read relative to the scenario file (the CLI sends their text). */
export const tlsSpec = z
  .object({
    /** Accept any server certificate (a self-signed staging host); the report warns. */
    insecure: z.boolean().default(false),
    ca: z.string().min(1).optional(),
    cert: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
    servername: z.string().min(1).optional(),
  })
  .strict()
  .refine((tls) => (tls.cert === undefined) === (tls.key === undefined), { message: 'a client certificate needs its key, and a key its certificate', path: ['key'] });

/** A bundled scenario module as `fanout run shop.ts` sends it: the code, run by the workers only. */
export const moduleSpec = z
  .object({
    code: z.string().min(1),
    /** The module's file, for messages. */
    file: z.string().min(1),
    flows: z.array(z.object({ name: z.string().min(1), weight: z.number().positive() }).strict()).min(1),
    onStart: z.boolean(),
  })
  .strict();

/** The scenario's fields before the rules that span them; scenario modules reuse some of them. */
export const scenarioFields = {
  name: z.string().optional(),
  target: targetUrl.optional(),
  demo: demoSpec.optional(),
  requests: z.array(requestSpec).min(1, 'expected at least one request').max(INPUT_LIMITS.requests, `${atMost(INPUT_LIMITS.requests)} requests`).optional(),
  /** Headers whose values are credentials, beyond authorization, cookie, x-api-key and credential-like names. */
  secretHeaders: z.array(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'expected a header name')).max(100).optional(),
  /** Query parameters whose values are credentials, beyond credential-like names (token, key, secret, …). */
  secretQuery: z.array(z.string().min(1)).max(100).optional(),
  variables: variablesSpec.optional(),
  data: dataSpec.optional(),
  onStart: onStartSpec.optional(),
  flows: flowsSpec.optional(),
  /**
   * The values of the `${env:NAME}` the flows read. The CLI fills it from its environment; a
   * stack never reads its own (its functions' environment holds its credentials).
   */
  environment: z.record(z.string(), z.string()).optional(),
  module: moduleSpec.optional(),
  tls: tlsSpec.optional(),
  thinkTime: thinkTimeSpec.optional(),
  load: loadSpec.default({}),
  slo: criteriaExpression.optional(),
  thresholds: z.array(criteriaExpression).default([]),
};

export const scenarioSchema = z
  .object(scenarioFields)
  .strict()
  .superRefine((scenario, ctx) => {
    // requests: is today's weighted mix, sent as written; flows: model users, with templates.
    if (scenario.requests !== undefined && scenario.flows !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'give either requests or flows, not both', path: ['flows'] });
    }
    if (scenario.module !== undefined && (scenario.requests !== undefined || scenario.flows !== undefined)) {
      ctx.addIssue({ code: 'custom', message: 'a scenario module brings its own flows: no requests or flows beside it', path: ['module'] });
    }
    if (scenario.flows === undefined) {
      for (const field of ['onStart', 'variables'] as const) {
        if (scenario[field] !== undefined) ctx.addIssue({ code: 'custom', message: 'only applies with flows (requests are sent as written)', path: [field] });
      }
      if (scenario.data !== undefined && scenario.module === undefined) {
        ctx.addIssue({ code: 'custom', message: 'only applies with flows or a scenario module (requests are sent as written)', path: ['data'] });
      }
    }
  });

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
export type RequestSpec = z.output<typeof requestSpec>;
export type LoadSpec = z.output<typeof loadSpec>;
export type DemoSpec = z.output<typeof demoSpec>;
export type TlsSpec = z.output<typeof tlsSpec>;
export type ModuleSpec = z.output<typeof moduleSpec>;
