import { Command, InvalidArgumentError } from 'commander';
import { startEmulatedStack } from '../lib/emulate/emulated-stack.js';

/**
 * `npm run emulate`: fanout's AWS stack on 127.0.0.1 (S3, DynamoDB, the Lambda Invoke API running
 * the real handlers, the HTTP API) until Ctrl-C, for `fanout run --platform aws --api <url>`.
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
  .parse();
const options = program.opts<{ apiPort: number; lambdaPort: number; quiet?: boolean }>();

const stack = await startEmulatedStack({
  ports: { api: options.apiPort, lambda: options.lambdaPort },
  log: options.quiet ? undefined : (message) => process.stderr.write(`${message}\n`),
});
process.stdout.write(
  [
    'fanout emulated stack on 127.0.0.1 (Ctrl-C to stop)',
    `  HTTP API   ${stack.apiUrl}   routes POST /runs, GET /runs/{id}, POST /runs/{id}/stop, GET /runs/{id}/report (SigV4-signed, as AWS_IAM wants)`,
    `  Lambda     ${stack.lambdaEndpoint}   ${Object.values(stack.functions).join(', ')}`,
    `  S3         ${stack.s3Endpoint}   bucket ${stack.bucket}`,
    `  DynamoDB   ${stack.dynamodbEndpoint}   table ${stack.table}`,
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
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', close);
process.on('SIGTERM', close);
