import { benchScript, lastJson, runChild } from '../child-process.js';
import type { LoadResult } from '../load-result.js';
import { GENERATOR_CORE, pinned } from '../machine.js';
import type { ClosedJob, OpenJob, OpenStepResult } from './engine-child.js';

async function runJob<T>(job: ClosedJob | OpenJob): Promise<T> {
  const script = benchScript('./engine-child.js', import.meta.url);
  const { command, args } = pinned(GENERATOR_CORE, process.execPath, [script, JSON.stringify(job)]);
  const outcome = await runChild(command, args, { timeoutMs: job.seconds * 1000 + 30_000 });
  return lastJson<T>(outcome, 'fanout engine');
}

export function runEngineClosed(url: string, connections: number, seconds: number): Promise<LoadResult> {
  return runJob<LoadResult>({ model: 'closed', url, connections, seconds });
}

export function runEngineOpen(url: string, rate: number, seconds: number, maxInFlight: number): Promise<OpenStepResult> {
  return runJob<OpenStepResult>({ model: 'open', url, rate, seconds, maxInFlight });
}
