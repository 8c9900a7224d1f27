import { writeFile } from 'node:fs/promises';
import { settingsFromCli } from '../../lib/config/cli-settings.js';
import type { RunSettings } from '../../lib/config/run-settings.js';
import { benchScript, lastJson, runChild } from '../child-process.js';
import type { LoadResult } from '../load-result.js';
import { GENERATOR_CORE, pinned } from '../machine.js';

/** The engine child's report: a LoadResult, and what the flows did (so a run that only failed shows). */
export interface FlowEngineResult extends LoadResult {
  errorsByType: Record<string, number>;
  iterations: Array<{ flow: string; completed: number; stoppedByCapture: number; scriptErrors: number }>;
}

/** One engine worker's run: a scenario as the CLI reads it, resolved once, stored for the child. */
export interface PreparedEngineRun {
  tool: string;
  settings: RunSettings;
  settingsFile: string;
  seconds: number;
}

/**
 * Resolves a scenario file as `fanout run FILE --target URL --users N --duration S --workers 1`
 * does (a YAML file compiled, a TypeScript module type-checked and bundled) into `settingsFile`,
 * so that every round's child starts from it without bundling again. Closed model, every user at
 * once, no think time, one slice.
 */
export async function prepareEngineRun(
  tool: string,
  scenarioPath: string,
  options: { target: string; users: number; seconds: number; settingsFile: string },
): Promise<PreparedEngineRun> {
  const settings = await settingsFromCli(scenarioPath, {
    target: options.target,
    users: String(options.users),
    spawnRate: '1000000',
    duration: `${options.seconds}s`,
    workers: '1',
    sliceDuration: `${Math.max(options.seconds, 1)}s`,
  });
  await writeFile(options.settingsFile, JSON.stringify(settings));
  return { tool, settings, settingsFile: options.settingsFile, seconds: options.seconds };
}

/** The same run for another length (one step, one slice), without reading and bundling the scenario again. */
export async function lastingFor(run: PreparedEngineRun, seconds: number, settingsFile: string): Promise<PreparedEngineRun> {
  const settings: RunSettings = { ...run.settings, stepDurationMs: seconds * 1000, sliceDurationMs: Math.max(seconds, 1) * 1000 };
  await writeFile(settingsFile, JSON.stringify(settings));
  return { tool: run.tool, settings, settingsFile, seconds };
}

/** Runs a prepared engine run in a child pinned to the generator's core; with `profileFile`, a CPU profile of its slice is written there. */
export async function runFlowEngine(run: PreparedEngineRun, profileFile?: string): Promise<FlowEngineResult> {
  const script = benchScript('./flow-engine-child.js', import.meta.url);
  const { command, args } = pinned(GENERATOR_CORE, process.execPath, [script, run.settingsFile, run.tool, ...(profileFile ? [profileFile] : [])]);
  const outcome = await runChild(command, args, { timeoutMs: run.seconds * 1000 + 30_000 });
  return lastJson<FlowEngineResult>(outcome, run.tool);
}
