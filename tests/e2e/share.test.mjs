// A link to a moment: a run with a kill, a partition and a client command, paused and shared, opened by
// "a friend" in a fresh browser profile, lands on the identical state (events, time and trace digest).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drawn, usePage } from './harness.mjs';

const me = usePage();
const friend = usePage();

const text = (ctx, id) => ctx.page.getByTestId(id).textContent();

const leaderOf = (ctx) =>
  ctx.page.evaluate(() => {
    const card = [...document.querySelectorAll('.node-card:not(.down)')].find(
      (c) => c.querySelector('.role')?.textContent === 'leader',
    );
    return card ? Number(card.dataset.node) : null;
  });

test('a shared link replays the run to the same moment in a fresh browser', async () => {
  await me.page.goto(me.url + '#engine=raft&seed=21&nodes=5');
  await me.page.getByTestId('status-n5').waitFor({ timeout: 20_000 });
  await drawn(me.page);
  await me.page.waitForFunction(() => document.querySelectorAll('.node-card.r-leader').length === 1, null, {
    timeout: 15_000,
  });
  const leader = await leaderOf(me);
  await me.page.getByRole('button', { name: `kill n${leader}` }).click();
  const others = [1, 2, 3, 4, 5].filter((id) => id !== leader);
  await me.page.getByRole('checkbox', { name: `put n${others[0]} on side B` }).check();
  await me.page.getByRole('button', { name: 'partition side B from the rest' }).click();
  await me.page.locator(`.node-card[data-node="${others[1]}"] .summary`).click();
  await me.page.getByRole('textbox', { name: 'client command' }).fill('propose shared=1');
  await me.page.getByRole('button', { name: 'send the command' }).click();
  await me.page.waitForTimeout(1_500);
  await me.page.getByRole('button', { name: 'pause', exact: true }).click();
  await me.page.waitForTimeout(300);
  await me.page.getByRole('button', { name: 'link to this moment' }).click();
  const link = await me.page.evaluate(() => location.href);
  assert.match(link, /&log=.+k\d.+p.+c\d:propose\+shared=1.*&at=\d+\.\d+$/);
  const mine = { events: await text(me, 'events'), time: await text(me, 'time'), digest: await text(me, 'digest') };

  await friend.page.goto(link);
  await friend.page.waitForFunction((e) => document.querySelector('[data-testid=events]')?.textContent === e, mine.events, {
    timeout: 20_000,
  });
  const theirs = {
    events: await text(friend, 'events'),
    time: await text(friend, 'time'),
    digest: await text(friend, 'digest'),
  };
  assert.deepEqual(theirs, mine);
  assert.equal(await friend.page.getByRole('button', { name: 'play', exact: true }).count(), 1, 'the shared moment opens paused');
  await friend.shot('shared-moment.png');
});

test('a link with script-like text is refused with a message and a fresh run', async () => {
  // A new tab, so the link is a fresh page load (not a same-document hash change).
  const tab = await friend.page.context().newPage();
  await tab.goto(friend.url + '#engine=raft&seed=3&nodes=5&log=1.1.c1:%3Cscript%3Ealert(1)%3C/script%3E');
  await tab.locator('p.notice').waitFor({ timeout: 20_000 });
  assert.match(await tab.locator('p.notice').textContent(), /characters a link may not carry/);
  assert.doesNotMatch(await tab.evaluate(() => location.hash), /script/, 'the page replaced the bad link');
  await tab.close();
});

test('a link pasted into the same tab starts that run', async () => {
  await friend.page.goto(friend.url + '#engine=demo&seed=5&nodes=3');
  await friend.page.getByTestId('status-n3').waitFor({ timeout: 20_000 });
  await drawn(friend.page);
  await friend.page.evaluate(() => {
    location.hash = '#engine=gossip&seed=8&nodes=4';
  });
  await friend.page.waitForFunction(() => document.querySelector('[data-testid=seed]')?.textContent === '8', null, {
    timeout: 20_000,
  });
  // The node cards are drawn a paint or two after the bar (stages.rs): wait for them.
  await friend.page.waitForFunction(() => document.querySelectorAll('.node-card').length > 0, null, { timeout: 10_000 });
  assert.equal(await friend.page.locator('.node-card').count(), 4);
});

test('no errors in the console', () => {
  assert.deepEqual(me.errors, []);
  assert.deepEqual(friend.errors, []);
});
