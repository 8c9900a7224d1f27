import { BatchGetCommand, QueryCommand, UpdateCommand, type BatchGetCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TimelineInterval } from '../../engine/slice-result.js';
import { COUNT_SK_PREFIX, DEFAULT_RETENTION_DAYS, PROGRESS_SK, expiresAt, progressPk, runPk } from './runs-table.js';

/** The whole run's counters for one timeline interval, summed over the workers that reported it. */
export interface IntervalProgress {
  interval: number;
  requests: number;
  errors: number;
  /** Users (closed model) or requests in flight (open model): the largest step's sum of workers. */
  users: number;
  /** Worker reports added in (one per worker per interval). */
  reports: number;
}

const BATCH_GET_LIMIT = 100;
const USERS_PREFIX = 'users_';

/**
 * Live progress in the runs table: each worker adds its closed timeline intervals to one counter
 * item per interval (atomic ADD), and a reader sums nothing itself. Latency percentiles do not add
 * up this way; the per-step results carry them once a step is merged.
 */
export class DynamoRunProgress {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly retentionDays = DEFAULT_RETENTION_DAYS,
  ) {}

  async record(runId: string, step: number, interval: TimelineInterval): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: progressPk(runId, interval.i), sk: PROGRESS_SK },
        UpdateExpression: 'ADD requests :requests, errors :errors, reports :one, #users :users SET expiresAt = :ttl',
        ExpressionAttributeNames: { '#users': `${USERS_PREFIX}${step}` },
        ExpressionAttributeValues: {
          ':requests': interval.requests,
          ':errors': interval.errors,
          ':one': 1,
          ':users': interval.users,
          ':ttl': expiresAt(this.retentionDays),
        },
      }),
    );
  }

  /** Slice results recorded so far over all steps (the steps' completion counters). */
  async slicesDone(runId: string): Promise<number> {
    let done = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :count)',
          ExpressionAttributeValues: { ':pk': runPk(runId), ':count': COUNT_SK_PREFIX },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) done += Number(item.done ?? 0);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return done;
  }

  /** The given intervals that have any report, in interval order. */
  async read(runId: string, intervals: number[]): Promise<IntervalProgress[]> {
    const found: IntervalProgress[] = [];
    const wanted = [...new Set(intervals.filter((interval) => interval >= 0))];
    for (let offset = 0; offset < wanted.length; offset += BATCH_GET_LIMIT) {
      let keys: Array<Record<string, unknown>> | undefined = wanted
        .slice(offset, offset + BATCH_GET_LIMIT)
        .map((interval) => ({ pk: progressPk(runId, interval), sk: PROGRESS_SK }));
      while (keys && keys.length > 0) {
        const response: BatchGetCommandOutput = await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }));
        for (const item of response.Responses?.[this.tableName] ?? []) found.push(progressFromItem(item));
        keys = response.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return found.sort((a, b) => a.interval - b.interval);
  }
}

function progressFromItem(item: Record<string, unknown>): IntervalProgress {
  const pk = String(item.pk);
  const users = Object.entries(item)
    .filter(([name, value]) => name.startsWith(USERS_PREFIX) && typeof value === 'number')
    .map(([, value]) => value as number);
  return {
    interval: Number(pk.slice(pk.lastIndexOf('#') + 1)),
    requests: Number(item.requests ?? 0),
    errors: Number(item.errors ?? 0),
    users: Math.max(0, ...users),
    reports: Number(item.reports ?? 0),
  };
}
