import type { RunPlan } from '../plan/run-plan.js';
import type { SecretsKeeper } from '../ports/secrets-keeper.js';
import { NO_SECRETS, redactorOf } from '../secrets/collect-secrets.js';
import type { Redactor } from '../secrets/redactor.js';
import { unsealPlan } from '../secrets/sealed-settings.js';

/** The plan as a worker runs it (its secrets back in the requests) and the redactor for what it writes. */
export interface RunnablePlan {
  plan: RunPlan;
  redactor: Redactor;
}

const opened = new Map<RunPlan, RunnablePlan>();

/**
 * Opened once per process and plan (a warm Lambda keeps it between slices); the clear values live
 * only here, in memory, never in what the worker stores or logs.
 */
export async function openPlan(plan: RunPlan, secrets: SecretsKeeper | undefined): Promise<RunnablePlan> {
  const cached = opened.get(plan);
  if (cached) return cached;
  let runSecrets = NO_SECRETS;
  if (plan.sealedSecrets) {
    if (!secrets) throw new Error(`run ${plan.runId} carries secrets, and this worker was given no way to open them`);
    runSecrets = await secrets.open(plan.runId);
  }
  const runnable = { plan: unsealPlan(plan, runSecrets), redactor: redactorOf(runSecrets) };
  if (opened.size > 20) opened.clear();
  opened.set(plan, runnable);
  return runnable;
}
