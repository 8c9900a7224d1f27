import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { findCommand, GENERATOR_CORE, pinned } from '../machine.js';
import { runSampledChild, type SampledOutcome } from '../process-tree-sampler.js';
import { LIST_PAGES } from '../flow/shop-scenario-files.js';
import type { PeerOwnReport } from './load-window.js';

/**
 * Locust (Debian's python3-locust, the system fanout replaces) running the shop flow: one process,
 * headless, no master or workers, pinned to the generator's core. Its user classes: HttpUser
 * (python-requests) and FastHttpUser (geventhttpclient).
 */
export type LocustUserClass = 'HttpUser' | 'FastHttpUser';

export function locustBinary(): string | undefined {
  return findCommand(['locust']);
}

/** Locust's version for the report: Debian's build prints none itself, so its package's is asked first. */
export function locustVersion(binary: string): string | undefined {
  const attempts: Array<[string, string[], RegExp]> = [
    ['dpkg-query', ['-W', '-f', '${Version}', 'python3-locust'], /^(\d[\w.]*?)(?:-\d+)?$/],
    [binary, ['--version'], /(\d+\.\d+[\w.]*)/],
  ];
  for (const [command, args, pattern] of attempts) {
    try {
      const match = pattern.exec(execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      if (match) return match[1];
    } catch {
      // try the next way
    }
  }
  return undefined;
}

/**
 * The shop flow as a locustfile: on_start logs in once (each user its own account) and keeps the
 * token; the task lists a random page with the auth header, reads items[0].id, gets that item. No
 * wait time, as fanout's flow has no think time.
 */
function locustfile(userClass: LocustUserClass): string {
  return `import itertools
import random

from locust import ${userClass}, constant, task

_user_numbers = itertools.count()


class ShopUser(${userClass}):
    wait_time = constant(0)

    def on_start(self):
        number = next(_user_numbers)
        response = self.client.post("/login", json={"user": f"user{number}@example.com", "password": f"secret-{number}"}, name="login")
        self.token = response.json()["token"]

    @task
    def browse(self):
        auth = {"authorization": "Bearer " + self.token}
        listing = self.client.get(f"/items?page={random.randint(1, ${LIST_PAGES})}", headers=auth, name="list")
        item_id = listing.json()["items"][0]["id"]
        self.client.get(f"/items/{item_id}", headers=auth, name="item")
`;
}

export interface LocustRun {
  outcome: SampledOutcome;
  own: PeerOwnReport;
}

/** Writes the locustfile into `folder` (a temporary one) and runs it for `seconds` with `users` users, all spawned at once. */
export async function runLocust(binary: string, userClass: LocustUserClass, options: { url: string; users: number; seconds: number; folder: string }): Promise<LocustRun> {
  const file = join(options.folder, `locustfile_${userClass.toLowerCase()}.py`);
  const csvPrefix = join(options.folder, `locust_${userClass.toLowerCase()}`);
  await writeFile(file, locustfile(userClass));
  const { command, args } = pinned(GENERATOR_CORE, binary, [
    '-f', file,
    '--headless',
    '--users', String(options.users),
    '--spawn-rate', String(options.users * 100),
    '--run-time', `${options.seconds}s`,
    '--stop-timeout', '0',
    '--host', options.url,
    '--csv', csvPrefix,
    '--only-summary',
    '--loglevel', 'WARNING',
  ]);
  const outcome = await runSampledChild(command, args, { timeoutMs: options.seconds * 1000 + 60_000, cwd: options.folder });
  let text: string;
  try {
    text = await readFile(`${csvPrefix}_stats.csv`, 'utf8');
  } catch {
    throw new Error(`locust (${userClass}) wrote no statistics (exit ${outcome.code}): ${outcome.stderr.trim().slice(-2000)}`);
  }
  const rows = parse(text, { columns: true }) as Array<Record<string, string>>;
  const total = rows.find((row) => row.Name === 'Aggregated');
  if (!total) throw new Error(`locust (${userClass}): no Aggregated row in its statistics`);
  return {
    outcome,
    own: {
      requests: Number(total['Request Count']),
      errors: Number(total['Failure Count']),
      p50Ms: Number(total['50%']),
      p99Ms: Number(total['99%']),
    },
  };
}
