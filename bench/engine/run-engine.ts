import { benchScript, lastJson, runChild } from '../child-process.js';
import type { LoadResult } from '../load-result.js';
import { GENERATOR_CORE, pinned } from '../machine.js';
import type { ClosedJob, OpenJob, OpenStepResult } from './engine-child.js';

async function runJob<T>(job: ClosedJob | OpenJob): Promise<T> {
  const script = benchScript('./engine-child.js', import.meta.url);
  const { command, args } = pinned(GENERATOR_CORE, process.execPath, [script, JSON.stringify(job)]);
  const slices = job.model === 'open' ? job.rates.length : 1;
  const outcome = await runChild(command, args, { timeoutMs: slices * (job.seconds * 1000 + 10_000) + 20_000 });
  return lastJson<T>(outcome, 'fanout engine');
}

export function runEngineClosed(url: string, connections: number, seconds: number): Promise<LoadResult> {
  return runJob<LoadResult>({ model: 'closed', url, connections, seconds });
}

/** Open-model steps run one after another by one engine process (JIT and connections warm after the first). */
export async function runEngineOpenSteps(url: string, rates: number[], seconds: number, maxInFlight: number): Promise<OpenStepResult[]> {
  return (await runJob<{ steps: OpenStepResult[] }>({ model: 'open', url, rates, seconds, maxInFlight })).steps;
}
