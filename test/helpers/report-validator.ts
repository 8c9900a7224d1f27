import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv';

/**
 * The published docs/report.schema.json, compiled by ajv: an independent validator (not zod, which
 * generated the file), as another tool reading our reports would use it.
 */
const schemaPath = fileURLToPath(new URL('../../../docs/report.schema.json', import.meta.url));
const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

/** The schema's complaints about `document`, one line each; empty when it is a valid report. */
export function reportSchemaErrors(document: unknown): string[] {
  if (validate(document)) return [];
  return (validate.errors ?? []).map((error: ErrorObject) => `${error.instancePath || '(root)'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
}
