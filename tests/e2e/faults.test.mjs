// Network faults and protocol parameters in the page. A one-way cut of leader -> follower: the
// follower hears nothing and starts campaigning (with PreVote, the default, it stays a pre-candidate:
// the others still hear the leader and refuse), while the leader and its term stay; mending the link
// brings it back as a follower. 100% loss on a link is drawn on it and its drops show in the log.
// A changed parameter restarts the run, goes into the URL, and a fresh browser opening the link (and
// `quorate link` natively) lands on the same digest. Screenshots go to tests/e2e/artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { drawn, usePage } from './harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ctx = usePage();
const friend = usePage();

const text = (c, id) => c.page.getByTestId(id).textContent();
const role = (id) => ctx.page.getByTestId(`role-n${id}`).textContent();
const termOf = async (c, id) => Number(/term (\d+)/.exec(await text(c, `summary-n${id}`))?.[1] ?? NaN);

const leaderOf = (c) =>
  c.page.evaluate(() => {
    const cards = [...document.querySelectorAll('.node-card:not(.down)')].filter(
      (card) => card.querySelector('.role')?.textContent === 'leader',
    );
    return cards.length === 1 ? Number(cards[0].dataset.node) : null;
  });

const waitForLeader = async (c) => {
  await c.page.waitForFunction(
    () =>
      [...document.querySelectorAll('.node-card:not(.down)')].filter(
        (card) => card.querySelector('.role')?.textContent === 'leader',
      ).length === 1,
    null,
    { timeout: 20_000 },
  );
  return leaderOf(c);
};

const chooseLink = async (c, from, to) => {
  await c.page.getByRole('combobox', { name: 'link from' }).selectOption(String(from));
  await c.page.getByRole('combobox', { name: 'link to' }).selectOption(String(to));
};

let leader;
let follower;

test('a one-way cut of leader -> follower: the follower campaigns, the leader stays; mended, it follows again', async () => {
  await ctx.page.goto(ctx.url + '#engine=raft&seed=11&nodes=5');
  await ctx.page.getByTestId('status-n5').waitFor({ timeout: 20_000 });
  await drawn(ctx.page);
  leader = await waitForLeader(ctx);
  follower = leader === 1 ? 2 : 1;
  const term = await termOf(ctx, leader);
  await chooseLink(ctx, leader, follower);
  await ctx.page.getByRole('button', { name: 'cut one way' }).click();
  // Drawn on the ring as a one-way cut, listed with which way still delivers.
  await ctx.page.locator(`line.cut[data-cut="n${leader}-n${follower}"]`).waitFor({ timeout: 5_000 });
  assert.equal(await ctx.page.locator(`line.cut.both`).count(), 0, 'one way only');
  assert.match(
    await text(ctx, `cut-n${leader}-n${follower}`),
    new RegExp(`n${leader} → n${follower} cut \\(n${follower} → n${leader} delivers\\)`),
  );
  await ctx.page.waitForFunction((id) => /candidate/.test(document.querySelector(`[data-testid=role-n${id}]`).textContent), follower, {
    timeout: 15_000,
  });
  assert.equal(await role(follower), 'pre-candidate', 'PreVote: it asks before raising its term');
  await ctx.page.waitForTimeout(1_000);
  assert.equal(await leaderOf(ctx), leader, 'the leader keeps leading');
  assert.equal(await termOf(ctx, leader), term, 'in the same term');
  assert.match(await role(follower), /candidate/, 'the cut follower is still campaigning');
  await ctx.shot('faults-one-way-cut.png');

  await ctx.page.getByRole('button', { name: `mend n${leader} and n${follower}` }).click();
  await ctx.page.waitForFunction((id) => document.querySelector(`[data-testid=role-n${id}]`).textContent === 'follower', follower, {
    timeout: 15_000,
  });
  assert.equal(await ctx.page.locator('line.cut').count(), 0, 'nothing is cut any more');
  assert.equal(await leaderOf(ctx), leader);
  assert.equal(await termOf(ctx, follower), term, 'back in the leader term');
  await ctx.shot('faults-mended.png');
});

test('100% loss on a link is drawn on it and its messages are dropped', async () => {
  await chooseLink(ctx, leader, follower);
  await ctx.page.getByRole('spinbutton', { name: 'loss percent' }).fill('100');
  await ctx.page.getByRole('button', { name: 'set link loss and latency' }).click();
  const label = ctx.page.locator(`g.tuned.dead[data-link="n${leader}-n${follower}"] text`);
  await label.waitFor({ timeout: 5_000 });
  assert.equal(await label.textContent(), '100% loss');
  assert.match(await text(ctx, `link-n${leader}-n${follower}`), /loss 100%/);
  await ctx.page.getByRole('searchbox', { name: 'filter the event log' }).fill(`n${leader}->n${follower} drop(loss)`);
  await ctx.page.waitForFunction(() => /drop\(loss\)/.test(document.querySelector('[data-testid=log]').textContent), null, {
    timeout: 10_000,
  });
  await ctx.shot('faults-loss.png');
  await ctx.page.getByRole('searchbox', { name: 'filter the event log' }).fill('');
});

test('a changed parameter is in the URL and a fresh browser reaches the same digest', async () => {
  const heartbeat = ctx.page.locator('[data-param=heartbeat_interval]');
  await ctx.page.locator('details.params summary').click();
  await heartbeat.fill('80');
  await heartbeat.dispatchEvent('change');
  await ctx.page.waitForFunction(() => location.hash.includes('params=heartbeat_interval:80ms'), null, { timeout: 10_000 });
  // The restarted run's first frame carries the parameter back.
  await ctx.page.waitForFunction(() => document.querySelectorAll('label.param.changed').length === 1, null, { timeout: 10_000 });
  const prevote = ctx.page.locator('[data-param=pre_vote]');
  // A real click; the box stays as clicked while frames of the run being replaced still arrive.
  await prevote.uncheck();
  for (let i = 0; i < 5; i++) {
    assert.equal(await prevote.isChecked(), false, `the box flipped back ${i * 100} ms after the click`);
    await ctx.page.waitForTimeout(100);
  }
  await ctx.page.waitForFunction(() => location.hash.includes('pre_vote:off'), null, { timeout: 10_000 });
  assert.match(await ctx.page.evaluate(() => location.hash), /^#v=2&engine=raft&seed=11&nodes=5&params=heartbeat_interval:80ms,pre_vote:off$/);
  // The run restarted with them: the changed ones are marked, and a one-way cut goes into its log too.
  await ctx.page.waitForFunction(() => document.querySelectorAll('label.param.changed').length === 2, null, { timeout: 10_000 });
  assert.equal(await ctx.page.locator('[data-testid=faults] li').count(), 0, 'a new run starts without faults');
  const l = await waitForLeader(ctx);
  await chooseLink(ctx, l, l === 1 ? 2 : 1);
  await ctx.page.getByRole('button', { name: 'cut one way' }).click();
  await ctx.page.waitForTimeout(1_500);
  await ctx.page.getByRole('button', { name: 'pause', exact: true }).click();
  await ctx.page.waitForTimeout(300);
  await ctx.page.getByRole('button', { name: 'link to this moment' }).click();
  const link = await ctx.page.evaluate(() => location.href);
  assert.match(link, /#v=2&.*params=heartbeat_interval:80ms,pre_vote:off&log=\d+\.\d+\.x\d-\d&at=\d+\.\d+$/);
  const mine = { events: await text(ctx, 'events'), time: await text(ctx, 'time'), digest: await text(ctx, 'digest') };
  await ctx.shot('faults-params.png');

  await friend.page.goto(link);
  await friend.page.waitForFunction((e) => document.querySelector('[data-testid=events]')?.textContent === e, mine.events, {
    timeout: 20_000,
  });
  const theirs = { events: await text(friend, 'events'), time: await text(friend, 'time'), digest: await text(friend, 'digest') };
  assert.deepEqual(theirs, mine);
  // The parameter panel is drawn a paint after the bar (stages.rs).
  await friend.page.waitForFunction(() => document.querySelectorAll('label.param').length > 0, null, { timeout: 10_000 });
  assert.equal(await friend.page.locator('label.param.changed').count(), 2, 'the parameters came with the link');
  await friend.page.locator(`line.cut`).first().waitFor({ timeout: 5_000 });
  await friend.shot('faults-params-friend.png');

  const native = JSON.parse(
    execFileSync('cargo', ['run', '--locked', '-q', '-p', 'quorate-cli', '--', 'link', '--json', link], { cwd: root, encoding: 'utf8' }),
  );
  assert.equal(native.digest, mine.digest, `native vs browser (quorate link '${link}')`);
});

test('no errors in the console', () => {
  assert.deepEqual(ctx.errors, []);
  assert.deepEqual(friend.errors, []);
});
