import { parentPort, workerData } from 'node:worker_threads';
import type { SliceRunningTotals } from '../../engine/running-totals.js';
import type { TimelineInterval } from '../../engine/slice-result.js';
import type { SliceTask, StepPartKey } from '../../plan/slice-task.js';
import type { Invoker } from '../../ports/invoker.js';
import { MemorySecretsKeeper } from '../../secrets/memory-secrets-keeper.js';
import { runSliceTask } from '../../worker/run-slice-task.js';
import { LocalBlobStore } from './local-blob-store.js';
import { LocalResultStore } from './local-result-store.js';
import type { FromSliceThread, SliceThreadData, ToSliceThread } from './thread-messages.js';

/**
 * A local "Lambda": one worker thread that runs any number of slice tasks side by side through the
 * same worker core as the cloud, with the local stores, handing invocations back to the main thread.
 */
const port = parentPort!;
const { root, secrets } = workerData as SliceThreadData;
const post = (message: FromSliceThread) => port.postMessage(message);

const invoker: Invoker = {
  invokeSlice: async (task) => post({ type: 'invoke', task }),
  invokeAggregator: async (request) => post({ type: 'aggregate', request }),
};
const deps = {
  blobs: new LocalBlobStore(root),
  results: new LocalResultStore(root),
  invoker,
  onIntervalClosed: (task: SliceTask, step: number, interval: TimelineInterval) => post({ type: 'interval', task, step, interval }),
  onRunningTotals: (part: StepPartKey, totals: SliceRunningTotals) => post({ type: 'totals', part, totals }),
  log: (message: string) => post({ type: 'log', message }),
  secrets: new MemorySecretsKeeper(secrets),
};

port.on('message', (message: ToSliceThread) => {
  const { task } = message;
  runSliceTask(task, deps).then(
    (outcome) => post({ type: 'done', task, ran: outcome.ran }),
    (error: unknown) => post({ type: 'done', task, ran: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
