import type { UserFactory } from '../engine/user-session.js';
import type { RunPlan } from '../plan/run-plan.js';
import { loadScenarioModule } from '../scenario-module/load-scenario-module.js';
import { moduleProgram } from '../scenario-module/module-program.js';
import type { ScenarioModuleDefinition } from '../scenario-module/scenario-module-schema.js';
import { compiledFlowProgram } from './compiled-flow-program.js';
import type { DataSets } from './data-files.js';
import { compiledFlowsOf } from './flow-settings.js';
import { FlowUser } from './flow-user.js';
import { newUserValues } from './user-values.js';

/** A module is loaded once per process and run: every slice of a warm worker reuses it. */
const modulesByRun = new Map<string, Promise<ScenarioModuleDefinition>>();

/**
 * The users a worker runs for this plan: flows from the scenario file, or a scenario module's code
 * (loaded here, on the worker: the module's code runs nowhere else); undefined for the weighted mix
 * of `requests:`, which the engine runs itself. `dataSets`: this lane's share of the data rows.
 */
export async function userFactoryFor(plan: RunPlan, dataSets: DataSets): Promise<UserFactory | undefined> {
  const { flows, module } = plan.settings;
  if (flows) {
    const compiled = compiledFlowsOf(plan.runId, flows);
    const program = compiledFlowProgram(compiled);
    return (session, userNumber) => new FlowUser(session, program, userNumber, newUserValues(compiled, dataSets, userNumber, plan.runId));
  }
  if (module) {
    let loading = modulesByRun.get(plan.runId);
    if (!loading) modulesByRun.set(plan.runId, (loading = loadScenarioModule(module.code, module.file)));
    const program = moduleProgram(await loading, dataSets, plan.runId);
    return (session, userNumber) => new FlowUser(session, program, userNumber, []);
  }
  return undefined;
}
