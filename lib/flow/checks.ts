import { isDeepStrictEqual } from 'node:util';
import { formatDuration } from '../config/duration.js';
import type { ExpectSpec } from './flow-schema.js';
import type { InspectedResponse } from './inspected-response.js';
import { compileJsonPath, firstMatch, type CompiledJsonPath } from './json-path.js';

/**
 * Checks (`expect:`): each has a name as the report shows it (`status in [200]`,
 * `bodyContains "\"id\""`, `json $.items exists`, `duration <= 500ms`). A failed check is an error
 * of type `check` naming it; every check of a step is evaluated on every response, so that the
 * report can give each check's pass rate (passes = responses of the step − failures by name).
 *
 * A compiled check is plain data (JSON-serialisable), so it can travel in a plan.
 */
export type CompiledCheck = { name: string } & (
  | { kind: 'status'; statuses: number[] }
  | { kind: 'bodyContains'; text: string }
  /** A JSON check fails when the body is not JSON, `exists: false` included: an HTML error page is no success. */
  | { kind: 'jsonExists'; path: CompiledJsonPath; exists: boolean }
  /** The first match, compared deeply and strictly (1 is not "1"). */
  | { kind: 'jsonEquals'; path: CompiledJsonPath; equals: unknown }
  | { kind: 'maxDuration'; maxMs: number }
);

const NONE_FAILED: readonly string[] = Object.freeze([]);

export function compileChecks(expect: ExpectSpec | undefined): CompiledCheck[] {
  if (!expect) return [];
  const checks: CompiledCheck[] = [];
  if (expect.status) checks.push({ name: `status in [${expect.status.join(', ')}]`, kind: 'status', statuses: expect.status });
  if (expect.bodyContains !== undefined) checks.push({ name: `bodyContains ${JSON.stringify(expect.bodyContains)}`, kind: 'bodyContains', text: expect.bodyContains });
  for (const check of expect.json ?? []) {
    const path = compileJsonPath(check.path);
    if ('equals' in check && check.exists === undefined) {
      checks.push({ name: `json ${check.path} == ${JSON.stringify(check.equals) ?? 'undefined'}`, kind: 'jsonEquals', path, equals: check.equals });
    } else {
      const exists = check.exists ?? true;
      checks.push({ name: `json ${check.path} ${exists ? 'exists' : 'does not exist'}`, kind: 'jsonExists', path, exists });
    }
  }
  if (expect.maxDuration !== undefined) checks.push({ name: `duration <= ${formatDuration(expect.maxDuration)}`, kind: 'maxDuration', maxMs: expect.maxDuration });
  return checks;
}

/** The names of the checks this response fails; the same empty array when all pass. */
export function failedChecks(checks: readonly CompiledCheck[], response: InspectedResponse): readonly string[] {
  let failed: string[] | undefined;
  for (let index = 0; index < checks.length; index++) {
    const check = checks[index]!;
    if (!passes(check, response)) (failed ??= []).push(check.name);
  }
  return failed ?? NONE_FAILED;
}

function passes(check: CompiledCheck, response: InspectedResponse): boolean {
  switch (check.kind) {
    case 'status':
      return check.statuses.includes(response.status);
    case 'bodyContains':
      return response.bodyIncludes(check.text);
    case 'maxDuration':
      return response.durationMs <= check.maxMs;
    case 'jsonExists': {
      const parsed = response.json();
      return parsed.ok && firstMatch(check.path, parsed.value).found === check.exists;
    }
    case 'jsonEquals': {
      const parsed = response.json();
      if (!parsed.ok) return false;
      const match = firstMatch(check.path, parsed.value);
      return match.found && isDeepStrictEqual(match.value, check.equals);
    }
  }
}
