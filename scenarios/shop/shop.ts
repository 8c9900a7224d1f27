// The shop scenario (shop.yml) as a TypeScript module: `npx fanout run scenarios/shop/shop.ts`.
// It runs from any folder with nothing installed beside it: fanout type-checks and bundles it,
// resolving the `fanout` import to itself.
import { defineScenario } from 'fanout';

export default defineScenario({
  name: 'shop (TypeScript)',
  target: 'http://127.0.0.1:8080',
  data: { accounts: { file: 'accounts.csv', pick: 'unique' } },
  async onStart(user) {
    const res = await user.request({ name: 'login', method: 'POST', path: '/login',
      json: { user: user.data.accounts.user, password: user.data.accounts.password } });
    user.vars.token = res.json().token;
  },
  flows: [
    { name: 'browse', weight: 3, async run(user) {
        const auth = { authorization: `Bearer ${user.vars.token}` };
        const list = await user.request({ name: 'list', path: `/items?page=${1 + Math.floor(Math.random() * 20)}`, headers: auth });
        const id = list.json().items[0].id;
        await user.request({ name: 'item', path: `/items/${id}`, headers: auth, expect: { status: [200] } });
        await user.think('100ms');
    } },
    { name: 'buy', weight: 1, async run(user) {
        await user.request({ name: 'cart', method: 'POST', path: '/cart',
          headers: { authorization: `Bearer ${user.vars.token}` }, json: { sku: 1234, qty: 1 }, expect: { status: [201] } });
    } },
  ],
  load: { users: 10, duration: '1m' },
  slo: 'p95<500ms',
  thresholds: ['errors<1%'],
});
