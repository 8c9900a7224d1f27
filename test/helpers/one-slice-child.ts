import { parseScenario, resolveRunSettings } from '../../lib/config/run-settings.js';
import { runSlice } from '../../lib/engine/run-slice.js';
import { planRun } from '../../lib/plan/run-plan.js';

/**
 * One lane's slice run in this process, with no pre-flight: what a worker does on Lambda. A test
 * starts it under a lowered open-file limit (`ulimit -n`) to meet the generator's own limits.
 * argv[2]: the scenario as JSON. Prints each step result's counts as JSON.
 */
const settings = resolveRunSettings(parseScenario(JSON.parse(process.argv[2]!), 'child'));
const plan = planRun(settings, { platform: 'local', minWorkers: 1, runId: 'child' });
const results = await runSlice(plan, { runId: plan.runId, lane: 0, slice: 0, startAt: Date.now() });
process.stdout.write(JSON.stringify(results.map(({ step, requests, errors, errorsByType }) => ({ step, requests, errors, errorsByType }))));
