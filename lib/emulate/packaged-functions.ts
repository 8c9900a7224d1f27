import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FunctionKey } from '../lambda/function-specs.js';
import type { EmulatedStackOptions } from './emulated-stack.js';
import { unpackFunctionBundles, type UnpackedBundles } from './function-bundles.js';
import { lambdaNode, nodeMajorOfRuntime, type LambdaNode } from './lambda-node.js';
import { slsPackage } from './sls-package.js';

export interface PackagedFunctions {
  /** The functions' runtime as the template sets it (nodejs24.x). */
  runtime: string;
  /** A node of that runtime's major to run them with. */
  node: LambdaNode;
  unpacked: UnpackedBundles;
  /** What startEmulatedStack takes to run these very zips. */
  stackBundles: NonNullable<EmulatedStackOptions['bundles']>;
}

/**
 * The deployable artifacts, ready to run: `sls package` (with deploy `params`), each zip unpacked
 * alone, and a node of the template's runtime major. `unpacked.remove()` deletes them.
 */
export async function packageFunctions(options: { params?: string[]; log?: (line: string) => void } = {}): Promise<PackagedFunctions> {
  const packageDir = await mkdtemp(join(tmpdir(), 'fanout-sls-package-'));
  try {
    options.log?.('packaging the functions (sls package)');
    await slsPackage({ outDir: packageDir, params: options.params ?? [] });
    const template = JSON.parse(await readFile(join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8')) as {
      Resources: Record<string, { Properties: { Runtime?: string } }>;
    };
    const runtime = template.Resources.WorkerLambdaFunction!.Properties.Runtime!;
    const node = await lambdaNode(nodeMajorOfRuntime(runtime), options.log ? { log: options.log } : {});
    const unpacked = await unpackFunctionBundles(packageDir);
    const directories = Object.fromEntries(Object.values(unpacked.bundles).map((bundle) => [bundle.key, bundle.directory])) as Record<FunctionKey, string>;
    return { runtime, node, unpacked, stackBundles: { directories, runtime, node: node.path } };
  } finally {
    await rm(packageDir, { recursive: true, force: true });
  }
}
