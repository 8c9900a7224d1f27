import type { SecretsKeeper } from '../ports/secrets-keeper.js';
import type { RunSecrets } from './collect-secrets.js';

/** On one machine: the secrets stay in this process's memory (and its worker threads'), never on disk. */
export class MemorySecretsKeeper implements SecretsKeeper {
  private readonly runs = new Map<string, RunSecrets>();

  constructor(initial: Record<string, RunSecrets> = {}) {
    for (const [runId, secrets] of Object.entries(initial)) this.runs.set(runId, secrets);
  }

  async keep(runId: string, secrets: RunSecrets): Promise<void> {
    this.runs.set(runId, secrets);
  }

  async open(runId: string): Promise<RunSecrets> {
    const secrets = this.runs.get(runId);
    if (!secrets) throw new Error(`run ${runId} has secrets, and this process was not given them`);
    return secrets;
  }
}
