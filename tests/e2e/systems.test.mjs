// Consul and etcd in the page: the system view shows the catalog, sessions, leases and the lock holder;
// killing the holder's machine plays each system's failover (Consul: critical serfHealth, session
// invalidated, lock-delay, next holder; etcd: the lease runs out, the next key holds); the comparison
// panel runs one fault on both systems and shows the two timelines with their measured times.
// Screenshots land in tests/e2e/artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { artifacts, drawn, usePage } from './harness.mjs';

const ctx = usePage();

// A tall viewport rather than a full-page capture, which smears the sticky header over the page.
const full = async (name) => {
  await ctx.page.setViewportSize({ width: 1400, height: 2100 });
  await ctx.page.screenshot({ path: join(artifacts, name) });
};
const fact = (label) => ctx.page.getByTestId(`fact-${label}`).locator('dd');
/** The node a holder fact names ("n5 (session 3)", "n4 (key jobs/3, lease 3)"). */
const holderIn = (text) => Number(/^n(\d+) \(/.exec(text)?.[1] ?? NaN);
// The sticky header can cover a card after scrolling: the click goes to the button itself.
const press = (name) => ctx.page.getByRole('button', { name, exact: true }).dispatchEvent('click');
const kill = (id) => press(`kill n${id}`);
const speed = (exponent) => ctx.page.getByRole('slider', { name: /speed/ }).fill(exponent);

/** Waits until `fn(text of the fact)` holds, polling the page. */
const waitForFact = async (label, fn, timeout, what) => {
  const deadline = Date.now() + timeout;
  let text = '';
  while (Date.now() < deadline) {
    text = (await fact(label).textContent().catch(() => '')) ?? '';
    if (fn(text)) return text;
    await ctx.page.waitForTimeout(50);
  }
  throw new Error(`${what}: fact ${label} reads ${JSON.stringify(text)} after ${timeout} ms`);
};

/** The cells of the rows of a system table. */
const rows = (table) =>
  ctx.page.evaluate(
    (id) =>
      [...document.querySelectorAll(`[data-testid=${id}] tbody tr`)].map((tr) =>
        [...tr.querySelectorAll('td')].map((td) => td.textContent),
      ),
    `table-${table}`,
  );

test('Consul: the catalog and a lock holder; killing it turns it critical and, after the lock-delay, another holds', async () => {
  await ctx.page.goto(ctx.url + '#engine=consul&seed=3&nodes=7');
  await ctx.page.getByTestId('status-n7').waitFor({ timeout: 20_000 });
  await drawn(ctx.page);
  await ctx.page.getByRole('heading', { name: /Consul: the store as n\d, the leader/ }).waitFor({ timeout: 20_000 });
  await speed('1');
  const held = await waitForFact('lock-service-leader', (t) => holderIn(t) > 3, 30_000, 'a first holder');
  const holder = holderIn(held);
  const catalog = await rows('catalog');
  assert.equal(catalog.length, 7, JSON.stringify(catalog));
  assert.ok(catalog.every((r) => r[2] === 'passing'), JSON.stringify(catalog));
  assert.ok((await rows('sessions')).some((r) => r[1] === `n${holder}` && r[4] === 'service/leader'));
  await press('pause');
  await full('consul-catalog.png');
  await press('play');

  await kill(holder);
  await ctx.page.waitForFunction(
    (n) => [...document.querySelectorAll('[data-testid=table-catalog] tbody tr')].some((tr) => tr.cells[0].textContent === n && tr.cells[2].textContent === 'critical'),
    `n${holder}`,
    { timeout: 30_000 },
  );
  // Its session is invalidated in the same log entry: the key is free, in lock-delay.
  const delayed = await waitForFact('lock-service-leader', (t) => t.includes('lock-delay'), 5_000, 'lock-delay');
  assert.match(delayed, /free · lock-delay \d+\.\d s left/);
  assert.ok(!(await rows('sessions')).some((r) => r[1] === `n${holder}`), 'the dead node has no session');
  await press('pause');
  await full('consul-lock-delay.png');
  await press('play');

  await speed('2');
  const next = await waitForFact('lock-service-leader', (t) => holderIn(t) > 3 && holderIn(t) !== holder, 30_000, 'a new holder');
  assert.notEqual(holderIn(next), holder);
  assert.ok(Number(await fact('lock-index').textContent()) >= 2);
  await speed('0');
  await press('pause');
  await full('consul-next-holder.png');
  await press('play');
});

test('etcd: leases with their TTL; killing the holder lets its lease run out and the next key holds', async () => {
  await ctx.page.getByRole('combobox', { name: 'protocol' }).selectOption('etcd');
  await ctx.page.getByRole('heading', { name: /etcd: the store as n\d, the leader/ }).waitFor({ timeout: 20_000 });
  await speed('1');
  const held = await waitForFact('lock-jobs', (t) => holderIn(t) > 3, 30_000, 'a first holder');
  const holder = holderIn(held);
  const leases = await rows('leases');
  assert.ok(leases.some((r) => r[1] === `n${holder}` && /\d+\.\d s/.test(r[3])), JSON.stringify(leases));
  assert.ok((await rows('lock-keys-lowest-create-revision-holds')).length >= 2);

  await speed('0');
  await kill(holder);
  await ctx.page.waitForTimeout(1500);
  // Nothing notices: the dead holder's lease is still there, counting down.
  assert.equal(holderIn(await fact('lock-jobs').textContent()), holder);
  await press('pause');
  await full('etcd-lease-counting-down.png');
  await press('play');

  await speed('2');
  const next = await waitForFact('lock-jobs', (t) => holderIn(t) > 3 && holderIn(t) !== holder, 30_000, 'a new holder');
  assert.notEqual(holderIn(next), holder);
  assert.ok(!(await rows('leases')).some((r) => r[1] === `n${holder}`), 'the lease expired');
  await speed('0');
  await press('pause');
  await full('etcd-next-holder.png');
});

test('the comparison panel shows both timelines with the measured times', async () => {
  await ctx.page.getByRole('button', { name: 'compare: kill the lock holder' }).click();
  const panel = ctx.page.getByTestId('comparison');
  await panel.waitFor({ timeout: 60_000 });
  for (const id of ['consul', 'etcd']) {
    assert.match(await ctx.page.getByTestId(`done-${id}`).textContent(), /^over after \d+\.\d\d s$/);
    assert.match(await ctx.page.getByTestId(`stale-${id}`).textContent(), /^\d+\.\d\d s$/);
  }
  const consul = await ctx.page.getByTestId('timeline-consul').textContent();
  for (const phase of ['detection', 'suspicion', 'commit', 'lock-delay', 'next holder']) assert.ok(consul.includes(phase), phase);
  assert.ok(consul.includes('15.00 s'), 'the lock-delay is 15 s');
  assert.ok((await ctx.page.getByTestId('timeline-etcd').textContent()).includes('lease expiry'));
  await ctx.page.getByTestId('comparison').scrollIntoViewIfNeeded();
  await ctx.page.locator('section.compare').screenshot({ path: join(artifacts, 'compare-kill-holder.png') });

  await ctx.page.getByRole('button', { name: 'compare: partition a minority' }).click();
  await ctx.page.waitForFunction(() => document.querySelector('[data-testid=comparison] .setup')?.textContent.includes('partition a minority'), null, { timeout: 60_000 });
  await ctx.page.locator('section.compare').screenshot({ path: join(artifacts, 'compare-partition.png') });
  assert.deepEqual(ctx.errors, []);
});
