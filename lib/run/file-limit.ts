import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { InputError } from '../config/input-error.js';
import { MAX_USERS_PER_WORKER, type RunPlan } from '../plan/run-plan.js';

/**
 * The seed's "ulimit trap": every user holds a connection, every connection a file descriptor, and a
 * process past its open-file limit fails with EMFILE, which would read as the target failing. A
 * local run checks the limit before it sends anything.
 */
export interface FileLimit {
  soft: number;
  hard: number;
}

/** Descriptors fanout itself keeps beside the users' connections: stdio, worker threads, result files. */
export const FANOUT_OWN_DESCRIPTORS = 64;

const parseLimit = (text: string | undefined) => (text === undefined || /^unlimited$/i.test(text) ? Infinity : Number(text));

/** This process's open-file limit: /proc on Linux, the shell's `ulimit` elsewhere (it inherits the same limit). */
export function readFileLimit(): FileLimit | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((row) => row.startsWith('Max open files'));
    const match = line && /^Max open files\s+(\S+)\s+(\S+)/.exec(line);
    if (match) return { soft: parseLimit(match[1]), hard: parseLimit(match[2]) };
  } catch {
    // Not Linux: ask the shell.
  }
  const shell = spawnSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' });
  const [soft, hard] = shell.status === 0 ? shell.stdout.trim().split(/\s+/) : [];
  if (soft === undefined) return undefined;
  return { soft: parseLimit(soft), hard: parseLimit(hard) };
}

function openDescriptors(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return 0;
  }
}

/** Connections the run holds at once on this machine at most. */
export function connectionsNeeded(plan: RunPlan): number {
  const perStep = plan.steps.map((step) =>
    plan.lanes.reduce((sum, lane) => {
      if (lane.levels[step.index]! <= 0) return sum;
      if (plan.settings.model === 'closed') return sum + lane.levels[step.index]!;
      return sum + (plan.settings.maxInFlight === undefined ? MAX_USERS_PER_WORKER : Math.ceil((plan.settings.maxInFlight * lane.levels[step.index]!) / step.level));
    }, 0),
  );
  // Where a slice hands over, the next one's connections open while the last ones close.
  return Math.max(...perStep) * (plan.slices.length > 1 ? 2 : 1);
}

/** Exit 2 before any request when the run cannot hold its connections open here. */
export function checkFileLimit(plan: RunPlan, limit: FileLimit | undefined = readFileLimit()): void {
  if (!limit || !Number.isFinite(limit.soft)) return;
  const connections = connectionsNeeded(plan);
  const own = openDescriptors() + FANOUT_OWN_DESCRIPTORS;
  if (connections + own <= limit.soft) return;
  const field = plan.settings.model === 'closed' ? 'load.users (--users)' : 'load.maxInFlight (--max-in-flight)';
  const raise = Number.isFinite(limit.hard) && limit.hard > limit.soft ? `up to the hard limit ${limit.hard}` : 'above the hard limit needs root';
  throw new InputError([
    {
      field,
      message:
        `this run holds up to ${connections} connections on this machine, about ${connections + own} open files with fanout's own, ` +
        `but this process may open only ${limit.soft} (ulimit -n; hard limit ${Number.isFinite(limit.hard) ? limit.hard : 'unlimited'}). ` +
        `Ways out: raise it before running (\`ulimit -n ${connections + own}\`, ${raise}), run fewer users on this machine, ` +
        `or run on AWS (--platform aws), where each worker holds at most ${MAX_USERS_PER_WORKER}`,
    },
  ]);
}
