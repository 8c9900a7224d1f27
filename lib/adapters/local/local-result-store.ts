import { open, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makePrivateDir, PRIVATE_FILE_MODE, writeFileAtomically } from '../../files/private-files.js';
import type { SliceTask, StepPartKey } from '../../plan/slice-task.js';
import type { FailedInvocation, FinalizationOptions, FinalizedRun, ResultStore, RunRecord, SliceRef, StepRecord } from '../../ports/result-store.js';

/**
 * The runs table on a local folder (`<root>/<runId>/table/`), with the same exactly-once rules as
 * DynamoDB: a claim or completion is a file created with O_EXCL, so worker threads need no lock,
 * and the completions of a step are the files there are.
 */
export class LocalResultStore implements ResultStore {
  constructor(readonly root: string) {}

  private tablePath(runId: string, ...parts: string[]): string {
    return join(this.root, runId, 'table', ...parts);
  }

  private async writeJson(path: string, value: unknown): Promise<void> {
    await makePrivateDir(dirname(path));
    await writeFileAtomically(path, JSON.stringify(value, null, 2));
  }

  private async readJson<T>(path: string): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(path, 'utf8')) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Creates `path` (with `content`) only if it does not exist: true for the creator. */
  private async createOnce(path: string, content = ''): Promise<boolean> {
    await makePrivateDir(dirname(path));
    try {
      const handle = await open(path, 'wx', PRIVATE_FILE_MODE);
      try {
        if (content !== '') await handle.writeFile(content);
      } finally {
        await handle.close();
      }
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }

  async createRun(run: RunRecord): Promise<void> {
    if (!(await this.createOnce(this.tablePath(run.runId, 'run.lock')))) throw new Error(`run ${run.runId} exists already`);
    await this.writeJson(this.tablePath(run.runId, 'run.json'), run);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const run = await this.readJson<RunRecord>(this.tablePath(runId, 'run.json'));
    if (!run) return undefined;
    return { ...run, stopRequested: run.stopRequested || (await this.isStopRequested(runId)) };
  }

  async updateRun(runId: string, changes: Partial<Pick<RunRecord, 'status' | 'endedAt' | 'reportKey' | 'partsDone'>>): Promise<void> {
    const run = await this.getRun(runId);
    if (!run) throw new Error(`run ${runId} not found`);
    await this.writeJson(this.tablePath(runId, 'run.json'), { ...run, ...changes });
  }

  async listRuns(limit: number, owner?: string): Promise<RunRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const runs = await Promise.all(names.map((name) => this.getRun(name).catch(() => undefined)));
    return runs
      .filter((run): run is RunRecord => run !== undefined && (owner === undefined || run.owner === owner))
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, limit);
  }

  async requestStop(runId: string): Promise<void> {
    await this.createOnce(this.tablePath(runId, 'stop'));
  }

  async isStopRequested(runId: string): Promise<boolean> {
    try {
      await readFile(this.tablePath(runId, 'stop'));
      return true;
    } catch {
      return false;
    }
  }

  async claimSlice(task: SliceTask, owner: string): Promise<boolean> {
    const path = this.tablePath(task.runId, 'claims', `${task.slice}-${task.lane}`);
    if (await this.createOnce(path, owner)) return true;
    return (await readFile(path, 'utf8').catch(() => '')) === owner;
  }

  private async namesIn(runId: string, folder: string): Promise<string[]> {
    try {
      return await readdir(this.tablePath(runId, folder));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  async listClaims(runId: string, slice: number): Promise<number[]> {
    const names = await this.namesIn(runId, 'claims');
    return names
      .filter((name) => name.startsWith(`${slice}-`))
      .map((name) => Number(name.slice(`${slice}-`.length)))
      .sort((a, b) => a - b);
  }

  async completePart(part: StepPartKey): Promise<boolean> {
    return this.createOnce(this.tablePath(part.runId, 'done', `${part.step}-${part.slice}-${part.lane}`));
  }

  async listDoneParts(runId: string, step: number): Promise<SliceRef[]> {
    const names = await this.namesIn(runId, 'done');
    return names
      .filter((name) => name.startsWith(`${step}-`))
      .map((name) => {
        const [, slice, lane] = name.split('-').map(Number);
        return { slice: slice!, lane: lane! };
      });
  }

  async putStep(step: StepRecord): Promise<void> {
    await this.writeJson(this.tablePath(step.runId, 'steps', `${step.step}.json`), step);
  }

  async listSteps(runId: string): Promise<StepRecord[]> {
    const names = (await this.namesIn(runId, 'steps')).filter((name) => name.endsWith('.json'));
    const steps = await Promise.all(names.map((name) => this.readJson<StepRecord>(this.tablePath(runId, 'steps', name))));
    return steps.filter((step): step is StepRecord => step !== undefined).sort((a, b) => a.step - b.step);
  }

  async acquireFinalization(runId: string, owner: string, options: FinalizationOptions): Promise<boolean> {
    const run = await this.getRun(runId);
    if (!run || (options.whileRunning && run.status !== 'running')) return false;
    const path = this.tablePath(runId, 'finalizing.json');
    const lease = JSON.stringify({ owner, until: Date.now() + options.leaseMs });
    if (await this.createOnce(path, lease)) return true;
    const held = await this.readJson<{ owner: string; until: number }>(path);
    if (held && held.owner !== owner && held.until >= Date.now()) return false;
    // One machine has one finalising process: taking over a dead holder's lease needs no race guard.
    await this.writeJson(path, JSON.parse(lease));
    return true;
  }

  async completeFinalization(runId: string, owner: string, run: FinalizedRun): Promise<boolean> {
    const path = this.tablePath(runId, 'finalizing.json');
    const held = await this.readJson<{ owner: string }>(path);
    if (held?.owner !== owner) return false;
    await this.updateRun(runId, run);
    await rm(path, { force: true });
    return true;
  }

  async recordFailure(runId: string, failure: FailedInvocation): Promise<void> {
    await this.writeJson(this.tablePath(runId, 'failed', `${encodeURIComponent(failure.requestId)}.json`), failure);
  }

  async listFailures(runId: string): Promise<FailedInvocation[]> {
    const names = (await this.namesIn(runId, 'failed')).filter((name) => name.endsWith('.json'));
    const failures = await Promise.all(names.map((name) => this.readJson<FailedInvocation>(this.tablePath(runId, 'failed', name))));
    return failures.filter((failure): failure is FailedInvocation => failure !== undefined).sort((a, b) => a.at - b.at);
  }
}
