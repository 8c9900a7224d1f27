import { readFile, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import type { RunSettings } from '../../lib/config/run-settings.js';
import { runSlice } from '../../lib/engine/run-slice.js';
import { laneDataShare } from '../../lib/flow/lane-data.js';
import { userFactoryFor } from '../../lib/flow/user-factory.js';
import { planRun } from '../../lib/plan/run-plan.js';
import { loadResultOf } from '../engine/engine-slice.js';
import type { FlowEngineResult } from './run-flow-engine.js';

/**
 * One engine worker in a process of its own (pinned by the parent), driven as a worker drives its
 * slice: a one-worker plan of the settings the CLI resolved (settingsFromCli, written to a file by
 * the parent, with a scenario module already bundled), the users of userFactoryFor(plan) — flows, a
 * module's code, or none for the weighted mix of `requests:`. argv[2]: the settings file; argv[3]:
 * the tool's name for the report; argv[4], optional: where to write a CPU profile of the slice.
 * Prints one FlowEngineResult line. The CPU counted (and profiled) is the slice's alone: compiling
 * the flows and loading the module come before it, as on a worker.
 */
const [settingsFile, tool, profileFile] = process.argv.slice(2);
const settings = JSON.parse(await readFile(settingsFile!, 'utf8')) as RunSettings;
const plan = planRun(settings, { platform: 'local', minWorkers: 1, runId: 'bench-flows' });
// The whole run is this one lane: its share of the data rows is every row its users take.
const userFactory = await userFactoryFor(plan, laneDataShare(plan, 0));

// V8's sampling profiler over the slice only (node --cpu-prof would also take in the start-up).
const profiler = profileFile ? new Session() : undefined;
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  // Every 250 µs (V8's default is 1 ms): a 10 s slice then gives tens of thousands of samples.
  await profiler.post('Profiler.setSamplingInterval', { interval: 250 });
  await profiler.post('Profiler.start');
}
const cpuBefore = process.cpuUsage();
const [result] = await runSlice(plan, { runId: plan.runId, lane: 0, slice: 0, startAt: Date.now() }, { userFactory });
const cpu = process.cpuUsage(cpuBefore);
if (profiler) {
  const { profile } = await profiler.post('Profiler.stop');
  await writeFile(profileFile!, JSON.stringify(profile));
  profiler.disconnect();
}
if (!result) throw new Error('the slice measured nothing');

const report: FlowEngineResult = {
  ...loadResultOf(tool ?? 'fanout', settings.levels[0] ?? 0, result, cpu),
  errorsByType: result.errorsByType,
  iterations: result.iterations,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
