import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SliceRunningTotals } from '../../engine/running-totals.js';
import type { TimelineInterval } from '../../engine/slice-result.js';
import type { SliceTask, StepPartKey } from '../../plan/slice-task.js';
import type { AggregateRequest, Invoker } from '../../ports/invoker.js';
import type { RunSecrets } from '../../secrets/collect-secrets.js';
import type { FromSliceThread, SliceThreadData, ToSliceThread } from './thread-messages.js';

export interface LocalInvokerOptions {
  root: string;
  threads?: number;
  /** Where an aggregator invocation runs on one machine: in this process. */
  onAggregate: (request: AggregateRequest) => Promise<void>;
  onInterval?: (task: SliceTask, step: number, interval: TimelineInterval) => void;
  onRunningTotals?: (part: StepPartKey, totals: SliceRunningTotals) => void;
  log?: (message: string) => void;
  /** Secrets of the runs the threads will work for, by run id (in memory only). */
  secrets?: Record<string, RunSecrets>;
}

/**
 * The Invoker on one machine: a pool of worker threads, one per core, each taking any number of
 * slice tasks. Tasks are spread round-robin so that the workers of a step land on different cores.
 */
export class LocalInvoker implements Invoker {
  private readonly threads: Worker[];
  private next = 0;
  private pending = 0;
  private readonly aggregations = new Set<Promise<void>>();
  private idleWaiters: Array<() => void> = [];
  readonly failures: string[] = [];

  constructor(private readonly options: LocalInvokerOptions) {
    const count = Math.max(1, options.threads ?? availableParallelism());
    const workerData: SliceThreadData = { root: options.root, secrets: options.secrets ?? {} };
    this.threads = Array.from({ length: count }, () => {
      const thread = new Worker(new URL('./slice-thread.js', import.meta.url), { workerData });
      thread.on('message', (message: FromSliceThread) => this.onMessage(message));
      thread.on('error', (error) => {
        this.failures.push(`slice thread crashed: ${error.stack ?? error.message}`);
        this.options.log?.(`slice thread crashed: ${error.message}`);
      });
      return thread;
    });
  }

  async invokeSlice(task: SliceTask): Promise<void> {
    this.pending++;
    const thread = this.threads[this.next++ % this.threads.length]!;
    thread.postMessage({ type: 'slice', task } satisfies ToSliceThread);
  }

  async invokeAggregator(request: AggregateRequest): Promise<void> {
    const running = this.options.onAggregate(request).catch((error: unknown) => {
      this.options.log?.(`aggregating ${request.runId} step ${request.step ?? 'all'} failed: ${String(error)}`);
    });
    this.aggregations.add(running);
    void running.finally(() => this.aggregations.delete(running));
  }

  private onMessage(message: FromSliceThread): void {
    switch (message.type) {
      case 'invoke':
        void this.invokeSlice(message.task);
        break;
      case 'aggregate':
        void this.invokeAggregator(message.request);
        break;
      case 'interval':
        this.options.onInterval?.(message.task, message.step, message.interval);
        break;
      case 'totals':
        this.options.onRunningTotals?.(message.part, message.totals);
        break;
      case 'log':
        this.options.log?.(message.message);
        break;
      case 'done':
        if (message.error) {
          const where = `lane ${message.task.lane} slice ${message.task.slice}`;
          this.failures.push(`slice ${where} failed: ${message.error}`);
          this.options.log?.(`slice ${where} failed: ${message.error.split('\n')[0]}`);
        }
        this.pending--;
        if (this.pending === 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const resolve of waiters) resolve();
        }
        break;
    }
  }

  /** Resolves when no slice task is queued or running (chained tasks count before their parent ends). */
  async whenIdle(): Promise<void> {
    if (this.pending > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await Promise.all([...this.aggregations]);
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.terminate()));
  }
}
