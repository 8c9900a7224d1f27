import type { CompiledFlows } from './compile-flows.js';
import { rowFor, seedOf, type DataSet, type DataSets, type DataValue } from './data-files.js';

/**
 * A user's data rows, and the values its templates read. `userNumber` counts users across the whole
 * run from 0; `runId` seeds the random pick, so that a user keeps its rows wherever it runs.
 */

/** The row of `dataSet` that user `userNumber` takes for its whole life. */
export function userRow(dataSet: DataSet, userNumber: number, runId = ''): readonly DataValue[] {
  if (dataSet.userRows) {
    const index = dataSet.userRows[String(userNumber)];
    if (index === undefined) throw new RangeError(`user ${userNumber} is not among this worker's users of data set ${dataSet.name}`);
    return dataSet.rows[index]!;
  }
  return dataSet.rows[userRowIndex(dataSet, userNumber, runId)]!;
}

/** The index, among all of a data set's rows, of the row user `userNumber` takes. */
export function userRowIndex(dataSet: Pick<DataSet, 'name' | 'pick' | 'rows'>, userNumber: number, runId = ''): number {
  return rowFor(dataSet.pick, userNumber, dataSet.rows.length, seedOf(`${runId}/${dataSet.name}`));
}

/**
 * A new user's values, by slot (CompiledFlows.slots): its data rows filled in, captures empty until
 * its steps capture them. Templates read these (renderTemplate), captures write them (runCaptures).
 */
export function newUserValues(compiled: CompiledFlows, dataSets: DataSets, userNumber: number, runId = ''): unknown[] {
  const values: unknown[] = new Array(compiled.slots.length).fill(undefined);
  const rows = new Map<string, readonly DataValue[]>();
  for (const { dataSet, column, slot } of compiled.dataSlots) {
    let row = rows.get(dataSet);
    if (!row) {
      const set = dataSets[dataSet];
      if (!set) throw new Error(`newUserValues: data set ${dataSet} was not loaded`);
      rows.set(dataSet, (row = userRow(set, userNumber, runId)));
    }
    values[slot] = row[column];
  }
  return values;
}

/** A scenario module's `user.data`: each data set's row for this user, by column name. */
export function userData(dataSets: DataSets, userNumber: number, runId = ''): Record<string, Record<string, DataValue>> {
  return Object.fromEntries(
    Object.values(dataSets).map((set) => {
      const row = userRow(set, userNumber, runId);
      return [set.name, Object.fromEntries(set.columns.map((column, index) => [column, row[index]!]))];
    }),
  );
}
