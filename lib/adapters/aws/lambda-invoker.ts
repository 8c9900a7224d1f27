import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import pLimit, { type LimitFunction } from 'p-limit';
import type { SliceTask } from '../../plan/slice-task.js';
import type { AggregateRequest, Invoker } from '../../ports/invoker.js';

export interface LambdaInvokerOptions {
  workerFunction: string;
  aggregatorFunction: string;
  /** Invokes in flight at once from this process (Lambda throttles bursts of Invoke calls). */
  concurrency?: number;
}

const DEFAULT_CONCURRENCY = 32;

/**
 * The Invoker on Lambda: asynchronous (`Event`) invokes, which Lambda queues and answers with 202
 * at once. The worker function has its async retries off (serverless.yml), so an invocation that
 * fails is not run again with the load tripled; each slice is idempotent besides.
 */
export class LambdaInvoker implements Invoker {
  private readonly limit: LimitFunction;

  constructor(
    private readonly client: LambdaClient,
    private readonly options: LambdaInvokerOptions,
  ) {
    this.limit = pLimit(options.concurrency ?? DEFAULT_CONCURRENCY);
  }

  async invokeSlice(task: SliceTask): Promise<void> {
    await this.invokeEvent(this.options.workerFunction, task);
  }

  async invokeAggregator(request: AggregateRequest): Promise<void> {
    await this.invokeEvent(this.options.aggregatorFunction, request);
  }

  private async invokeEvent(functionName: string, payload: object): Promise<void> {
    await this.limit(async () => {
      const response = await this.client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
      );
      if (response.StatusCode !== 202) throw new Error(`${functionName} did not accept the invocation (status ${response.StatusCode})`);
    });
  }
}
