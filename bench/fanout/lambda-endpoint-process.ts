import { LambdaEmulator } from '../../lib/emulate/lambda-emulator.js';

/**
 * The local Lambda Invoke API for the fan-out benchmark, in a process of its own (pinned to the
 * target's core by the parent): the project's emulator with handlers that only count, since what is
 * measured is how fast the coordinator issues invocations, not what they run. Prints {"url"} when
 * listening, and {"invocations": N} on SIGTERM.
 */
let invocations = 0;
const count = async () => {
  invocations++;
  return null;
};
const emulator = new LambdaEmulator({
  functions: [
    { name: 'fanout-worker', handler: count, timeoutS: 900 },
    { name: 'fanout-aggregator', handler: count, timeoutS: 900 },
  ],
});
const url = await emulator.start();
process.stdout.write(`${JSON.stringify({ url })}\n`);
process.on('SIGTERM', () => {
  process.stdout.write(`${JSON.stringify({ invocations })}\n`);
  void emulator.close().then(() => process.exit(0));
});
