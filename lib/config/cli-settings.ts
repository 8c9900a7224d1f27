import { dirname, resolve } from 'node:path';
import { inlineScenarioFiles } from '../flow/flow-settings.js';
import { isScenarioModulePath, scenarioOfModuleFile } from '../scenario-module/read-scenario-module.js';
import { readScenarioFile, settingsFromScenario, type RunFlags, type RunSettings } from './run-settings.js';

/**
 * Kept apart from run-settings.ts, which the stack's functions import too: bundling a scenario module
 * needs esbuild and TypeScript, which only the machine that starts a run has (and a Lambda never loads).
 */

/**
 * The CLI's way in: the optional scenario file, then the flags over it. A plain `--target URL` with
 * no scenario means GET that URL.
 */
export async function settingsFromCli(scenarioPath: string | undefined, flags: RunFlags): Promise<RunSettings> {
  if (scenarioPath === undefined) return settingsFromScenario(undefined, flags);
  const file = isScenarioModulePath(scenarioPath) ? await scenarioOfModuleFile(scenarioPath) : await readScenarioFile(scenarioPath);
  // Data files, the environment's values the flows read, tls files: into the scenario, which then
  // holds all a worker needs (on AWS it is all the stack gets).
  const inlined = await inlineScenarioFiles(file, dirname(resolve(scenarioPath)), process.env, { source: scenarioPath });
  return settingsFromScenario(inlined, flags);
}
