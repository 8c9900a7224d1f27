import type { AwsCredentials } from '../aws-http/sign-request.js';

/** The key pair the emulated stack runs with: s3rver knows only this one; the HTTP API emulator checks signatures made with it. */
export const EMULATOR_CREDENTIALS: AwsCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** The same, as the environment the SDK's default credential chain reads. */
export const EMULATOR_CREDENTIALS_ENV = {
  AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
} as const;
