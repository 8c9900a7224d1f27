import { benchScript, lastJson, runChild } from '../child-process.js';
import type { LoadResult } from '../load-result.js';
import type { AutocannonRequests } from './autocannon-child.js';
import { GENERATOR_CORE, pinned } from '../machine.js';

/** autocannon on the URL; with `requests`, GETs of those paths in turn with those headers. */
export async function runAutocannon(url: string, connections: number, durationSeconds: number, requests?: AutocannonRequests): Promise<LoadResult> {
  const script = benchScript('./autocannon-child.js', import.meta.url);
  const { command, args } = pinned(GENERATOR_CORE, process.execPath, [script, url, String(connections), String(durationSeconds), ...(requests ? [JSON.stringify(requests)] : [])]);
  const outcome = await runChild(command, args, { timeoutMs: durationSeconds * 1000 + 30_000 });
  return lastJson<LoadResult>(outcome, 'autocannon');
}
