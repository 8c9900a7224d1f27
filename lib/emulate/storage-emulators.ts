import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createRunsTableInput } from '../adapters/aws/runs-table.js';
import type { StorageReady } from './storage-process.js';

export interface StorageEmulators {
  s3Endpoint: string;
  dynamodbEndpoint: string;
  bucket: string;
  table: string;
  close(): Promise<void>;
}

export interface StorageEmulatorOptions {
  bucket?: string;
  table?: string;
  region?: string;
}

const STARTUP_TIMEOUT_MS = 20_000;

/** Starts s3rver (with the results bucket) and dynalite (with the runs table) on 127.0.0.1. */
export async function startStorageEmulators(options: StorageEmulatorOptions = {}): Promise<StorageEmulators> {
  const bucket = options.bucket ?? 'fanout-results';
  const table = options.table ?? 'fanout-runs';
  const directory = await mkdtemp(join(tmpdir(), 'fanout-s3rver-'));
  const child: ChildProcess = fork(fileURLToPath(new URL('./storage-process.js', import.meta.url)), [bucket, directory], {
    execArgv: ['--openssl-legacy-provider'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill();
      await once(child, 'exit');
    }
    await rm(directory, { recursive: true, force: true });
  };
  try {
    const ready = await new Promise<StorageReady>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the S3/DynamoDB emulators did not start within 20 s')), STARTUP_TIMEOUT_MS);
      child.once('message', (message: StorageReady) => {
        clearTimeout(timer);
        resolve(message);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the S3/DynamoDB emulator process exited (code ${code})`));
      });
    });
    const dynamo = new DynamoDBClient({
      region: options.region ?? 'us-east-1',
      endpoint: ready.dynamodb,
      credentials: { accessKeyId: 'emulator', secretAccessKey: 'emulator' },
    });
    await dynamo.send(new CreateTableCommand(createRunsTableInput(table)));
    dynamo.destroy();
    return { s3Endpoint: ready.s3, dynamodbEndpoint: ready.dynamodb, bucket, table, close: stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
