import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const FANOUT_BIN = fileURLToPath(new URL('../../../bin/fanout.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  cwd?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Runs `fanout ARGS` as a user would, in its own process, with a time bound. */
export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return runCommand(process.execPath, [FANOUT_BIN, ...args], options);
}

/**
 * Runs `fanout ARGS` through a shell that first runs `setup` (such as `ulimit -n 256`): the
 * process then starts with the shell's limits.
 */
export function runCliWith(setup: string, args: string[], options: RunOptions = {}): Promise<CliResult> {
  return runNodeWith(setup, [FANOUT_BIN, ...args], options);
}

/** Runs node with `args` through a shell that first runs `setup`. Never blocks this process, whose targets must keep answering. */
export function runNodeWith(setup: string, args: string[], options: RunOptions = {}): Promise<CliResult> {
  return runCommand('sh', ['-c', `${setup} && exec "$0" "$@"`, process.execPath, ...args], options);
}

function runCommand(file: string, args: string[], options: RunOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
