import { z } from 'zod';
import { httpMethodSpec } from './http-method.js';
import { atMost, INPUT_LIMITS } from './input-limits.js';

/** What a request of `requests:` and a request step of `flows:` share, with their size limits. */
export const requestFields = {
  name: z.string().min(1).optional(),
  method: httpMethodSpec,
  path: z.string().startsWith('/', 'expected a path starting with /').default('/'),
  headers: z
    .record(z.string(), z.string())
    .refine((headers) => Object.keys(headers).length <= INPUT_LIMITS.headersPerRequest, `${atMost(INPUT_LIMITS.headersPerRequest)} headers`)
    .default({}),
  body: z.string().max(INPUT_LIMITS.bodyChars, `${atMost(INPUT_LIMITS.bodyChars)} characters`).optional(),
  json: z
    .unknown()
    .refine((json) => json === undefined || (JSON.stringify(json) ?? '').length <= INPUT_LIMITS.bodyChars, `${atMost(INPUT_LIMITS.bodyChars)} characters as JSON`)
    .optional(),
};

/** A request has one body, text or JSON (a superRefine of either schema). */
export function oneBody(request: { body?: string | undefined; json?: unknown }, ctx: z.RefinementCtx): void {
  if (request.body !== undefined && request.json !== undefined) ctx.addIssue({ code: 'custom', message: 'give either body or json, not both', path: ['json'] });
}
