import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetCommand, UpdateCommand, type BatchGetCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TimelineInterval } from '../../engine/slice-result.js';
import { DEFAULT_RETENTION_DAYS, PART_SHARDS, PROGRESS_SK, expiresAt, progressPk, shardOfLane } from './runs-table.js';

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
 * BatchGetItem hands back what it could not read (throttled) as UnprocessedKeys; AWS asks callers
 * to retry those with exponential backoff. Full jitter, from 50 ms up to 2 s, at most 8 rounds.
 */
const UNPROCESSED_RETRIES = 8;
const UNPROCESSED_BASE_MS = 50;
const UNPROCESSED_MAX_MS = 2000;

export function unprocessedBackoffMs(attempt: number, random = Math.random): number {
  return Math.round(random() * Math.min(UNPROCESSED_MAX_MS, UNPROCESSED_BASE_MS * 2 ** attempt));
}

/**
 * Live progress in the runs table: each worker adds its closed timeline intervals to a counter
 * item per interval (atomic ADD), one of PART_SHARDS by lane so that a thousand workers reporting
 * the same second do not all write one item; a reader adds up the interval's shards. Latency
 * percentiles do not add up this way; the per-step results carry them once a step is merged.
 */
export class DynamoRunProgress {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly retentionDays = DEFAULT_RETENTION_DAYS,
  ) {}

  async record(runId: string, lane: number, step: number, interval: TimelineInterval): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: progressPk(runId, interval.i, shardOfLane(lane)), sk: PROGRESS_SK },
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

  /** The given intervals that have any report, in interval order, each summed over its shards. */
  async read(runId: string, intervals: number[]): Promise<IntervalProgress[]> {
    const wanted = [...new Set(intervals.filter((interval) => interval >= 0))];
    const keys = wanted.flatMap((interval) => Array.from({ length: PART_SHARDS }, (_, shard) => ({ pk: progressPk(runId, interval, shard), sk: PROGRESS_SK })));
    const items: Array<Record<string, unknown>> = [];
    for (let offset = 0; offset < keys.length; offset += BATCH_GET_LIMIT) items.push(...(await this.batchGet(keys.slice(offset, offset + BATCH_GET_LIMIT))));
    const byInterval = new Map<number, ShardProgress>();
    for (const item of items) {
      const shard = progressFromItem(item);
      const sum = byInterval.get(shard.interval);
      if (!sum) byInterval.set(shard.interval, shard);
      else {
        sum.requests += shard.requests;
        sum.errors += shard.errors;
        sum.reports += shard.reports;
        for (const [step, users] of shard.usersByStep) sum.usersByStep.set(step, (sum.usersByStep.get(step) ?? 0) + users);
      }
    }
    return [...byInterval.values()]
      .sort((a, b) => a.interval - b.interval)
      .map(({ usersByStep, ...point }) => ({ ...point, users: Math.max(0, ...usersByStep.values()) }));
  }

  /** One BatchGetItem of at most 100 keys, its unprocessed keys read again with backoff. */
  private async batchGet(keys: Array<Record<string, unknown>>): Promise<Array<Record<string, unknown>>> {
    const found: Array<Record<string, unknown>> = [];
    let pending: Array<Record<string, unknown>> | undefined = keys;
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt > UNPROCESSED_RETRIES) throw new Error(`BatchGetItem left ${pending.length} key(s) unprocessed after ${UNPROCESSED_RETRIES} retries`);
      if (attempt > 0) await sleep(unprocessedBackoffMs(attempt));
      const response: BatchGetCommandOutput = await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }));
      found.push(...(response.Responses?.[this.tableName] ?? []));
      pending = response.UnprocessedKeys?.[this.tableName]?.Keys;
    }
    return found;
  }
}

/** One shard's counters of an interval; users kept per step, since steps overlapping in an interval do not add up. */
type ShardProgress = Omit<IntervalProgress, 'users'> & { usersByStep: Map<string, number> };

function progressFromItem(item: Record<string, unknown>): ShardProgress {
  const [, , interval] = String(item.pk).split('#');
  const usersByStep = new Map(
    Object.entries(item)
      .filter((entry): entry is [string, number] => entry[0].startsWith(USERS_PREFIX) && typeof entry[1] === 'number')
      .map(([name, value]) => [name, value]),
  );
  return {
    interval: Number(interval),
    requests: Number(item.requests ?? 0),
    errors: Number(item.errors ?? 0),
    usersByStep,
    reports: Number(item.reports ?? 0),
  };
}
