import { Command, InvalidArgumentError, Option } from 'commander';
import { InputError } from '../lib/config/input-error.js';
import { startEmulatedStack } from '../lib/emulate/emulated-stack.js';
import { FAULT_KINDS, parseFaults, type FaultPlan } from '../lib/emulate/fault-spec.js';
import { packageFunctions } from '../lib/emulate/packaged-functions.js';

/**
 * `npm run emulate`: fanout's AWS stack on 127.0.0.1 (S3, DynamoDB, the Lambda Invoke API running
 * the real handlers, the HTTP API) until Ctrl-C, for `fanout run --platform aws --api <url>`.
 * With --bundles, the handlers are the deployable artifacts: `sls package`'s zips, each unpacked
 * alone and run in processes of the Lambda runtime's Node (fetched from the npm registry once).
 * With --fault (repeatable), the stack misbehaves as AWS can: see docs/aws.md, "Faults".
 */
const port = (text: string) => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new InvalidArgumentError('expected a port number (0: any free port)');
  return value;
};

const program = new Command('emulate')
  .description('Run the fanout AWS stack on 127.0.0.1 with emulators (no AWS account needed)')
  .option('--api-port <port>', 'HTTP API port', port, 4510)
  .option('--lambda-port <port>', 'Lambda Invoke API port', port, 4511)
  .option('--quiet', 'do not log function errors')
  .option('--bundles', "run the functions from `sls package`'s zips under the Lambda runtime's Node, not from this build")
  .addOption(new Option('--node-runtime <runtime>', 'with --bundles: the nodeRuntime deploy param').choices(['nodejs24.x', 'nodejs22.x']))
  .option(
    '--fault <kind[:spec]>',
    `inject a fault, repeatable: ${FAULT_KINDS.join(', ')} (e.g. worker-crash:1/0@2, s3-error:0.1, coordinator-crash:1; docs/aws.md)`,
    (value: string, previous: string[]) => [...previous, value],
    [] as string[],
  )
  .option('--fault-seed <n>', 'seeds the faults\' dice: the same seed fails the same calls', (text: string) => {
    const value = Number(text);
    if (!Number.isInteger(value)) throw new InvalidArgumentError('expected a whole number');
    return value;
  }, 1)
  .parse();
const options = program.opts<{ apiPort: number; lambdaPort: number; quiet?: boolean; bundles?: boolean; nodeRuntime?: string; fault: string[]; faultSeed: number }>();
const log = (message: string) => process.stderr.write(`${message}\n`);

let faults: FaultPlan;
try {
  faults = parseFaults(options.fault);
} catch (error) {
  if (!(error instanceof InputError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}

const packaged = options.bundles ? await packageFunctions({ params: options.nodeRuntime ? [`nodeRuntime=${options.nodeRuntime}`] : [], log }) : undefined;
if (packaged) log(`functions from ${packaged.unpacked.root} on node ${packaged.node.version} (${packaged.runtime})`);
const stack = await startEmulatedStack({
  ports: { api: options.apiPort, lambda: options.lambdaPort },
  ...(packaged ? { bundles: packaged.stackBundles } : {}),
  faults,
  faultSeed: options.faultSeed,
  log: options.quiet ? undefined : log,
});
process.stdout.write(
  [
    'fanout emulated stack on 127.0.0.1 (Ctrl-C to stop)',
    `  HTTP API   ${stack.apiUrl}   routes POST /runs, GET /runs, GET /runs/{id}, POST /runs/{id}/stop, GET /runs/{id}/report (SigV4-signed, as AWS_IAM wants)`,
    `  Lambda     ${stack.lambdaEndpoint}   ${Object.values(stack.functions).join(', ')}`,
    `  S3         ${stack.s3Endpoint}   bucket ${stack.bucket}`,
    `  DynamoDB   ${stack.dynamodbEndpoint}   table ${stack.table}`,
    ...(options.fault.length > 0 ? [`  faults     ${options.fault.join(', ')} (seed ${options.faultSeed})`] : []),
    `  KMS        ${stack.env.FANOUT_KMS_ENDPOINT}   key ${stack.kms.keyArn} (run secrets)`,
    '',
    `  try: npx fanout run --platform aws --api ${stack.apiUrl} --target http://127.0.0.1:8080 --users 10 --duration 20s`,
    '',
  ].join('\n'),
);

let closing = false;
const close = () => {
  if (closing) process.exit(130);
  closing = true;
  process.stdout.write('stopping the emulated stack\n');
  stack.close().then(
    async () => {
      await packaged?.unpacked.remove();
      process.exit(0);
    },
    () => process.exit(1),
  );
};
process.on('SIGINT', close);
process.on('SIGTERM', close);
