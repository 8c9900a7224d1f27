import { formatDuration } from '../config/duration.js';
import { isThinkStep, stepName } from '../flow/flow-schema.js';
import type { RunPlan } from './run-plan.js';
import { allSliceTasks } from './slice-task.js';

function behaviourLine(plan: RunPlan): string {
  const { flows, module, requests } = plan.settings;
  if (module) return `module     ${module.file}: flows ${module.flows.map((flow) => `${flow.name} ×${flow.weight}`).join(', ')}${module.onStart ? ', onStart' : ''}`;
  if (flows) {
    const stepNames = (steps: typeof flows.scenario.flows[number]['steps']) =>
      steps.flatMap((step) => (isThinkStep(step) ? [] : [stepName(step)])).join(' → ');
    const onStart = flows.scenario.onStart ? `onStart (${stepNames(flows.scenario.onStart)}); ` : '';
    return `flows      ${onStart}${flows.scenario.flows.map((flow) => `${flow.name} ×${flow.weight} (${stepNames(flow.steps)})`).join(', ')}`;
  }
  return `requests   ${requests.map((request) => `${request.name} ×${request.weight}`).join(', ')}`;
}

/** The plan as a person reads it before the load starts: what runs where, and for how long. */
export function formatPlan(plan: RunPlan): string {
  const settings = plan.settings;
  const unit = settings.model === 'closed' ? 'users' : 'req/s';
  const lines = [
    `fanout plan ${plan.runId} (${plan.platform})`,
    `  target     ${settings.target}`,
    `  model      ${settings.model === 'closed' ? 'closed (users looping with think time)' : 'open (arrival rate, latency from intended send time)'}`,
    `  ${behaviourLine(plan)}`,
  ];
  if (settings.model === 'closed') {
    const think = settings.thinkTime;
    lines.push(`  spawn rate ${settings.spawnRate} users/s, think time ${think.minMs === think.maxMs ? formatDuration(think.minMs) : `${formatDuration(think.minMs)}–${formatDuration(think.maxMs)}`}`);
  }
  const slices = plan.slices.length;
  const invocations = allSliceTasks(plan, 1).length;
  lines.push(
    `  steps      ${plan.steps.length} × ${formatDuration(settings.stepDurationMs)} = ${formatDuration(plan.totalDurationMs)}; timeout ${formatDuration(settings.timeoutMs)}`,
    `  workers    ${plan.lanes.length}, each keeping its ${unit === 'users' ? 'users and their connections' : 'connections'} across steps; ` +
      (slices === 1 ? 'one slice for the whole run' : `${slices} slices of up to ${formatDuration(plan.slices[0]!.durationMs)} (a connection is re-opened only there)`) +
      `; ${invocations} invocation${invocations === 1 ? '' : 's'} in all`,
  );
  const rows = plan.steps.map((step) => {
    const shares = plan.lanes.map((lane) => lane.levels[step.index]!).filter((level) => level > 0);
    const most = shares.length === 0 ? 0 : Math.max(...shares);
    const share = settings.model === 'closed' ? String(most) : String(+most.toFixed(1));
    return `    step ${String(step.index + 1).padStart(3)}  ${String(step.level).padStart(7)} ${unit}  ${String(step.workers).padStart(4)} workers × ≤${share} ${unit}  at +${formatDuration(step.startOffsetMs)}`;
  });
  if (rows.length > 12) rows.splice(6, rows.length - 12, `    … ${rows.length - 12} more steps …`);
  lines.push(...rows);
  if (settings.slo) lines.push(`  SLO        ${settings.slo} (each step; the knee is the first step that breaks it)`);
  if (settings.thresholds.length > 0) lines.push(`  thresholds ${settings.thresholds.join(', ')}`);
  for (const warning of plan.warnings) lines.push(`  warning    ${warning}`);
  return lines.join('\n');
}
