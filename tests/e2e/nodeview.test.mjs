// The node detail views: a Raft node's log grid (committed and applied marks, the leader's follower
// table) and its role automaton with the cause of each transition; then the gossip member-state
// automaton of a killed peer going suspect, then dead. Screenshots land in tests/e2e/artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drawn, usePage } from './harness.mjs';

const ctx = usePage();

const leaderId = () =>
  ctx.page.evaluate(() => {
    const card = [...document.querySelectorAll('.node-card:not(.down)')].find((c) => c.querySelector('.role')?.textContent === 'leader');
    return card ? Number(card.dataset.node) : undefined;
  });

const waitForLeader = async (timeout) => {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const id = await leaderId();
    if (id !== undefined) return id;
    await ctx.page.waitForTimeout(100);
  }
  throw new Error(`no leader within ${timeout} ms`);
};

const select = (id) => ctx.page.locator(`.node-card[data-node="${id}"] .summary`).click();

/** What the automaton beside the selected node shows. */
const automaton = () =>
  ctx.page.getByTestId('automaton').evaluate((a) => ({
    node: Number(a.dataset.node),
    subject: a.dataset.subject,
    state: a.dataset.state,
    from: a.dataset.from,
    to: a.dataset.to,
    cause: a.dataset.cause,
    current: a.querySelector('.state.current')?.dataset.state,
    taken: a.querySelector('.edge.taken')?.dataset.edge,
    caption: a.querySelector('[data-testid=automaton-cause]').textContent,
  }));

let leader;

test('the log grid marks committed and applied entries; the automaton shows the role', async () => {
  await ctx.page.goto(ctx.url + '#engine=raft&seed=11&nodes=5');
  await ctx.page.getByTestId('status-n5').waitFor({ timeout: 20_000 });
  await drawn(ctx.page);
  leader = await waitForLeader(15_000);
  for (const words of ['propose x=1', 'propose y=2', 'propose z=3']) {
    await select(leader);
    await ctx.page.getByRole('textbox', { name: 'client command' }).fill(words);
    await ctx.page.getByRole('button', { name: 'send the command' }).click();
  }
  const follower = [1, 2, 3, 4, 5].find((id) => id !== leader);
  await ctx.page.waitForFunction((id) => document.querySelectorAll(`[data-testid=log-n${id}] .cell.committed`).length >= 4, follower, {
    timeout: 15_000,
  });
  await select(follower);
  const grid = ctx.page.getByTestId(`log-n${follower}`);
  assert.ok((await grid.locator('.cell.applied').count()) >= 4, 'applied entries carry their mark');
  assert.equal(await grid.locator('.commit-mark').count(), 1, 'one commit boundary');
  assert.equal(Number(await grid.getAttribute('data-commit')), await grid.locator('.cell.committed').count());
  assert.match(await grid.locator('.cell.committed').last().getAttribute('title'), /z=3"? · committed · applied/);
  await ctx.page.getByTestId('log-legend').waitFor();
  const a = await automaton();
  assert.equal(a.node, follower);
  assert.equal(a.state, 'follower');
  assert.equal(a.current, 'follower');
  assert.equal(await ctx.page.getByTestId(`role-n${follower}`).textContent(), 'follower');
  await ctx.shot('nodeview-follower.png');

  await select(leader);
  const l = await automaton();
  assert.deepEqual([l.state, l.from, l.to, l.cause, l.taken], ['leader', 'candidate', 'leader', 'votes won', 'candidate>leader']);
  const rows = ctx.page.getByTestId(`progress-n${leader}`).locator('tbody tr');
  assert.equal(await rows.count(), 4, 'the leader lists its four followers');
  assert.match(await rows.first().textContent(), /replicate|probe/);
  await ctx.shot('nodeview-leader.png');
});

test('a killed leader: a follower times out to pre-candidate, then wins its votes', async () => {
  await ctx.page.getByRole('button', { name: 'pause', exact: true }).click();
  await ctx.page.getByRole('button', { name: `kill n${leader}` }).click();
  await ctx.page.waitForFunction((id) => document.querySelector(`[data-testid=status-n${id}]`).textContent === 'dead', leader);
  const killedAt = Number.parseFloat(await ctx.page.getByTestId('time').textContent());
  // Find who wins, then go back to the kill and step through the winner's transitions.
  await ctx.page.getByRole('button', { name: 'run until the next leader' }).click();
  await ctx.page.getByTestId('reached').waitFor({ timeout: 15_000 });
  const next = await waitForLeader(5_000);
  assert.notEqual(next, leader);
  await ctx.page.getByTestId('scrubber').fill(String(Math.ceil(killedAt * 1000)));
  await ctx.page.waitForFunction(() => /the past/.test(document.querySelector('[data-testid=timeline-state]').textContent));
  await select(next);
  await ctx.page.waitForFunction((id) => document.querySelector(`[data-testid=role-n${id}]`).textContent === 'follower', next);
  const seen = [];
  for (let i = 0; i < 3000; i++) {
    await ctx.page.getByRole('button', { name: 'step one event' }).click();
    const a = await automaton();
    const last = seen.at(-1);
    if (!last || last.to !== a.to || last.cause !== a.cause || last.from !== a.from) {
      seen.push(a);
      if (a.to === 'pre-candidate' || a.to === 'candidate') await ctx.shot(`nodeview-${a.to}.png`);
    }
    if (a.state === 'leader') break;
  }
  const took = (from, to, cause) => seen.some((a) => a.from === from && a.to === to && a.cause === cause);
  assert.ok(took('follower', 'pre-candidate', 'election timeout') || took('follower', 'candidate', 'election timeout'), JSON.stringify(seen));
  const end = seen.at(-1);
  assert.deepEqual([end.state, end.from, end.cause, end.taken], ['leader', 'candidate', 'votes won', 'candidate>leader'], JSON.stringify(seen));
  assert.match(end.caption, /candidate → leader: votes won · at \d+\.\d{3} s/);
  await ctx.shot('nodeview-new-leader.png');
});

test('gossip: a killed peer turns suspect, then dead, in the selected node’s view with its cause', async () => {
  // A new document (not only a new fragment), so nothing of the Raft run is left on the page.
  await ctx.page.goto('about:blank');
  await ctx.page.goto(ctx.url + '#engine=gossip&seed=5&nodes=5');
  await ctx.page.getByTestId('status-n5').waitFor({ timeout: 20_000 });
  await drawn(ctx.page);
  await ctx.page.waitForFunction(() => /5 alive/.test(document.querySelector('[data-testid=summary-n1]')?.textContent ?? ''), null, {
    timeout: 20_000,
  });
  await select(1);
  await ctx.page.getByRole('combobox', { name: 'peer whose state to show' }).selectOption('3');
  assert.equal((await automaton()).state, 'alive');
  await ctx.page.getByRole('slider', { name: /speed/ }).fill('0.3');
  await ctx.page.getByRole('button', { name: 'kill n3' }).click();
  // The kill button sits on n3's card, which selects n3: select n1 again and pick its view of n3.
  await select(1);
  await ctx.page.getByRole('combobox', { name: 'peer whose state to show' }).selectOption('3');
  const seen = [];
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const a = await automaton();
    assert.equal(a.subject, '3');
    if (!seen.some((s) => s.state === a.state && s.cause === a.cause)) {
      seen.push(a);
      await ctx.shot(`nodeview-gossip-${a.state}.png`);
    }
    if (a.state === 'dead') break;
    await ctx.page.waitForTimeout(50);
  }
  const suspect = seen.find((a) => a.state === 'suspect');
  assert.ok(suspect, JSON.stringify(seen));
  assert.match(suspect.cause, /^(suspect from n\d, inc \d+|confirmed by n\d \(\d of \d\))$/);
  const dead = seen.at(-1);
  assert.equal(dead.state, 'dead', JSON.stringify(seen));
  assert.equal(dead.taken, 'suspect>dead');
  assert.match(dead.cause, /^(dead confirmed: suspicion timed out|dead from n\d), inc \d+$/);
});

test('protocol terms explain themselves on hover and keyboard focus', async () => {
  const term = ctx.page.locator('.details .gloss', { hasText: 'incarnation' }).first();
  assert.match(await term.getAttribute('title'), /refute a suspicion/);
  // Reach it by keyboard (focus-visible): focus it, step back one stop and forward again.
  await term.focus();
  await ctx.page.keyboard.press('Shift+Tab');
  await ctx.page.keyboard.press('Tab');
  assert.equal(await term.evaluate((el) => el === document.activeElement), true);
  const tip = await term.evaluate((el) => getComputedStyle(el, '::after').content);
  assert.match(tip, /refute a suspicion/);
  await ctx.shot('nodeview-gloss.png');
});

test('no errors in the console', () => {
  assert.deepEqual(ctx.errors, []);
});
