import { InputError } from '../config/input-error.js';
import { parseScenario } from '../config/run-settings.js';
import type { Scenario } from '../config/scenario-schema.js';
import type { ScenarioFolder } from './scenario-folder.js';
import { scenarioDocumentOf, syntaxOfPath } from './scenario-text.js';
import type { FormField, StartRunForm } from './ui-api.js';

/** How problems in pasted text are named (a file's are named by its relative path). */
export const PASTED_SCENARIO = 'pasted scenario';

export interface ScenarioSource {
  /** Names the source in problems: `scenarios/x.yml: load.users: …`. */
  label: string;
  formField: Extract<FormField, 'scenarioFile' | 'scenarioText'>;
}

export function scenarioSourceOf(form: StartRunForm): ScenarioSource | undefined {
  if (form.scenarioFile !== undefined) return { label: form.scenarioFile, formField: 'scenarioFile' };
  if (form.scenarioText !== undefined) return { label: PASTED_SCENARIO, formField: 'scenarioText' };
  return undefined;
}

/**
 * The schema's messages quote a bad value ("expected a duration …, got \"x\""): helpful on the
 * CLI, where the reader owns the file, but the UI returns nothing of a file's text, only where the
 * problem is.
 */
function withoutQuotedValues(error: InputError): InputError {
  return new InputError(error.problems.map((problem) => ({ ...problem, message: problem.message.replace(/,?\s*got\b.*$/s, '') })));
}

/** The form's scenario, from a listed file or pasted text, validated; undefined when it gives none. */
export async function scenarioOfForm(form: StartRunForm, folder: ScenarioFolder): Promise<Scenario | undefined> {
  if (form.scenarioFile !== undefined && form.scenarioText !== undefined) {
    throw new InputError([{ field: 'scenarioText', message: 'give either a listed scenario file or pasted text, not both' }]);
  }
  if (form.scenarioText !== undefined) {
    return parseScenario(scenarioDocumentOf(form.scenarioText, 'yaml', PASTED_SCENARIO), PASTED_SCENARIO);
  }
  if (form.scenarioFile === undefined) return undefined;
  const path = form.scenarioFile;
  const document = scenarioDocumentOf(await folder.read(path), syntaxOfPath(path), path);
  try {
    return parseScenario(document, path);
  } catch (error) {
    throw error instanceof InputError ? withoutQuotedValues(error) : error;
  }
}
