import { z } from 'zod';
import { durationMs } from '../config/duration.js';
import { oneBody, requestFields } from '../config/request-fields.js';
import { isPlainObject, schemaByShape } from '../config/schema-by-shape.js';
import { thinkTimeSpec } from '../config/think-time.js';

/**
 * The scenario fields that model users (issue 12): `variables`, `data`, `onStart` and `flows`.
 * scenario-schema.ts adds them to the one scenario schema; the types below are derived from them.
 * Templates (`{{ … }}`, `${env:NAME}`) are plain strings here: template.ts and compile-flows.ts
 * check them, since knowing which names exist needs the data files and the step order.
 */

/** A name a template can use: a variable, a capture or a data set (its columns are `set.column`). */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const identifier = z.string().regex(IDENTIFIER, 'expected a name of letters, digits and _ (not starting with a digit)');

const positiveNumber = z.coerce.number().positive('expected a number above 0');
/** A data column: CSV headers are free text; templates can only read those that are names. */
const identifierLike = z.string().min(1, 'expected a column name');

/** Constants for templates; a string may read the environment with `${env:NAME}`. */
export const variablesSpec = z.record(identifier, z.union([z.string(), z.number()], { message: 'expected a string or a number' }));

export const DATA_PICKS = ['unique', 'sequential', 'random'] as const;
export type DataPick = (typeof DATA_PICKS)[number];

/**
 * A data file, read relative to the scenario file. Each user gets one row for its whole life:
 * `unique` (no two users of the run share a row), `sequential` (user number modulo the rows) or
 * `random` (stable per user). Sequential when left out, which never runs out of rows.
 */
const dataValue = z.union([z.string(), z.number(), z.boolean(), z.null()], { message: 'expected a string, number, boolean or null' });

export const dataSourceSpec = z
  .object({
    file: z.string().min(1, 'expected the path of a .csv or .json file'),
    pick: z.enum(DATA_PICKS, { message: `expected one of ${DATA_PICKS.join(', ')}` }).default('sequential'),
    /**
     * The file's rows, inline: how the CLI sends a scenario to the stack (it reads the file, the
     * stack has no copy of it). Given both, `columns` and `rows` are used and `file` only names them.
     */
    columns: z.array(identifierLike).min(1).optional(),
    rows: z.array(z.array(dataValue)).min(1, 'expected at least one row').optional(),
  })
  .strict()
  .superRefine((source, ctx) => {
    if ((source.columns === undefined) !== (source.rows === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give columns and rows together', path: [source.columns === undefined ? 'columns' : 'rows'] });
    }
    const width = source.columns?.length;
    source.rows?.forEach((row, index) => {
      if (row.length !== width) ctx.addIssue({ code: 'custom', message: `expected ${width} values, one per column`, path: ['rows', index] });
    });
  });

export const dataSpec = z.record(identifier, dataSourceSpec);

const CAPTURE_SOURCES = ['json', 'regex', 'header', 'status'] as const;

/**
 * Where a captured value comes from: exactly one of a JSON path (`$.token`), a regular expression
 * on the body (its group 1 by default, or the whole match when it has no group), a response header
 * or the status code. One object schema with a cross-field rule rather than a union, so that a
 * mistake is reported on its field rather than as "invalid input".
 */
export const captureSpec = z
  .object({
    json: z.string().startsWith('$', 'expected a JSON path starting with $, such as $.items[0].id').optional(),
    regex: z
      .string()
      .superRefine((pattern, ctx) => {
        try {
          new RegExp(pattern);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(error as Error).message}` });
        }
      })
      .optional(),
    group: z.union([z.number().int().min(0), identifier], { message: 'expected a group number or a group name' }).optional(),
    header: z.string().min(1).optional(),
    status: z.literal(true, { message: 'expected true' }).optional(),
  })
  .strict()
  .superRefine((capture, ctx) => {
    const given = CAPTURE_SOURCES.filter((source) => capture[source] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `give exactly one of ${CAPTURE_SOURCES.join(', ')}${given.length > 1 ? `, not ${given.join(' and ')}` : ''}` });
    }
    if (capture.group !== undefined && capture.regex === undefined) {
      ctx.addIssue({ code: 'custom', message: 'group only applies to regex', path: ['group'] });
    }
  });

/**
 * A check on a JSON path: `{ path, equals: value }` compares the first match (deep, strict: 1 is
 * not "1"); `{ path, exists: true | false }`; `{ path }` alone means exists.
 */
export const jsonCheckSpec = z
  .object({
    path: z.string().startsWith('$', 'expected a JSON path starting with $'),
    equals: z.unknown().optional(),
    exists: z.boolean().optional(),
  })
  .strict()
  .superRefine((check, ctx) => {
    if (check.exists !== undefined && 'equals' in check) ctx.addIssue({ code: 'custom', message: 'give equals or exists, not both', path: ['exists'] });
  });

export const expectSpec = z
  .object({
    status: z.array(z.coerce.number().int().min(100).max(599)).min(1, 'expected at least one status').optional(),
    bodyContains: z.string().min(1).optional(),
    json: z.array(jsonCheckSpec).min(1).optional(),
    maxDuration: durationMs.optional(),
  })
  .strict();

export const DEFAULT_MAX_REDIRECTS = 10;

export const requestStepSpec = z
  .object({
    ...requestFields,
    capture: z.record(identifier, captureSpec).default({}),
    expect: expectSpec.optional(),
    /** Redirects followed (like k6); 0 = return the 3xx response itself. */
    redirects: z.coerce.number().int('expected a whole number').min(0).max(100).default(DEFAULT_MAX_REDIRECTS),
  })
  .strict()
  .superRefine(oneBody);

export const thinkStepSpec = z.object({ think: thinkTimeSpec }).strict();

/** A step is a request, or `think: 100ms` / `think: { min, max }`; its input type is `unknown`. */
export const flowStepSpec = schemaByShape<ThinkStep | RequestStep>((value) => (isPlainObject(value) && 'think' in value ? thinkStepSpec : requestStepSpec));

export const stepsSpec = z.array(flowStepSpec).min(1, 'expected at least one step');

export const flowSpec = z
  .object({
    name: z.string().min(1),
    weight: positiveNumber.default(1),
    steps: stepsSpec,
  })
  .strict();

/** Flows are reported by name: two flows of one scenario may not share one (scenario files and modules alike). */
export function uniqueFlowNames(flows: ReadonlyArray<{ name: string }>, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  flows.forEach((flow, index) => {
    if (seen.has(flow.name)) ctx.addIssue({ code: 'custom', message: `another flow is also named ${JSON.stringify(flow.name)}`, path: [index, 'name'] });
    seen.add(flow.name);
  });
}

export const flowsSpec = z.array(flowSpec).min(1, 'expected at least one flow').superRefine(uniqueFlowNames);

/** Steps run once per user, before its first iteration (a login). */
export const onStartSpec = stepsSpec;

export type Variables = z.output<typeof variablesSpec>;
export type DataSourceSpec = z.output<typeof dataSourceSpec>;
export type DataSpec = z.output<typeof dataSpec>;
export type CaptureSpec = z.output<typeof captureSpec>;
export type JsonCheckSpec = z.output<typeof jsonCheckSpec>;
export type ExpectSpec = z.output<typeof expectSpec>;
export type RequestStep = z.output<typeof requestStepSpec>;
export type ThinkStep = z.output<typeof thinkStepSpec>;
export type FlowStep = ThinkStep | RequestStep;
export type FlowSpec = z.output<typeof flowSpec>;

/** The part of a validated scenario that compile-flows.ts reads. */
export interface FlowScenario {
  variables?: Variables | undefined;
  data?: DataSpec | undefined;
  onStart?: FlowStep[] | undefined;
  flows: FlowSpec[];
}

export function isThinkStep(step: FlowStep): step is ThinkStep {
  return 'think' in step;
}

/** Every request step a user may send: onStart's, then each flow's, in the order written. */
export function requestSteps(scenario: Pick<FlowScenario, 'onStart' | 'flows'>): RequestStep[] {
  const { onStart = [], flows } = scenario;
  return [...onStart, ...flows.flatMap((flow) => flow.steps)].filter((step): step is RequestStep => !isThinkStep(step));
}

/** The name a request step is reported under: its own, else `METHOD path` as written. */
export function stepName(step: RequestStep): string {
  return step.name ?? `${step.method} ${step.path}`;
}
