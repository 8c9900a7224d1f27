import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ChildOutcome {
  stdout: string;
  stderr: string;
  code: number | null;
  /** Sampled from /proc while it ran (Linux): CPU seconds (user + kernel) and peak RSS in MB. */
  cpuSeconds: number | undefined;
  peakRssMb: number | undefined;
}

const TICKS_PER_SECOND = 100;

/** What /proc says of one process (Linux): its CPU seconds (user + kernel, and its reaped children's) and peak RSS. */
export interface ProcSample {
  cpuSeconds: number;
  reapedChildrenCpuSeconds: number;
  /** Undefined when the process was gone before its status could be read. */
  peakRssKb: number | undefined;
}

export function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function readProcSample(pid: number): ProcSample | undefined {
  const stat = readOrUndefined(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // Fields after the command name (which may hold spaces) start at ") ": utime, stime, cutime, cstime are 14–17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const status = readOrUndefined(`/proc/${pid}/status`);
  const hwm = status === undefined ? undefined : /VmHWM:\s+(\d+) kB/.exec(status);
  return {
    cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
    reapedChildrenCpuSeconds: (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND,
    peakRssKb: status === undefined ? undefined : hwm ? Number(hwm[1]) : 0,
  };
}

function sampleProc(pid: number): { cpuSeconds: number; peakRssMb: number } | undefined {
  const sample = readProcSample(pid);
  return sample?.peakRssKb === undefined ? undefined : { cpuSeconds: sample.cpuSeconds, peakRssMb: sample.peakRssKb / 1024 };
}

export interface ChildOptions {
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Runs a command to its end (killed at the timeout), collecting its output; `sample` is called with
 * its pid every 100 ms while it runs.
 */
export function runToEnd(command: string, args: string[], options: ChildOptions, sample: (pid: number) => void): Promise<Pick<ChildOutcome, 'stdout' | 'stderr' | 'code'>> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env, cwd: options.cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const sampler = setInterval(() => {
      if (child.pid !== undefined) sample(child.pid);
    }, 100);
    const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (error) => {
      clearInterval(sampler);
      clearTimeout(killer);
      reject(error);
    });
    child.on('close', (code) => {
      clearInterval(sampler);
      clearTimeout(killer);
      resolve({ stdout, stderr, code });
    });
  });
}

/** Runs a command to its end, collecting its output; its CPU and peak RSS are sampled every 100 ms. */
export async function runChild(command: string, args: string[], options: ChildOptions): Promise<ChildOutcome> {
  let last: { cpuSeconds: number; peakRssMb: number } | undefined;
  const outcome = await runToEnd(command, args, options, (pid) => (last = sampleProc(pid) ?? last));
  return { ...outcome, cpuSeconds: last?.cpuSeconds, peakRssMb: last?.peakRssMb };
}

/** The last line of a child's stdout that parses as JSON: how the benchmark children report. */
export function lastJson<T>(outcome: ChildOutcome, what: string): T {
  const lines = outcome.stdout.trim().split('\n').reverse();
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line) as T;
    } catch {
      // keep looking
    }
  }
  throw new Error(`${what} reported nothing (exit ${outcome.code}): ${outcome.stderr.trim().slice(-2000)}`);
}

/** A compiled sibling module's path (children run from dist/bench). */
export function benchScript(relative: string, from: string): string {
  return new URL(relative, from).pathname;
}
