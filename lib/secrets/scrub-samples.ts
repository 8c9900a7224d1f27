import { scrubCredentialPatterns } from './credential-patterns.js';
import type { Redactor } from './redactor.js';

type Sample = { type: string; message: string; count: number };

/**
 * An error's message may echo what was sent (a URL, a header): the run's own secrets are hidden by
 * value, others by their shape, before a sample is stored, shown or merged into a report.
 */
export function scrubText(text: string, redactor: Redactor): string {
  return scrubCredentialPatterns(redactor.text(text));
}

export function scrubSamples<T extends Sample>(samples: readonly T[], redactor: Redactor): T[] {
  return samples.map((sample) => ({ ...sample, message: scrubText(sample.message, redactor) }));
}
