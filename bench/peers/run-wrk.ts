import { runChild } from '../child-process.js';
import type { LoadResult } from '../load-result.js';
import { findCommand, GENERATOR_CORE, pinned } from '../machine.js';

export function wrkBinary(): string | undefined {
  return findCommand(['wrk']);
}

/** wrk prints durations as 1.23ms, 456.00us, 1.02s. */
function toMs(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!match) return NaN;
  const value = Number(match[1]);
  return { us: value / 1000, ms: value, s: value * 1000, m: value * 60_000 }[match[2] as 'us' | 'ms' | 's' | 'm'];
}

/**
 * wrk (C), one thread, pinned to the generator's core; its CPU and RSS are sampled from /proc.
 * `scriptArgs` (`-s file.lua`) give it other requests than a GET of the URL.
 */
export async function runWrk(binary: string, url: string, connections: number, durationSeconds: number, scriptArgs: string[] = []): Promise<LoadResult> {
  const { command, args } = pinned(GENERATOR_CORE, binary, ['-t1', `-c${connections}`, `-d${durationSeconds}s`, '--latency', ...scriptArgs, url]);
  const outcome = await runChild(command, args, { timeoutMs: durationSeconds * 1000 + 30_000 });
  const text = outcome.stdout;
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(text);
  if (!total) throw new Error(`wrk printed no totals (exit ${outcome.code}): ${text}${outcome.stderr}`);
  const requests = Number(total[1]);
  const seconds = toMs(`${total[2]}${total[3]}`) / 1000;
  const percentile = (label: string) => {
    const line = new RegExp(`^\\s*${label}%\\s+(\\S+)`, 'm').exec(text);
    return line ? toMs(line[1]!) : NaN;
  };
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  const errors = (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);
  return {
    tool: 'wrk',
    connections,
    requests,
    errors,
    seconds,
    rps: requests / seconds,
    p50Ms: percentile('50'),
    p99Ms: percentile('99'),
    cpuSeconds: outcome.cpuSeconds,
    peakRssMb: outcome.peakRssMb,
  };
}
