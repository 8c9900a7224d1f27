#!/usr/bin/env node
// The CLI is written in TypeScript and compiled to dist/ by `npm ci` (the `prepare` script).
import { existsSync } from 'node:fs';
const entry = new URL('../dist/scripts/cli.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('fanout: dist/ is missing; run `npm ci` (or `npm run build`) in the fanout folder first.');
  process.exit(1);
}
// The CLI supports Node >= 20.18 (package.json engines) and installs the AWS SDK version that
// package-lock.json pins; the SDK's notice that its later versions need Node 22 tells a user of
// `fanout --platform aws` on Node 20 nothing they can act on. Set before any SDK client exists;
// one already set (to 'false', say) is kept. The Lambda functions run on nodejs24.x/22.x and do
// not rely on this.
if (Number(process.versions.node.split('.')[0]) < 22) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
await import(entry.href);
