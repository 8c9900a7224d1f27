import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { REPORT_SCHEMA_PATH, reportJsonSchemaText } from '../lib/report/report-schema.js';

/** `npm run schema`: rewrites docs/report.schema.json from the zod definition of the report. */
const repositoryRoot = new URL('../../', import.meta.url);
const target = fileURLToPath(new URL(REPORT_SCHEMA_PATH, repositoryRoot));
await writeFile(target, reportJsonSchemaText());
process.stdout.write(`wrote ${target}\n`);
