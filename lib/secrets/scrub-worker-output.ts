import { scrubCredentialPatterns } from './credential-patterns.js';
import type { Redactor } from './redactor.js';

type Sample = { type: string; message: string; count: number };

/**
 * An error's message may echo what was sent (a URL, a header): the run's own secrets are hidden by
 * value, others by their shape, before it is stored, shown or merged into a report.
 */
export function scrubText(text: string, redactor: Redactor): string {
  return scrubCredentialPatterns(redactor.text(text));
}

/**
 * A worker's output (a step result, running totals) with the run's secrets hidden in every string
 * (request names, check names, keys), and error messages also scrubbed of credentials by shape.
 */
export function scrubWorkerOutput<T extends { errorSamples: readonly Sample[] }>(output: T, redactor: Redactor): T {
  const hidden = redactor.hideIn(output);
  return { ...hidden, errorSamples: hidden.errorSamples.map((sample) => ({ ...sample, message: scrubCredentialPatterns(sample.message) })) };
}
