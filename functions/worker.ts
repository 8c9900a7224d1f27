import { stackLimitsFromEnv } from '../lib/guard/stack-limits.js';
import { awsRuntime } from '../lib/lambda/aws-runtime.js';
import { sliceTaskSchema } from '../lib/plan/slice-task.js';
import { kmsSecretsKeeper } from '../lib/secrets/kms-secrets-keeper.js';
import { runSliceTask } from '../lib/worker/run-slice-task.js';

export type WorkerResult =
  | { ran: true; requests: number; errors: number; stopped: boolean; steps: number; storeFailures: string[] }
  | { ran: false; reason: 'duplicate' | 'stopped-before-start' | 'window-passed' };

/** One slice of one lane's load (the event is a slice task); see lib/worker/run-slice-task.ts. */
export async function handler(event: unknown, context?: { awsRequestId?: string }): Promise<WorkerResult> {
  const task = sliceTaskSchema.parse(event);
  const { blobs, results, invoker, progress } = awsRuntime();
  const progressWrites = new Set<Promise<void>>();
  const outcome = await runSliceTask(task, {
    blobs,
    results,
    invoker,
    ...(context?.awsRequestId ? { invocationId: context.awsRequestId } : {}),
    secrets: kmsSecretsKeeper(blobs),
    // The coordinator checked the run's target against them; a redirect must not lead past them either.
    allowedTargets: stackLimitsFromEnv(process.env).allowedTargets,
    log: (message) => console.log(message),
    onIntervalClosed: (slice, step, interval) => {
      // Live progress only: a failed write costs a point of the live view, never the slice.
      const write = progress.record(slice.runId, slice.lane, step, interval).catch((error: unknown) => console.warn(`progress write failed: ${String(error)}`));
      progressWrites.add(write);
      void write.finally(() => progressWrites.delete(write));
    },
  });
  // Lambda freezes the process when the handler returns: finish the writes first.
  await Promise.all(progressWrites);
  if (!outcome.ran) return { ran: false, reason: outcome.reason };
  const steps = outcome.results;
  return {
    ran: true,
    requests: steps.reduce((sum, step) => sum + step.requests, 0),
    errors: steps.reduce((sum, step) => sum + step.errors, 0),
    stopped: steps.some((step) => step.stopped),
    steps: steps.length,
    storeFailures: outcome.storeFailures,
  };
}
