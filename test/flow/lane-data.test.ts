import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario, resolveRunSettings } from '../../lib/config/run-settings.js';
import { laneDataShare, withoutDataRows } from '../../lib/flow/lane-data.js';
import { userRow } from '../../lib/flow/user-values.js';
import { planRun } from '../../lib/plan/run-plan.js';

const accounts = (count: number) => Array.from({ length: count }, (_, index) => [`user${index}`, `secret-${index}`]);

function planOf(pick: 'unique' | 'sequential' | 'random', rows: number, users: number) {
  const scenario = parseScenario(
    {
      target: 'http://127.0.0.1:1',
      data: { accounts: { file: 'accounts.csv', pick, columns: ['user', 'password'], rows: accounts(rows) } },
      flows: [{ name: 'f', steps: [{ path: '/{{ accounts.user }}' }] }],
      load: { steps: [users / 2, users], stepDuration: '10s', workers: 2 },
    },
    'test',
  );
  return planRun(resolveRunSettings(scenario), { platform: 'local', runId: 'r1' });
}

test('each worker gets only the rows its users take; the plan every worker reads has none', () => {
  const plan = planOf('unique', 1000, 20);
  assert.deepEqual(withoutDataRows(plan).settings.flows!.dataSets.accounts!.rows, []);
  assert.equal(plan.settings.flows!.dataSets.accounts!.rows.length, 1000, 'the plan in memory is unchanged');
  const shares = [0, 1].map((lane) => laneDataShare(plan, lane).accounts!);
  assert.deepEqual(shares.map((share) => share.rows.length), [10, 10]);
  // Unique rows: no two users of the run share one, and each user's row is the one it would take from all of them.
  const taken = [...Array(20).keys()].map((user) => userRow(shares[user < 10 ? 0 : 1]!, user, 'r1')[0]);
  assert.equal(new Set(taken).size, 20);
  assert.deepEqual(taken, [...Array(20).keys()].map((user) => userRow(plan.settings.flows!.dataSets.accounts!, user, 'r1')[0]));
});

test('sequential and random picks: a share holds each row its users take once, and a user takes the same row as from all rows', () => {
  for (const pick of ['sequential', 'random'] as const) {
    const plan = planOf(pick, 3, 20);
    const all = plan.settings.flows!.dataSets.accounts!;
    for (const lane of [0, 1]) {
      const share = laneDataShare(plan, lane).accounts!;
      assert.ok(share.rows.length <= 3);
      for (let user = lane * 10; user < lane * 10 + 10; user++) assert.deepEqual(userRow(share, user, 'r1'), userRow(all, user, 'r1'));
    }
  }
});
