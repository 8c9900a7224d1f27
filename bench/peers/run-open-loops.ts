import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { benchScript, lastJson, runChild } from '../child-process.js';
import { findCommand, GENERATOR_CORE, pinned } from '../machine.js';
import type { OpenLoopJob, OpenLoopResult } from './open-loop-node.js';

export type { OpenLoopResult } from './open-loop-node.js';

/**
 * The two references of the open-model precision benchmark (open-loop.c and open-loop-node.ts): one
 * fresh process per rate, pinned to the generator's core as fanout's engine is.
 */
const run = promisify(execFile);

/** The compiled C reference (built once into node_modules/.cache with the machine's cc); the reason when it cannot be. */
export async function openLoopBinary(): Promise<{ binary: string } | { missing: string }> {
  const compiler = findCommand(['cc', 'gcc', 'clang']);
  if (!compiler) return { missing: 'no C compiler (cc, gcc or clang) on this machine' };
  const source = fileURLToPath(new URL('../../../bench/peers/open-loop.c', import.meta.url));
  const folder = fileURLToPath(new URL('../../../node_modules/.cache/fanout-bench', import.meta.url));
  await mkdir(folder, { recursive: true });
  const binary = join(folder, 'open-loop');
  try {
    await run(compiler, ['-O2', '-o', binary, source]);
    return { binary };
  } catch (error) {
    return { missing: `${compiler} could not build bench/peers/open-loop.c: ${(error as Error).message.split('\n')[0]}` };
  }
}

function timeoutMs(job: OpenLoopJob): number {
  return job.seconds * 1000 + 30_000;
}

export async function runOpenLoopC(binary: string, job: OpenLoopJob): Promise<OpenLoopResult> {
  const port = new URL(job.url).port;
  const { command, args } = pinned(GENERATOR_CORE, binary, [port, String(job.rate), String(job.seconds), String(job.warmUpSeconds), String(job.maxConnections)]);
  return lastJson<OpenLoopResult>(await runChild(command, args, { timeoutMs: timeoutMs(job) }), 'the C open-model loop');
}

export async function runOpenLoopNode(job: OpenLoopJob): Promise<OpenLoopResult> {
  const script = benchScript('./open-loop-node.js', import.meta.url);
  const { command, args } = pinned(GENERATOR_CORE, process.execPath, [script, JSON.stringify(job)]);
  return lastJson<OpenLoopResult>(await runChild(command, args, { timeoutMs: timeoutMs(job) }), 'the Node open-model loop');
}
