import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * fanout's three ways to load the shop, written as files into a temporary folder (never into the
 * repository) so that they go through the CLI's own reading: the static `requests:` path, the shop
 * flow in YAML and the same flow as a TypeScript module. The flow is scenarios/shop's browse flow
 * without its think time, so that the generator's core is the limit: login once per user (onStart,
 * capturing a token), then per iteration the list with a templated auth header and a capture of an
 * item id, then that item.
 */

/** The list pages the flow picks from (randomInt(1, 20)); page N lists the ids N*100 … N*100+4. */
export const LIST_PAGES = 20;

/** The GET paths the static path cycles through: every list page the flow may read, and the item each page's capture names. */
export function staticPaths(): string[] {
  const pages = Array.from({ length: LIST_PAGES }, (_, index) => index + 1);
  return [...pages.map((page) => `/items?page=${page}`), ...pages.map((page) => `/items/${page * 100}`)];
}

export function accountsCsv(count: number): string {
  return ['user,password', ...Array.from({ length: count }, (_, index) => `user${index}@example.com,secret-${index}`)].join('\n') + '\n';
}

function staticYaml(token: string): string {
  const requests = staticPaths().map((path) =>
    [`  - name: ${path.startsWith('/items?') ? 'list' : 'item'}`, `    path: ${path}`, `    headers: { authorization: "Bearer ${token}" }`].join('\n'),
  );
  return ['name: shop static (bench)', 'requests:', ...requests, ''].join('\n');
}

const FLOW_YAML = `name: shop flow (bench)
data:
  accounts: { file: accounts.csv, pick: unique }
onStart:
  - name: login
    method: POST
    path: /login
    json: { user: "{{ accounts.user }}", password: "{{ accounts.password }}" }
    capture:
      token: { json: "$.token" }
flows:
  - name: browse
    steps:
      - name: list
        path: /items?page={{ randomInt(1, ${LIST_PAGES}) }}
        headers: { authorization: "Bearer {{ token }}" }
        capture:
          itemId: { json: "$.items[0].id" }
      - name: item
        path: /items/{{ itemId }}
        headers: { authorization: "Bearer {{ token }}" }
        expect: { status: [200] }
`;

const FLOW_MODULE = `import { defineScenario } from 'fanout';

export default defineScenario({
  name: 'shop flow (bench, TypeScript)',
  data: { accounts: { file: 'accounts.csv', pick: 'unique' } },
  async onStart(user) {
    const res = await user.request({
      name: 'login', method: 'POST', path: '/login',
      json: { user: user.data.accounts.user, password: user.data.accounts.password },
    });
    user.vars.token = res.json<{ token: string }>().token;
  },
  flows: [
    {
      name: 'browse',
      async run(user) {
        const auth = { authorization: \`Bearer \${user.vars.token}\` };
        const list = await user.request({ name: 'list', path: \`/items?page=\${1 + Math.floor(Math.random() * ${LIST_PAGES})}\`, headers: auth });
        const id = list.json<{ items: Array<{ id: number }> }>().items[0]!.id;
        await user.request({ name: 'item', path: \`/items/\${id}\`, headers: auth, expect: { status: [200] } });
      },
    },
  ],
});
`;

export interface ShopScenarioFiles {
  staticYaml: string;
  flowYaml: string;
  flowModule: string;
}

/** Writes the three scenarios (and accounts.csv with a row per user) into `folder`. */
export async function writeShopScenarioFiles(folder: string, options: { accounts: number; token: string }): Promise<ShopScenarioFiles> {
  const files = { staticYaml: join(folder, 'static.yml'), flowYaml: join(folder, 'flow.yml'), flowModule: join(folder, 'flow.ts') };
  await writeFile(join(folder, 'accounts.csv'), accountsCsv(options.accounts));
  await writeFile(files.staticYaml, staticYaml(options.token));
  await writeFile(files.flowYaml, FLOW_YAML);
  await writeFile(files.flowModule, FLOW_MODULE);
  return files;
}
