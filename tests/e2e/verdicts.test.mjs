// The verdicts panel on the KV engine (Raft carrying the etcd-style store): a put, a get and two
// try-locks through the client form show their answers and revisions while every check stays green;
// a serializable read from a partitioned old leader, after the majority committed a newer write, turns
// the linearizability check red, and "jump" pauses the run and moves the timeline to the violation.
// Screenshots in artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { drawn, leaders as leadersOf, usePage } from './harness.mjs';

const ctx = usePage();
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** axe-core's serious and critical violations on the page as it is, one line each. */
const axeProblems = async () => {
  await ctx.page.addScriptTag({ path: axePath });
  const results = await ctx.page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
};

const leaders = () => leadersOf(ctx.page);

const waitFor = async (what, timeout, probe) => {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const found = await probe();
    if (found) return found;
    await ctx.page.waitForTimeout(100);
  }
  throw new Error(`${what} did not happen within ${timeout} ms`);
};

const verdict = () => ctx.page.getByTestId('verdict').textContent();

/** Sends a request through the client form; `old` is the expected value of a cas. */
const request = async ({ node, verb, key, value, owner, mode }) => {
  const form = ctx.page.getByRole('form', { name: 'KV client' });
  await form.getByRole('combobox', { name: 'node to ask' }).selectOption(String(node));
  await form.getByRole('combobox', { name: 'request' }).selectOption(verb);
  await form.getByRole('textbox', { name: 'key' }).fill(key);
  if (value !== undefined) await form.getByRole('textbox', { name: 'value', exact: true }).fill(value);
  if (owner !== undefined) await form.getByRole('textbox', { name: 'owner' }).fill(owner);
  if (mode !== undefined) await form.getByRole('combobox', { name: 'read mode' }).selectOption(mode);
  await form.getByRole('button', { name: 'send the request' }).click();
};

/** The newest request row's cells, once it has an answer. */
const newestAnswer = (count) =>
  waitFor(`an answer to request ${count}`, 15_000, () =>
    ctx.page.evaluate((count) => {
      const rows = [...document.querySelectorAll('.requests tbody tr')];
      if (rows.length !== count) return null;
      const cells = [...rows[0].querySelectorAll('td')].map((td) => td.textContent);
      return cells[5] === 'waiting…' ? null : cells;
    }, count),
  );

let first;

test('a normal run stays green, and put / get through the panel show answers with revisions', async () => {
  await ctx.page.goto(ctx.url + '#engine=kv&seed=11&nodes=5');
  await ctx.page.getByTestId('status-n5').waitFor({ timeout: 20_000 });
  await drawn(ctx.page);
  first = await waitFor('an election', 15_000, async () => (await leaders()).length === 1 && (await leaders())[0]);
  assert.equal(await verdict(), 'All checks hold');
  await request({ node: first.id, verb: 'put', key: 'x', value: '1' });
  const put = await newestAnswer(1);
  assert.equal(put[2], 'put x 1');
  assert.equal(put[5], 'ok');
  assert.equal(put[6], '2', 'the store starts at revision 1; the put makes it 2');
  await request({ node: first.id, verb: 'get', key: 'x', mode: 'linearizable' });
  const get = await newestAnswer(2);
  assert.equal(get[2], 'get x');
  assert.equal(get[3], 'linearizable');
  assert.equal(get[5], 'x = 1');
  assert.equal(get[6], '2');
  // A try-lock: one owner holds it; the other finds it busy.
  await request({ node: first.id, verb: 'lock', key: 'm', owner: 'alice' });
  const lock = await newestAnswer(3);
  assert.equal(lock[2], 'lock m alice');
  assert.equal(lock[5], 'locked');
  await request({ node: first.id, verb: 'lock', key: 'm', owner: 'bob' });
  const busy = await newestAnswer(4);
  assert.equal(busy[5], 'busy: m = alice');
  // A few more seconds of a normal run: still green.
  await ctx.page.waitForTimeout(2_000);
  assert.equal(await verdict(), 'All checks hold');
  assert.equal(await ctx.page.getByTestId('check-linearizability-client-history').locator('.state').textContent(), 'holds');
  await ctx.page.getByRole('region', { name: 'Verdicts' }).scrollIntoViewIfNeeded();
  await ctx.shot('verdicts-green.png');
});

test('a serializable read from a partitioned old leader turns the panel red; jump shows the moment', async () => {
  const old = (await leaders())[0];
  const nodes = [1, 2, 3, 4, 5];
  const follower = nodes.find((id) => id !== old.id);
  const majority = nodes.filter((id) => id !== old.id && id !== follower);
  for (const id of [old.id, follower]) {
    await ctx.page.getByRole('checkbox', { name: `put n${id} on side B` }).check();
  }
  await ctx.page.getByRole('button', { name: 'partition side B from the rest' }).click();
  const next = await waitFor('a leader on the majority side', 15_000, async () =>
    (await leaders()).find((l) => majority.includes(l.id) && l.term > old.term),
  );
  await request({ node: next.id, verb: 'put', key: 'x', value: '2' });
  const put = await newestAnswer(5);
  assert.equal(put[5], 'ok');
  assert.equal(await verdict(), 'All checks hold', 'a committed write alone breaks nothing');
  await request({ node: old.id, verb: 'get', key: 'x', mode: 'serializable' });
  const stale = await newestAnswer(6);
  assert.equal(stale[3], 'serializable');
  assert.match(stale[5], /^x = 1/, 'the old leader still holds x = 1');
  await waitFor('the red verdict', 5_000, async () => (await verdict()).startsWith('Violated'));
  assert.equal(await verdict(), 'Violated: Linearizability (client history)');
  const check = ctx.page.getByTestId('check-linearizability-client-history');
  assert.match(await check.locator('.detail').textContent(), /get x.*serializable.*n\d answered x = 1/);
  const offender = ctx.page.getByTestId(`request-${stale[0]}`);
  assert.match(await offender.getAttribute('class'), /offender/, 'the stale read is the row marked');
  assert.match(await offender.getByTestId('answer').textContent(), /not linearizable/);
  await ctx.page.getByRole('region', { name: 'Verdicts' }).scrollIntoViewIfNeeded();
  await ctx.shot('verdicts-red.png');
  // The red panel keeps its contrast in both themes.
  assert.deepEqual(await axeProblems(), [], `${await ctx.page.evaluate(() => document.documentElement.dataset.theme)} theme`);
  const theme = () => ctx.page.evaluate(() => document.documentElement.dataset.theme);
  const toggle = () => ctx.page.getByRole('button', { name: /^switch to the (dark|light) theme$/ }).click();
  const first = await theme();
  await toggle();
  assert.notEqual(await theme(), first, 'the theme switched');
  await ctx.page.waitForTimeout(300);
  await ctx.page.getByRole('region', { name: 'Verdicts' }).scrollIntoViewIfNeeded();
  await ctx.shot(`verdicts-red-${await theme()}.png`);
  assert.deepEqual(await axeProblems(), [], `${await theme()} theme`);
  await toggle();
  // The answer's moment, as the request table shows it.
  const answeredAt = stale[7];
  await ctx.page.waitForTimeout(1_000);
  const jump = ctx.page.getByRole('button', { name: /^jump to .*, the violation of Linearizability \(client history\)$/ });
  assert.equal(await jump.textContent(), `jump to ${answeredAt}`);
  await jump.click();
  await ctx.page.waitForFunction((t) => document.querySelector('[data-testid=time]').textContent === t, answeredAt, { timeout: 15_000 });
  await ctx.page.getByRole('button', { name: 'play', exact: true }).waitFor();
  assert.equal(await verdict(), 'Violated: Linearizability (client history)', 'red at the violation itself');
  await ctx.page.getByRole('region', { name: 'Timeline' }).scrollIntoViewIfNeeded();
  await ctx.shot('verdicts-jump.png');
  assert.deepEqual(ctx.errors, []);
});
