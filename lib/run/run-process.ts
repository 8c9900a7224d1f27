import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomically } from '../files/private-files.js';

/**
 * Which process runs a local run: `fanout report <id>` finalises a run from its slices on disk only
 * when that process is gone (killed, crashed), never under a run still going.
 */
const runProcessSchema = z.object({ pid: z.number().int().positive(), host: z.string() });

const processFile = (outDir: string, runId: string) => join(outDir, runId, 'process.json');

export async function recordRunProcess(outDir: string, runId: string): Promise<void> {
  await writeFileAtomically(processFile(outDir, runId), JSON.stringify({ pid: process.pid, host: hostname() }));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, as another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Where the run's process still runs: `pid N` on this machine, or another machine's name (which
 * cannot be asked); undefined when it has ended (or never recorded itself).
 */
export async function runningProcessOf(outDir: string, runId: string): Promise<string | undefined> {
  let recorded: z.infer<typeof runProcessSchema>;
  try {
    recorded = runProcessSchema.parse(JSON.parse(await readFile(processFile(outDir, runId), 'utf8')));
  } catch {
    return undefined;
  }
  if (recorded.host !== hostname()) return `a process on ${recorded.host}`;
  return recorded.pid !== process.pid && isAlive(recorded.pid) ? `process ${recorded.pid}` : undefined;
}
