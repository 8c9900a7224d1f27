#!/usr/bin/env node
// The CLI is written in TypeScript and compiled to dist/ by `npm ci` (the `prepare` script).
import { existsSync } from 'node:fs';
const entry = new URL('../dist/scripts/cli.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('fanout: dist/ is missing; run `npm ci` (or `npm run build`) in the fanout folder first.');
  process.exit(1);
}
await import(entry.href);
