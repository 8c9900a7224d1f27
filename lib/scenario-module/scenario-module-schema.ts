import { z } from 'zod';
import { scenarioFields } from '../config/scenario-schema.js';
import { uniqueFlowNames } from '../flow/flow-schema.js';
import type { VirtualUser } from '../index.js';

/**
 * The default export of a TypeScript scenario module, validated at load time: the scenario
 * file's settings (name, target, data, load, slo, …; the same schemas, so durations become ms),
 * plus onStart and flows as functions. `requests`, `variables` and YAML steps have no place here:
 * a module builds its requests in code.
 */

/**
 * A function, checked only for being one: z.function() would wrap it to validate its arguments
 * and result on every call, which is every iteration of every user.
 */
const userFunction = z.custom<(user: VirtualUser) => Promise<void> | void>((value) => typeof value === 'function', { message: 'expected a function (user) => …' });

export const moduleFlowSpec = z
  .object({
    name: z.string().min(1),
    weight: z.number().positive('expected a number above 0').default(1),
    run: userFunction,
  })
  .strict();

export const scenarioModuleSchema = z
  .object({
    name: scenarioFields.name,
    target: scenarioFields.target,
    demo: scenarioFields.demo,
    data: scenarioFields.data,
    thinkTime: scenarioFields.thinkTime,
    load: scenarioFields.load,
    slo: scenarioFields.slo,
    thresholds: scenarioFields.thresholds,
    onStart: userFunction.optional(),
    flows: z.array(moduleFlowSpec).min(1, 'expected at least one flow').superRefine(uniqueFlowNames),
  })
  .strict();

/** A validated scenario module: settings as a scenario file has them, flows as functions. */
export type ScenarioModuleDefinition = z.output<typeof scenarioModuleSchema>;
export type ModuleFlow = z.output<typeof moduleFlowSpec>;
