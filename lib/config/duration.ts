import ms from 'ms';
import { z } from 'zod';
import { INPUT_LIMITS } from './input-limits.js';

// A unit is required so that "10" is never silently read as 10 ms (ms's default) or 10 s.
const DURATION_PATTERN = /^\s*\d+(\.\d+)?\s*(ms|s|m|h)\s*$/;

/** Parses "250ms", "30s", "5m", "1h" (a number alone is taken as seconds) into milliseconds. */
export function parseDurationMs(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  if (!DURATION_PATTERN.test(value)) return undefined;
  const parsed = ms(value.replace(/\s+/g, '') as ms.StringValue);
  return Number.isFinite(parsed) ? parsed : undefined;
}

export function formatDuration(milliseconds: number): string {
  if (milliseconds < 1000) return `${Math.round(milliseconds)}ms`;
  const seconds = milliseconds / 1000;
  if (seconds < 60 || seconds % 60 !== 0) return `${+seconds.toFixed(1)}s`;
  const minutes = seconds / 60;
  return minutes < 60 || minutes % 60 !== 0 ? `${minutes}m` : `${minutes / 60}h`;
}

/** A zod field for durations written as "5m" etc.; yields milliseconds, at most a day (no run is longer). */
export const durationMs = z
  .union([z.string(), z.number()])
  .transform((value, ctx) => {
    const parsed = parseDurationMs(value);
    if (parsed === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration such as 500ms, 30s, 5m or 1h, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    if (parsed > INPUT_LIMITS.durationMs) {
      ctx.addIssue({ code: 'custom', message: `at most ${INPUT_LIMITS.durationText}, got ${typeof value === 'number' ? `${value}s` : value.trim()}` });
      return z.NEVER;
    }
    return parsed;
  });
