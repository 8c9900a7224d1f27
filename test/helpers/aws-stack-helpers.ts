import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { FanoutApiClient } from '../../lib/api/api-client.js';
import type { RunStatusResponse } from '../../lib/api/api-schemas.js';
import type { EmulatedStack } from '../../lib/emulate/emulated-stack.js';
import { EMULATOR_CREDENTIALS } from '../../lib/emulate/emulator-credentials.js';
import type { InvocationRecord } from '../../lib/emulate/lambda-emulator.js';

/** A signed client of an emulated stack's HTTP API, as the CLI has. */
export function apiClientOf(stack: EmulatedStack): FanoutApiClient {
  return new FanoutApiClient({
    baseUrl: stack.apiUrl,
    region: stack.region,
    credentials: async () => EMULATOR_CREDENTIALS,
  });
}

/** Polls GET /runs/{id} until the run has ended (any status but running). */
export async function waitForRunEnd(api: FanoutApiClient, runId: string, timeoutMs = 60_000): Promise<RunStatusResponse> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const status = await api.getRun(runId);
    if (status.run.status !== 'running') return status;
    if (Date.now() > giveUpAt) throw new Error(`run ${runId} still running after ${timeoutMs / 1000} s: ${JSON.stringify(status.progress)}`);
    await sleep(250);
  }
}

/** The worker invocations of one run, as the Lambda emulator recorded them. */
export function workerInvocations(stack: EmulatedStack, runId: string): InvocationRecord[] {
  return stack.lambda.invocations.filter(
    (invocation) => invocation.functionName === stack.functions.worker && (invocation.payload as { runId?: string }).runId === runId,
  );
}

/** `npm run emulate` in a process of its own, as a user starts it, and the HTTP API URL it printed. */
export interface EmulateProcess {
  apiUrl: string;
  close(): Promise<void>;
}

export async function startEmulateProcess(extraArgs: string[] = []): Promise<EmulateProcess> {
  const script = fileURLToPath(new URL('../../scripts/emulate.js', import.meta.url));
  const emulator: ChildProcess = spawn(process.execPath, [script, '--api-port', '0', '--lambda-port', '0', '--quiet', ...extraArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
  const apiUrl = await new Promise<string>((resolve, reject) => {
    let printed = '';
    const timer = setTimeout(() => reject(new Error(`npm run emulate printed no API URL within 30 s:\n${printed}`)), 30_000);
    emulator.stdout!.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
      const match = /HTTP API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(printed);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    emulator.once('exit', (code) => reject(new Error(`emulate exited (${code}):\n${printed}`)));
  });
  return {
    apiUrl,
    close: async () => {
      if (emulator.exitCode !== null) return;
      emulator.kill('SIGINT');
      await once(emulator, 'exit');
    },
  };
}
