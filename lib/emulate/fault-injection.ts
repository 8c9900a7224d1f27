import type { AwsConnection } from '../adapters/aws/aws-clients.js';
import { s3Client } from '../adapters/aws/aws-clients.js';
import { S3BlobStore } from '../adapters/aws/s3-blob-store.js';
import type { FunctionKey } from '../lambda/function-specs.js';
import { sliceTaskSchema, sliceWindow } from '../plan/slice-task.js';
import { loadPlan } from '../worker/run-slice-task.js';
import { FaultDice } from './fault-dice.js';
import type { FaultPlan, SliceFault } from './fault-spec.js';
import type { InvocationFaults } from './lambda-emulator.js';

export interface FaultInjectionContext {
  functions: Record<FunctionKey, string>;
  seed: number;
  /** S3 without the fault proxy: where the runs' plans are read from. */
  storage: AwsConnection;
  bucket: string;
  /** Counts what was injected. */
  counts: { lambdaThrottled: number };
  log?: (message: string) => void;
}

/**
 * The Lambda emulator's part of the faults: throttled API calls, a coordinator that dies mid-fan-out,
 * aggregators that die as they start, and worker invocations that start late or are killed SECONDS
 * into their slice (its planned start read from the run's plan, as the worker reads it).
 */
export function injectedInvocationFaults(faults: FaultPlan, context: FaultInjectionContext): InvocationFaults {
  const { functions } = context;
  const throttles = new FaultDice(context.seed, 'lambda');
  const blobs = new S3BlobStore(s3Client(context.storage), context.bucket);
  let workersInvokedByCoordinator = 0;
  let aggregatorInvocations = 0;
  const crashed = new Set<string>();

  /**
   * Epoch ms `seconds` into the slice of this worker event, when a fault names it. With `once`,
   * only for the first invocation of that slice of a run: a crash kills one invocation, and a
   * second one (the supervisor's, should the first be slow to claim) meets the first one's claim.
   */
  const momentInSlice = async (name: string, payload: unknown, named: SliceFault[], once: boolean): Promise<number | undefined> => {
    if (name !== functions.worker || named.length === 0) return undefined;
    const task = sliceTaskSchema.safeParse(payload);
    if (!task.success) return undefined;
    const fault = named.find((candidate) => candidate.slice === task.data.slice && candidate.lane === task.data.lane);
    if (!fault) return undefined;
    const key = `${task.data.runId}/${task.data.slice}/${task.data.lane}`;
    if (once && crashed.has(key)) return undefined;
    if (once) crashed.add(key);
    const plan = await loadPlan(blobs, task.data.runId);
    return sliceWindow(plan, task.data).plannedStart + fault.seconds * 1000;
  };

  return {
    throttle: (operation) => {
      const throttled = throttles.roll(faults.lambdaThrottle);
      if (throttled) context.counts.lambdaThrottled++;
      if (throttled) context.log?.(`fault: Lambda ${operation} throttled (429)`);
      return throttled;
    },
    killCaller: (name, _payload, caller) => {
      if (faults.coordinatorCrash === undefined || caller !== functions.coordinator || name !== functions.worker) return false;
      workersInvokedByCoordinator++;
      return workersInvokedByCoordinator > faults.coordinatorCrash;
    },
    // Every invocation of a late slice is late: a slow start is the slot's, not the event's.
    startAt: (name, payload) => momentInSlice(name, payload, faults.workerLate, false),
    crashAt: async (name, payload) => {
      if (name === functions.aggregator) {
        aggregatorInvocations++;
        return aggregatorInvocations <= faults.aggregatorCrash ? Date.now() : undefined;
      }
      return momentInSlice(name, payload, faults.workerCrashes, true);
    },
  };
}
