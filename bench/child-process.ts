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

function sampleProc(pid: number): { cpuSeconds: number; peakRssMb: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at ") ".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    return { cpuSeconds: ticks / TICKS_PER_SECOND, peakRssMb: hwm ? Number(hwm[1]) / 1024 : 0 };
  } catch {
    return undefined;
  }
}

/** Runs a command to its end, collecting its output; its CPU and peak RSS are sampled every 100 ms. */
export function runChild(command: string, args: string[], options: { timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    let last: { cpuSeconds: number; peakRssMb: number } | undefined;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const sampler = setInterval(() => {
      if (child.pid !== undefined) last = sampleProc(child.pid) ?? last;
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
      resolve({ stdout, stderr, code, cpuSeconds: last?.cpuSeconds, peakRssMb: last?.peakRssMb });
    });
  });
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
