import { z } from 'zod';
import { runListLimitSchema, type RunListResponse } from '../api/api-schemas.js';
import { problemsFromZod } from '../config/input-error.js';
import type { ResultStore } from '../ports/result-store.js';
import { jsonAnswer, type ApiResult } from './api-response.js';

const listQuerySchema = z.object({
  /** `me`: the caller's runs; an ARN: that identity's; absent: everyone's. */
  owner: z.string().min(1).max(2048).optional(),
  limit: runListLimitSchema,
});


/** GET /runs: the runs newest first, optionally only one owner's (the IAM identity that started them). */
export async function listRunsRoute(query: Record<string, string>, caller: string | undefined, results: ResultStore): Promise<ApiResult> {
  const parsed = listQuerySchema.safeParse(query);
  if (!parsed.success) return jsonAnswer(400, { error: 'bad-input', message: 'not a run list query', problems: problemsFromZod(parsed.error) });
  const { limit } = parsed.data;
  const owner = parsed.data.owner === 'me' ? caller : parsed.data.owner;
  if (parsed.data.owner === 'me' && owner === undefined) {
    return jsonAnswer(400, { error: 'bad-input', message: 'owner=me needs an IAM-signed request', problems: [{ field: 'owner', message: 'the caller has no IAM identity' }] });
  }
  const runs = await results.listRuns(limit, owner);
  return jsonAnswer(200, { runs, ...(owner ? { owner } : {}) } satisfies RunListResponse);
}
