import { spawn } from 'node:child_process';
import { pinned, TARGET_CORE } from '../machine.js';
import type { BenchTarget } from './bench-target.js';

/** A one-process node:http target on the target's core. */
export async function startNodeTarget(): Promise<BenchTarget> {
  const script = new URL('./node-target-process.js', import.meta.url).pathname;
  const { command, args } = pinned(TARGET_CORE, process.execPath, [script]);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n')[0];
      if (buffered.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`the node target exited (${code}) before listening`)));
  });
  return {
    kind: 'node',
    description: 'node:http, one process, answering "ok", keep-alive (nginx not installed)',
    url: `http://127.0.0.1:${port}/`,
    close: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
