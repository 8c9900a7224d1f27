import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LIST_PAGES } from '../flow/shop-scenario-files.js';
import { GENERATOR_CORE, pinned } from '../machine.js';
import { runSampledChild } from '../process-tree-sampler.js';
import type { LocustRun } from './run-locust.js';

/**
 * Artillery 2 running the shop flow, pinned to the generator's core, one worker thread: a fixed
 * set of virtual users, all arriving in the first second, each taking its own account
 * (accounts.csv, in order), logging in once and capturing the token, then looping — the list with
 * the auth header and a capture of items[0].id, then that item — until the run's time is up (a
 * `whileTrue` function in a processor file, since a loop's `count` knows no time).
 */
function artilleryScript(url: string, users: number): string {
  return `config:
  target: "${url}"
  processor: "./keep-going.cjs"
  payload:
    path: "./accounts.csv"
    fields: ["user", "password"]
    order: sequence
    skipHeader: true
  phases:
    - duration: 1
      arrivalCount: ${users}
scenarios:
  - name: browse
    flow:
      - post:
          url: "/login"
          json: { user: "{{ user }}", password: "{{ password }}" }
          capture: { json: "$.token", as: "token" }
      - loop:
          - get:
              url: "/items?page={{ $randomNumber(1, ${LIST_PAGES}) }}"
              headers: { authorization: "Bearer {{ token }}" }
              capture: { json: "$.items[0].id", as: "itemId" }
          - get:
              url: "/items/{{ itemId }}"
              headers: { authorization: "Bearer {{ token }}" }
        whileTrue: keepGoing
`;
}

/** Every user loops until `seconds` after the first one asked. */
function keepGoingProcessor(seconds: number): string {
  return `let deadline;
module.exports = {
  keepGoing(context, next) {
    deadline ??= Date.now() + ${seconds * 1000};
    next(Date.now() < deadline);
  },
};
`;
}

interface ArtilleryReport {
  aggregate: {
    counters: Record<string, number>;
    summaries: Record<string, { p50?: number; median?: number; p99?: number }>;
  };
}

/** Writes the script and its processor into `folder` (a temporary one, holding accounts.csv) and runs it. */
export async function runArtillery(bin: string, options: { url: string; users: number; seconds: number; folder: string }): Promise<LocustRun> {
  const script = join(options.folder, 'artillery.yml');
  const output = join(options.folder, 'artillery-report.json');
  await writeFile(script, artilleryScript(options.url, options.users));
  await writeFile(join(options.folder, 'keep-going.cjs'), keepGoingProcessor(options.seconds));
  const { command, args } = pinned(GENERATOR_CORE, process.execPath, [bin, 'run', '--quiet', '--output', output, script]);
  const outcome = await runSampledChild(command, args, {
    timeoutMs: options.seconds * 1000 + 120_000,
    cwd: options.folder,
    // One worker thread (WORKERS; `--solo` would mean one virtual user), no telemetry sent home.
    env: { ...process.env, WORKERS: '1', ARTILLERY_DISABLE_TELEMETRY: 'true' },
  });
  let report: ArtilleryReport;
  try {
    report = JSON.parse(await readFile(output, 'utf8')) as ArtilleryReport;
  } catch {
    throw new Error(`artillery wrote no report (exit ${outcome.code}): ${(outcome.stderr || outcome.stdout).trim().slice(-2000)}`);
  }
  const counters = report.aggregate.counters;
  const failedStatus = Object.entries(counters)
    .filter(([name]) => /^http\.codes\.\d+$/.test(name) && !/^http\.codes\.2\d\d$/.test(name))
    .reduce((sum, [, count]) => sum + count, 0);
  const errors = Object.entries(counters)
    .filter(([name]) => name.startsWith('errors.'))
    .reduce((sum, [, count]) => sum + count, 0);
  const responseTime = report.aggregate.summaries['http.response_time'] ?? {};
  return {
    outcome,
    own: {
      requests: counters['http.responses'] ?? 0,
      errors: failedStatus + errors,
      p50Ms: responseTime.median ?? responseTime.p50 ?? NaN,
      p99Ms: responseTime.p99 ?? NaN,
    },
  };
}
