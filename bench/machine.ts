import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';
import { readOrUndefined } from './child-process.js';

/** What docs/benchmarks.md records about the machine a run was measured on. */
export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  node: string;
  date: string;
  pinned: boolean;
}

function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const tasksetAvailable = hasCommand('taskset') && availableParallelism() >= 2;

export function machineInfo(): MachineInfo {
  return {
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    date: new Date().toISOString(),
    pinned: tasksetAvailable,
  };
}

/** The generator's core and the target's, as shared/baseline.md measured them. */
export const GENERATOR_CORE = 0;
export const TARGET_CORE = 1;

/** A command line pinned to one core with taskset when it is there (and the machine has two cores). */
export function pinned(core: number, command: string, args: string[]): { command: string; args: string[] } {
  return tasksetAvailable ? { command: 'taskset', args: ['-c', String(core), command, ...args] } : { command, args };
}

export function findCommand(candidates: string[]): string | undefined {
  return candidates.find((candidate) => hasCommand(candidate));
}

/** One core's time since boot from /proc/stat (Linux), in clock ticks: all of it, and what the hypervisor took (steal). */
export interface CoreTimes {
  total: number;
  steal: number;
}

export function coreTimes(core: number): CoreTimes | undefined {
  const line = readOrUndefined('/proc/stat')
    ?.split('\n')
    .find((row) => row.startsWith(`cpu${core} `));
  if (!line) return undefined;
  // user nice system idle iowait irq softirq steal (guest time is inside user already).
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return { total: ticks.reduce((sum, value) => sum + value, 0), steal: ticks[7] ?? 0 };
}

/**
 * The share of a core's time the hypervisor gave to someone else between two readings: on a shared
 * VM the generator stalls for it whatever it runs, so the open-model bench shows it beside its figures.
 */
export function stealShare(before: CoreTimes | undefined, after: CoreTimes | undefined): number | undefined {
  if (!before || !after || after.total <= before.total) return undefined;
  return (after.steal - before.steal) / (after.total - before.total);
}
