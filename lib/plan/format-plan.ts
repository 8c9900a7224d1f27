import { formatDuration } from '../config/duration.js';
import type { RunPlan } from './run-plan.js';

/** The plan as a person reads it before the load starts: what runs where, and for how long. */
export function formatPlan(plan: RunPlan): string {
  const settings = plan.settings;
  const unit = settings.model === 'closed' ? 'users' : 'req/s';
  const lines = [
    `fanout plan ${plan.runId} (${plan.platform})`,
    `  target     ${settings.target}`,
    `  model      ${settings.model === 'closed' ? 'closed (users looping with think time)' : 'open (arrival rate, latency from intended send time)'}`,
    `  requests   ${settings.requests.map((request) => `${request.name} ×${request.weight}`).join(', ')}`,
  ];
  if (settings.model === 'closed') {
    const think = settings.thinkTime;
    lines.push(`  spawn rate ${settings.spawnRate} users/s, think time ${think.minMs === think.maxMs ? formatDuration(think.minMs) : `${formatDuration(think.minMs)}–${formatDuration(think.maxMs)}`}`);
  }
  const slices = plan.steps[0]!.slices.length;
  lines.push(
    `  steps      ${plan.steps.length} × ${formatDuration(settings.stepDurationMs)} = ${formatDuration(plan.totalDurationMs)}; ` +
      `${slices} slice${slices === 1 ? '' : 's'} of up to ${formatDuration(settings.sliceDurationMs)} per step; timeout ${formatDuration(settings.timeoutMs)}`,
  );
  const rows = plan.steps.map((step) => {
    const share = settings.model === 'closed' ? Math.ceil(step.level / step.workers) : +(step.level / step.workers).toFixed(1);
    return `    step ${String(step.index + 1).padStart(3)}  ${String(step.level).padStart(7)} ${unit}  ${String(step.workers).padStart(4)} workers × ${share} ${unit}  at +${formatDuration(step.startOffsetMs)}`;
  });
  if (rows.length > 12) rows.splice(6, rows.length - 12, `    … ${rows.length - 12} more steps …`);
  lines.push(...rows);
  if (settings.slo) lines.push(`  SLO        ${settings.slo} (each step; the knee is the first step that breaks it)`);
  if (settings.thresholds.length > 0) lines.push(`  thresholds ${settings.thresholds.join(', ')}`);
  for (const warning of plan.warnings) lines.push(`  warning    ${warning}`);
  return lines.join('\n');
}
