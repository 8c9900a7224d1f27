import { readFile, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { InputError } from '../config/input-error.js';
import { isPlainObject } from '../config/schema-by-shape.js';
import type { DataPick, DataSpec } from './flow-schema.js';

/**
 * Data files (`data: { accounts: { file: accounts.csv, pick: unique } }`): a CSV file with a header
 * row, or a JSON array of objects, read relative to the scenario file. Each user takes one row for
 * its whole life. The loaded rows are plain JSON, because on AWS they travel with the plan to
 * every worker; hence the size limit.
 */

/** A cell: CSV cells are strings; JSON data files may also hold numbers, booleans and null. */
export type DataValue = string | number | boolean | null;

export interface DataSet {
  name: string;
  /** As written in the scenario (relative to it), for messages. */
  file: string;
  pick: DataPick;
  columns: string[];
  /** One array per row, in the order of `columns`. */
  rows: DataValue[][];
  /**
   * A worker's share (lane-data.ts): only the rows its users take, `userRows` mapping a user number
   * to its row in `rows`. Absent: every row, picked by `rowFor` over all of them.
   */
  userRows?: Record<string, number>;
}

export type DataSets = Record<string, DataSet>;

/** All data files of a scenario together: they are copied into the plan that every worker reads. */
export const MAX_DATA_BYTES = 10 * 1024 * 1024;

/** Reads every data file of the scenario; `scenarioDir` is the scenario file's folder. */
export async function loadDataSets(spec: DataSpec | undefined, scenarioDir: string, source?: string): Promise<DataSets> {
  const dataSets: DataSets = {};
  let totalBytes = 0;
  for (const [name, { file, pick }] of Object.entries(spec ?? {})) {
    const field = source ? `${source}: data.${name}` : `data.${name}`;
    const fail = (message: string): never => {
      throw new InputError([{ field, message: `${file}: ${message}` }]);
    };
    const path = resolve(scenarioDir, file);
    const extension = extname(file).toLowerCase();
    if (extension !== '.csv' && extension !== '.json') fail('expected a .csv file (with a header row) or a .json file (an array of objects)');
    let bytes: number;
    try {
      bytes = (await stat(path)).size;
    } catch (error) {
      return fail(`cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)}; looked for ${path})`);
    }
    totalBytes += bytes;
    if (totalBytes > MAX_DATA_BYTES) {
      fail(`data files may total at most ${MAX_DATA_BYTES / 1024 / 1024} MB (they travel with the plan to every worker); with this one they are ${(totalBytes / 1024 / 1024).toFixed(1)} MB`);
    }
    const text = await readFile(path, 'utf8');
    const table = extension === '.csv' ? csvTable(text, fail) : jsonTable(text, fail);
    dataSets[name] = { name, file, pick, ...table };
  }
  return dataSets;
}

export function dataColumnsOf(dataSets: DataSets): Record<string, string[]> {
  return Object.fromEntries(Object.values(dataSets).map((dataSet) => [dataSet.name, dataSet.columns]));
}

/** Rows a data set needs for the run's largest number of users at once. */
export function requiredRows(pick: DataPick, peakUsers: number): number {
  return pick === 'unique' ? peakUsers : 1;
}

/**
 * The plan-time check, before anything starts: a `unique` data set needs a row for every user of
 * the run. `peakUsers` is the largest user count of any step; users are numbered 0…peakUsers − 1
 * across all workers.
 */
export function checkDataRows(dataSets: DataSets, peakUsers: number, source?: string): void {
  const problems = Object.values(dataSets).flatMap((dataSet) => {
    const needed = requiredRows(dataSet.pick, peakUsers);
    if (dataSet.rows.length >= needed) return [];
    return [{
      field: source ? `${source}: data.${dataSet.name}` : `data.${dataSet.name}`,
      message: `${peakUsers} users need ${needed} unique rows, ${dataSet.file} has ${dataSet.rows.length}`,
    }];
  });
  if (problems.length > 0) throw new InputError(problems);
}

/**
 * The row (its index) of user `userNumber` (0-based, numbered across the whole run): unique: the
 * user's own row; sequential: user number modulo the rows; random: a hash of the user number and
 * `seed`, so that a user keeps its row wherever it runs. Use one seed per data set and run (see
 * seedOf), so that two random data sets do not pick rows in step.
 */
export function rowFor(pick: DataPick, userNumber: number, rowCount: number, seed = 0): number {
  switch (pick) {
    case 'unique':
      if (userNumber >= rowCount) throw new RangeError(`user ${userNumber} has no unique row among ${rowCount}; checkDataRows should have stopped the run`);
      return userNumber;
    case 'sequential':
      return userNumber % rowCount;
    case 'random':
      return mix32((userNumber + Math.imul(seed, 0x9e3779b9)) | 0) % rowCount;
  }
}

/** A 32-bit seed from text, such as `${runId}/${dataSet}` (FNV-1a). */
export function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  return hash >>> 0;
}

// murmur3's finaliser: consecutive user numbers land on unrelated rows.
function mix32(value: number): number {
  let x = value;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

type Fail = (message: string) => never;
type Table = Pick<DataSet, 'columns' | 'rows'>;

function csvTable(text: string, fail: Fail): Table {
  let records: string[][];
  try {
    records = parseCsv(text, { bom: true, skip_empty_lines: true });
  } catch (error) {
    return fail(`not valid CSV: ${(error as Error).message}`);
  }
  const [header, ...rows] = records;
  if (!header) return fail('is empty; expected a header row, then one row per user');
  const duplicate = header.find((column, index) => header.indexOf(column) !== index);
  if (header.some((column) => column.trim() === '')) fail('the header row has an empty column name');
  if (duplicate !== undefined) fail(`the header row names ${JSON.stringify(duplicate)} twice`);
  if (rows.length === 0) fail('has a header row but no rows');
  return { columns: header, rows };
}

function jsonTable(text: string, fail: Fail): Table {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return fail(`not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(document) || document.length === 0) return fail('expected a non-empty JSON array of objects, one per user');
  const first: unknown = document[0];
  if (!isPlainObject(first)) return fail('item 0 is not an object');
  const columns = Object.keys(first);
  if (columns.length === 0) fail('item 0 has no fields');
  const rows = document.map((item: unknown, index): DataValue[] => {
    if (!isPlainObject(item)) return fail(`item ${index} is not an object`);
    const keys = Object.keys(item);
    const extra = keys.find((key) => !columns.includes(key));
    if (extra !== undefined || keys.length !== columns.length) {
      fail(`item ${index} has fields ${keys.join(', ')}; every item needs the fields of item 0: ${columns.join(', ')}`);
    }
    return columns.map((column) => {
      const value = item[column];
      if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
      return fail(`item ${index}, field ${column}: expected a string, number, boolean or null`);
    });
  });
  return { columns, rows };
}
