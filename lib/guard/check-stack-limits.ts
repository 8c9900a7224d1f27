import { formatDuration } from '../config/duration.js';
import { fieldLabel, type RunSettings } from '../config/run-settings.js';
import { estimateCost } from '../cost/estimate-cost.js';
import type { RunPlan } from '../plan/run-plan.js';
import { hostOf, isAllowedTarget } from './allowed-targets.js';
import type { StackLimits } from './stack-limits.js';

export type StackLimitName = 'maxRunDuration' | 'maxWorkersPerRun' | 'maxCostPerRun' | 'allowedTargets';

/** A run past one of the stack's limits: which, what it allows, what the run asked for. */
export interface LimitRefusal {
  limit: StackLimitName;
  allowed: string;
  requested: string;
  /** The run's field that asked for it, as the CLI names it. */
  field: string;
  message: string;
}

/** Dollars as a person reads them: cents, or two significant digits below ten cents. */
const usd = (value: number) => `$${value >= 0.1 ? value.toFixed(2) : String(+value.toPrecision(2))}`;

/**
 * Checks a planned run against the stack's limits, in the order a person fixes them: where it
 * points, how long it lasts, how many workers, what it costs (the estimate `fanout run` prints).
 * `settings` are the run's own (clear: the target's host is checked as given).
 */
export function stackLimitRefusal(settings: RunSettings, plan: RunPlan, limits: StackLimits, barrierMs: number): LimitRefusal | undefined {
  const refusal = (limit: StackLimitName, field: string, allowed: string, requested: string, what: string): LimitRefusal => ({
    limit,
    allowed,
    requested,
    field: fieldLabel(field),
    message: `${what}; this stack's ${limit} is ${allowed} (a deploy param: sls deploy --param="${limit}=…")`,
  });
  if (!isAllowedTarget(settings.target, limits.allowedTargets)) {
    const allowed = limits.allowedTargets.map((pattern) => pattern.text).join(', ');
    return refusal('allowedTargets', 'target', allowed, hostOf(settings.target), `the target's host ${hostOf(settings.target)} is not one this stack may load`);
  }
  if (plan.totalDurationMs > limits.maxRunDurationMs) {
    const requested = formatDuration(plan.totalDurationMs);
    return refusal('maxRunDuration', settings.levels.length > 1 ? 'load.stepDuration' : 'load.duration', formatDuration(limits.maxRunDurationMs), requested, `the run lasts ${requested}`);
  }
  if (plan.lanes.length > limits.maxWorkersPerRun) {
    return refusal('maxWorkersPerRun', 'load.workers', String(limits.maxWorkersPerRun), String(plan.lanes.length), `the run needs ${plan.lanes.length} workers`);
  }
  const estimate = estimateCost(plan, { workerMemoryMb: limits.workerMemoryMb, architecture: limits.architecture, barrierMs });
  if (estimate.totalUsd > limits.maxCostPerRunUsd) {
    return refusal('maxCostPerRun', 'load', usd(limits.maxCostPerRunUsd), usd(estimate.totalUsd), `the run is estimated at ${usd(estimate.totalUsd)} (${limits.architecture}, ${limits.workerMemoryMb} MB workers)`);
  }
  return undefined;
}
