import { z } from 'zod';
import { httpMethodSpec } from './http-method.js';

/** What a request of `requests:` and a request step of `flows:` share. */
export const requestFields = {
  name: z.string().min(1).optional(),
  method: httpMethodSpec,
  path: z.string().startsWith('/', 'expected a path starting with /').default('/'),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  json: z.unknown().optional(),
};

/** A request has one body, text or JSON (a superRefine of either schema). */
export function oneBody(request: { body?: string | undefined; json?: unknown }, ctx: z.RefinementCtx): void {
  if (request.body !== undefined && request.json !== undefined) ctx.addIssue({ code: 'custom', message: 'give either body or json, not both', path: ['json'] });
}
