import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPOSITORY = fileURLToPath(new URL('../../../', import.meta.url));

export interface SlsPackageOptions {
  /** Where the zips and the CloudFormation template go (`--package`). */
  outDir: string;
  /** Deploy params, `name=value` each (`--param`). */
  params?: string[];
  stage?: string;
  region?: string;
}

/**
 * `sls package` (osls, a devDependency) of this repository's serverless.yml: the zips and the
 * template `sls deploy` would upload. With no credentials and no AWS configuration at all, since
 * packaging must not need them. Resolves to what it printed (with --verbose: the esbuild target
 * among it); rejects with that output when it fails.
 */
export async function slsPackage(options: SlsPackageOptions): Promise<string> {
  const sls = createRequire(import.meta.url).resolve('osls/bin/serverless.js');
  const env: NodeJS.ProcessEnv = { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete env[name];
  env.AWS_CONFIG_FILE = join(options.outDir, 'no-config');
  env.AWS_SHARED_CREDENTIALS_FILE = join(options.outDir, 'no-credentials');
  const args = [sls, 'package', '--verbose', '--stage', options.stage ?? 'test', '--region', options.region ?? 'eu-west-1', '--package', options.outDir];
  for (const param of options.params ?? []) args.push(`--param=${param}`);
  const child = spawn(process.execPath, args, { cwd: REPOSITORY, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`sls package failed (exit ${code}):\n${output}`);
  return output;
}
