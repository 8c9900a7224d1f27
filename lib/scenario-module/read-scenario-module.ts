import { dirname, extname, resolve } from 'node:path';
import { bundleScenarioModule, type BundleOptions } from './bundle-scenario-module.js';
import { loadScenarioModule } from './load-scenario-module.js';
import type { ScenarioModuleDefinition } from './scenario-module-schema.js';
import type { Scenario } from '../config/scenario-schema.js';

const MODULE_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.js', '.mjs']);

/** Whether `fanout run PATH` is given a scenario module (TypeScript or JavaScript) rather than a YAML or JSON file. */
export function isScenarioModulePath(path: string): boolean {
  return MODULE_EXTENSIONS.has(extname(path).toLowerCase());
}

export interface ScenarioModuleFile {
  /** The bundle, to put in the plan; a worker loads it with loadScenarioModule. */
  code: string;
  scenario: ScenarioModuleDefinition;
  /** The module's folder: data files are read relative to it. */
  folder: string;
}

/** The CLI's way in for `fanout run shop.ts`: type-check, bundle, load and validate. */
export async function readScenarioModule(path: string, options: BundleOptions = {}): Promise<ScenarioModuleFile> {
  const code = await bundleScenarioModule(path, options);
  return { code, scenario: await loadScenarioModule(code, path), folder: dirname(resolve(path)) };
}

/**
 * `fanout run shop.ts` as a scenario: the module's settings (target, load, data, slo, …) as a
 * scenario file would give them, and its bundled code for the workers, which alone run it.
 */
export async function scenarioOfModuleFile(path: string): Promise<Scenario> {
  const { code, scenario } = await readScenarioModule(path);
  const { onStart, flows, ...settings } = scenario;
  return {
    ...settings,
    module: { code, file: path, flows: flows.map((flow) => ({ name: flow.name, weight: flow.weight })), onStart: onStart !== undefined },
  };
}
