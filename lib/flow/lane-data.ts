import { laneUserNumbers } from '../engine/lane-schedule.js';
import type { RunPlan } from '../plan/run-plan.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { DataSets } from './data-files.js';
import { userRowIndex } from './user-values.js';

/**
 * Data rows travel to the workers in shares: the plan that every worker reads keeps each data set's
 * columns and no rows, and each lane gets a file with only the rows its users take (a unique data set
 * of 100,000 accounts over 200 workers: 500 rows each, not 100,000 read 200 times).
 */

/** Beside the plan (`plan-data/`): a worker may read only what starts with its run's `plan`. */
export function laneDataKey(runId: string, lane: number): string {
  return `${runId}/plan-data/${lane}.json`;
}

function dataSetsOf(plan: RunPlan): DataSets | undefined {
  return plan.settings.flows?.dataSets ?? plan.settings.module?.dataSets;
}

/** The plan as stored: data sets without their rows (the shares hold them). */
export function withoutDataRows(plan: RunPlan): RunPlan {
  const dataSets = dataSetsOf(plan);
  if (!dataSets || Object.keys(dataSets).length === 0) return plan;
  const bare = Object.fromEntries(Object.entries(dataSets).map(([name, set]) => [name, { ...set, rows: [] }]));
  const settings = plan.settings.flows
    ? { ...plan.settings, flows: { ...plan.settings.flows, dataSets: bare } }
    : { ...plan.settings, module: { ...plan.settings.module!, dataSets: bare } };
  return { ...plan, settings };
}

/** One lane's share of every data set: the rows its users take, by user number. */
export function laneDataShare(plan: RunPlan, lane: number): DataSets {
  const dataSets = dataSetsOf(plan) ?? {};
  const planned = plan.lanes.find((candidate) => candidate.index === lane)!;
  const { first, count } = laneUserNumbers(plan, planned);
  return Object.fromEntries(
    Object.entries(dataSets).map(([name, set]) => {
      const rows: DataSets[string]['rows'] = [];
      const shareIndex = new Map<number, number>();
      const userRows: Record<string, number> = {};
      for (let user = first; user < first + count; user++) {
        const index = userRowIndex(set, user, plan.runId);
        let inShare = shareIndex.get(index);
        if (inShare === undefined) shareIndex.set(index, (inShare = rows.push(set.rows[index]!) - 1));
        userRows[String(user)] = inShare;
      }
      return [name, { ...set, rows, userRows }];
    }),
  );
}

/** Stores every lane's share (the coordinator, as it stores the plan). */
export async function storeLaneData(blobs: BlobStore, plan: RunPlan): Promise<void> {
  const dataSets = dataSetsOf(plan);
  if (!dataSets || Object.keys(dataSets).length === 0) return;
  await Promise.all(plan.lanes.map((lane) => blobs.put(laneDataKey(plan.runId, lane.index), JSON.stringify(laneDataShare(plan, lane.index)), 'application/json')));
}

/** A worker's own share, read once per slice (it is small). */
export async function loadLaneData(blobs: BlobStore, plan: RunPlan, lane: number): Promise<DataSets> {
  const dataSets = dataSetsOf(plan);
  if (!dataSets || Object.keys(dataSets).length === 0) return {};
  const text = await blobs.get(laneDataKey(plan.runId, lane));
  if (text === undefined) throw new Error(`run ${plan.runId} has no data for lane ${lane} at ${laneDataKey(plan.runId, lane)}`);
  return JSON.parse(text) as DataSets;
}
