import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import S3rver from 's3rver';

/**
 * The S3 and DynamoDB emulators in a process of their own (started by storage-emulators.ts):
 * node must run s3rver with `--openssl-legacy-provider` (its ListObjectsV2 continuation token
 * uses DES), and the emulators' CPU then stays off the event loop that generates load.
 *
 * argv: <bucket> <directory>. Sends `{ s3, dynamodb }` (endpoint URLs) once both listen; exits
 * when its parent goes.
 */
export interface StorageReady {
  type: 'ready';
  s3: string;
  dynamodb: string;
}

const [bucket, directory] = process.argv.slice(2);
if (!bucket || !directory || !process.send) {
  console.error('usage: forked with <bucket> <directory> and an IPC channel');
  process.exit(2);
}

const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, resetOnClose: true, configureBuckets: [{ name: bucket }] });
const s3Address = await s3.run();
const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
dynamo.listen(0, '127.0.0.1');
await once(dynamo, 'listening');
const dynamoAddress = dynamo.address() as AddressInfo;

process.on('disconnect', () => process.exit(0));
process.send({
  type: 'ready',
  s3: `http://127.0.0.1:${s3Address.port}`,
  dynamodb: `http://127.0.0.1:${dynamoAddress.port}`,
} satisfies StorageReady);
