import { z } from 'zod';

/**
 * A field that takes several shapes (`think: 100ms` or `think: { min, max }`; a request step or a
 * think step), validated by the one schema its shape calls for. A zod union would report a
 * mistake in any of them as one "Invalid input" on the whole field; this reports it on the field
 * at fault, as the chosen schema words it. The cost: the field's input type is `unknown`.
 */
export function schemaByShape<T>(choose: (value: unknown) => z.ZodType<T>) {
  return z.unknown().transform((value, ctx): T => {
    const parsed = choose(value).safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      // Re-raised as custom issues (the inner issue types do not fit addIssue); unknown keys become
      // one "unknown field" each, as problemsFromZod words them.
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) ctx.addIssue({ code: 'custom', message: 'unknown field', path: [...issue.path, key] });
      } else {
        ctx.addIssue({ code: 'custom', message: issue.message, path: [...issue.path] });
      }
    }
    return z.NEVER;
  });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
