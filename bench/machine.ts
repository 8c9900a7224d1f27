import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';

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
