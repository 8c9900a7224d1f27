import type { ApiError } from '../api/api-client.js';
import type { InputProblem } from '../config/input-error.js';

/**
 * The stack's answers to POST /runs that started nothing, as the CLI and the UI report bad input
 * (exit 2): the run's own problems, one of the stack's limits, or a Lambda quota it does not fit.
 * Anything else (the API down, a 500) is not the run's fault and stays an error.
 */
export function problemsOfRefusal(error: ApiError): InputProblem[] | undefined {
  if (error.status < 400 || error.status >= 500) return undefined;
  if (error.body.problems && error.body.problems.length > 0) return error.body.problems;
  if (error.body.error === 'quota') return [{ field: 'load.workers (--workers)', message: error.body.message }];
  return undefined;
}
