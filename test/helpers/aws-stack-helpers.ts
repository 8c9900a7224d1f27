import { setTimeout as sleep } from 'node:timers/promises';
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
