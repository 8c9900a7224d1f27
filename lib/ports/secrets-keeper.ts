import type { RunSecrets } from '../secrets/collect-secrets.js';

/**
 * Where a run's secrets wait for its workers, never beside the plan in clear: in memory on one
 * machine (worker threads of the same process), encrypted under the stack's KMS key on AWS (only
 * the worker role may decrypt).
 */
export interface SecretsKeeper {
  keep(runId: string, secrets: RunSecrets): Promise<void>;
  open(runId: string): Promise<RunSecrets>;
}
