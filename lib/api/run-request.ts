import { InputError, problemsFromZod, type InputProblem } from '../config/input-error.js';
import { resolveRunSettings, type RunSettings } from '../config/run-settings.js';
import { scenarioSchema } from '../config/scenario-schema.js';

/**
 * A run requested over the API (POST /runs, and the coordinator's event): a scenario document in
 * the one scenario schema the CLI and scenario files use. Problems name fields as the document has
 * them (`load.users`, `requests[0].method`), since an API caller has no CLI flags.
 */
export function settingsFromRunRequest(document: unknown): RunSettings {
  const parsed = scenarioSchema.safeParse(document);
  if (!parsed.success) throw new InputError(problemsFromZod(parsed.error));
  let settings: RunSettings;
  try {
    settings = resolveRunSettings(parsed.data);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new InputError(error.problems.map(withoutFlagName));
  }
  if (settings.target === 'demo') {
    throw new InputError([{ field: 'target', message: 'the demo target runs only on this machine (--platform local); give the URL of a host the workers can reach' }]);
  }
  return settings;
}

/** `load.users (--users)` → `load.users`. */
function withoutFlagName(problem: InputProblem): InputProblem {
  return { ...problem, field: problem.field.replace(/ \(--[a-z-]+\)$/, '') };
}
