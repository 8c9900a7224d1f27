import { z } from 'zod';
import { durationMs } from './duration.js';
import { isPlainObject, schemaByShape } from './schema-by-shape.js';

const fixedThinkTime = durationMs.transform((milliseconds) => ({ minMs: milliseconds, maxMs: milliseconds }));

const thinkTimeRange = z
  .object({ min: durationMs, max: durationMs })
  .strict()
  .refine((range) => range.max >= range.min, { message: 'max must not be below min', path: ['max'] })
  .transform((range) => ({ minMs: range.min, maxMs: range.max }));

/** A pause written as `1s` or `{ min: 500ms, max: 1.5s }` (uniform between the two); yields milliseconds. */
export const thinkTimeSpec = schemaByShape((value) => (isPlainObject(value) ? thinkTimeRange : fixedThinkTime));

export type ThinkTime = z.output<typeof thinkTimeSpec>;

/** One pause of a think time: its fixed length, or uniform in its range. */
export function pickThinkMs({ minMs, maxMs }: ThinkTime): number {
  return maxMs === minMs ? minMs : minMs + Math.random() * (maxMs - minMs);
}
