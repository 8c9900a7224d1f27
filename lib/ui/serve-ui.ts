import { z } from 'zod';
import { InputError, problemsFromZod } from '../config/input-error.js';
import { connectAws, type AwsFlags } from '../run/aws-connection.js';
import { awsUiPlatform } from './aws-ui-run.js';
import { startUiServer, type UiServer } from './ui-server.js';

/** `fanout ui`'s flags as commander hands them over. */
export interface UiFlags extends AwsFlags {
  port: string;
  host: string;
  /** `--allow-host`, repeatable. */
  allowHost?: string[];
  out: string;
  maxCost: string;
}

const FLAG_NAMES: Record<string, string> = { port: '--port', host: '--host', allowHost: '--allow-host', maxCost: '--max-cost' };

/** A host name or address, optionally with a port: `fanout.internal`, `10.0.0.5:8089`, `[fe80::1]`. */
const allowedHostName = z
  .string()
  .regex(/^([a-zA-Z0-9.-]+|\[[0-9a-fA-F:.]+\]|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)(:\d{1,5})?$/, 'expected a host name or address, optionally with :PORT');

const uiFlagsSchema = z.object({
  port: z.coerce
    .number({ error: 'expected a port number (0-65535)' })
    .int('expected a port number (0-65535)')
    .min(0, 'expected a port number (0-65535)')
    .max(65535, 'expected a port number (0-65535)'),
  host: z.string().min(1, 'expected an address such as 127.0.0.1'),
  allowHost: z.array(allowedHostName).default([]),
  maxCost: z
    .string()
    .transform((text) => Number(text.replace(/^\$/, '')))
    .pipe(z.number({ message: 'expected US dollars such as 5 or 0.50' }).min(0, 'expected US dollars such as 5 or 0.50')),
});

/**
 * Starts the UI server for `fanout ui`: runs on this machine always, on AWS when given a stack
 * (--api URL or --stack NAME, as `fanout run --platform aws` takes them).
 */
export async function serveUi(flags: UiFlags, log: (message: string) => void): Promise<UiServer> {
  const parsed = uiFlagsSchema.safeParse(flags);
  if (!parsed.success) throw new InputError(problemsFromZod(parsed.error, (path) => FLAG_NAMES[path.replace(/\[\d+\]$/, '')] ?? path));
  const { port, host, allowHost, maxCost } = parsed.data;
  let aws;
  if (flags.api !== undefined || flags.stack !== undefined) {
    const connection = await connectAws(flags);
    aws = awsUiPlatform({
      api: connection.client,
      apiUrl: connection.apiUrl,
      outDir: flags.out,
      workerMemoryMb: connection.workerMemoryMb,
      architecture: connection.architecture,
      maxCostUsd: maxCost,
    });
    log(`aws: runs go to ${connection.apiUrl}`);
  }
  // The scenario files offered are those under the folder `fanout ui` was started in.
  return startUiServer({ host, port, allowHosts: allowHost, outDir: flags.out, scenarioDir: process.cwd(), log, ...(aws ? { aws } : {}) });
}
