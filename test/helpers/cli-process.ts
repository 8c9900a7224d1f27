import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { FANOUT_BIN } from './run-cli.js';

/** A `fanout` process a test can watch and send signals to. */
export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or 128 + the signal's number when killed by one). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits until stderr matches, within `boundMs`. */
  waitForStderr(pattern: RegExp, boundMs?: number): Promise<RegExpExecArray>;
}

export function startCli(args: string[], options: { cwd?: string } = {}): CliProcess {
  const child = spawn(process.execPath, [FANOUT_BIN, ...args], { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForStderr: async (pattern, boundMs = 30_000) => {
      const giveUpAt = Date.now() + boundMs;
      for (;;) {
        const match = pattern.exec(stderr);
        if (match) return match;
        if (Date.now() > giveUpAt || child.exitCode !== null) throw new Error(`stderr never matched ${pattern}:\n${stderr}`);
        await sleep(50);
      }
    },
  };
}
