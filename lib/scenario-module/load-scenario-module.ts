import { InputError, problemsFromZod } from '../config/input-error.js';
import { scenarioModuleSchema, type ScenarioModuleDefinition } from './scenario-module-schema.js';

/**
 * Loads a bundled scenario module (bundleScenarioModule's code) and validates its default export.
 * The code is imported from a data: URL, so the same string runs on the CLI and on a worker that
 * received it in its plan, with nothing written to disk; the bundle holds all it imports but Node's
 * built-in modules, which a data: URL module may import.
 *
 * `source` names the module in errors (its file).
 */
export async function loadScenarioModule(code: string, source = 'scenario module'): Promise<ScenarioModuleDefinition> {
  let exports: { default?: unknown };
  try {
    exports = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as { default?: unknown };
  } catch (error) {
    throw new InputError([{ field: source, message: `the module failed while loading: ${error instanceof Error ? error.message : String(error)}` }]);
  }
  if (exports.default === undefined) {
    throw new InputError([{ field: source, message: 'no default export; end the module with export default defineScenario({ … })' }]);
  }
  const parsed = scenarioModuleSchema.safeParse(exports.default);
  if (!parsed.success) throw new InputError(problemsFromZod(parsed.error, (field) => `${source}: ${field}`));
  return parsed.data;
}
