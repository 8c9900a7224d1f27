import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import type { RunListResponse } from '../api/api-schemas.js';
import { problemsFromZod } from '../config/input-error.js';
import type { ResultStore } from '../ports/result-store.js';

const listQuerySchema = z.object({
  /** `me`: the caller's runs; an ARN: that identity's; absent: everyone's. */
  owner: z.string().min(1).max(2048).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const json = (statusCode: number, body: object): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** GET /runs: the runs newest first, optionally only one owner's (the IAM identity that started them). */
export async function listRunsRoute(query: Record<string, string>, caller: string | undefined, results: ResultStore): Promise<APIGatewayProxyStructuredResultV2> {
  const parsed = listQuerySchema.safeParse(query);
  if (!parsed.success) return json(400, { error: 'bad-input', message: 'not a run list query', problems: problemsFromZod(parsed.error) });
  const { limit } = parsed.data;
  const owner = parsed.data.owner === 'me' ? caller : parsed.data.owner;
  if (parsed.data.owner === 'me' && owner === undefined) {
    return json(400, { error: 'bad-input', message: 'owner=me needs an IAM-signed request', problems: [{ field: 'owner', message: 'the caller has no IAM identity' }] });
  }
  const runs = await results.listRuns(limit, owner);
  return json(200, { runs, ...(owner ? { owner } : {}) } satisfies RunListResponse);
}
