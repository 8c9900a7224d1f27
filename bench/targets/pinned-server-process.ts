import { spawn } from 'node:child_process';
import { pinned, TARGET_CORE } from '../machine.js';

export interface PinnedServerProcess {
  port: number;
  /** SIGTERM, then waits for the process to exit. */
  stop(): Promise<void>;
}

/**
 * Starts a server script of the bench in a process of its own on the target's core; the script
 * prints `{"port":N}` as its first line once it listens.
 */
export async function startPinnedServerProcess(script: URL, args: string[], what: string): Promise<PinnedServerProcess> {
  const { command, args: pinnedArgs } = pinned(TARGET_CORE, process.execPath, [script.pathname, ...args]);
  const child = spawn(command, pinnedArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n')[0];
      if (buffered.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before listening`)));
  });
  return {
    port,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
