import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseScenario, resolveRunSettings } from '../../lib/config/run-settings.js';
import type { ScenarioInput } from '../../lib/config/scenario-schema.js';
import { runLocal, type LocalRunResult } from '../../lib/run/run-local.js';

export async function tempDir(prefix = 'fanout-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Runs a scenario on the embedded local platform, into a fresh folder. */
export async function runScenario(scenario: ScenarioInput, options: { outDir?: string; signal?: AbortSignal } = {}): Promise<LocalRunResult & { outDir: string }> {
  const outDir = options.outDir ?? (await tempDir());
  const settings = resolveRunSettings(parseScenario(scenario, 'test scenario'));
  const result = await runLocal({ settings, outDir, signal: options.signal });
  return { ...result, outDir };
}
