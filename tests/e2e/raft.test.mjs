// Raft in the page: five nodes elect a leader; killing it (its state is gone) brings a new leader in a
// higher term. Screenshots of each step land in tests/e2e/artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drawn, leaders as leadersOf, usePage } from './harness.mjs';

const ctx = usePage();

const leaders = () => leadersOf(ctx.page);

const waitForLeader = async (exclude, timeout) => {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const found = (await leaders()).filter((l) => l.id !== exclude);
    if (found.length === 1) return found[0];
    await ctx.page.waitForTimeout(100);
  }
  throw new Error(`no single leader within ${timeout} ms: ${JSON.stringify(await leaders())}`);
};

let first;

test('five nodes elect one leader', async () => {
  await ctx.page.goto(ctx.url + '#engine=raft&seed=11&nodes=5');
  await ctx.page.getByTestId('status-n5').waitFor({ timeout: 20_000 });
  await drawn(ctx.page);
  first = await waitForLeader(undefined, 15_000);
  assert.ok(first.term >= 1);
  // Messages in flight are coloured by kind: the leader's heartbeats (grey) and appends (blue), on the
  // ring's canvas, which says what it drew; and the canvas holds pixels of that colour. The page is
  // light here, so these are the light theme's shades (www/src/kinds.rs), dark enough for a white panel.
  await ctx.page.waitForFunction(
    () => {
      const canvas = document.querySelector('.ring-layer');
      // The kind with its own colour, then that colour's pixels (the page is light here: the
      // countdowns are #59636e, not the heartbeats' grey).
      const colour = /\b(?:r-msgheartbeat (#6e7781)|r-msgapp (#0969da)) [1-9]/.exec(canvas?.dataset.drawn ?? '')?.slice(1).find(Boolean);
      if (!colour) return false;
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] === r && data[i + 1] === g && data[i + 2] === b && data[i + 3] === 255) n++;
      return n > 50;
    },
    null,
    { timeout: 10_000, polling: 100 },
  );
  // One colour per kind across the views: each kind the ring draws, heartbeats among them, has the
  // same colour in the space-time diagram's legend (on the ring a kind is `r-` and its lower case).
  const both = await (
    await ctx.page.waitForFunction(
      () => {
        const drawn = [...(document.querySelector('.ring-layer')?.dataset.drawn ?? '').matchAll(/(r-\S+) (#[0-9a-f]{6}) \d+/g)];
        const legend = new Map(
          [...document.querySelectorAll('.lamport .legend .kind')].map((k) => ['r-' + k.textContent.toLowerCase(), k.style.getPropertyValue('--c').trim()]),
        );
        const common = drawn.filter((m) => legend.has(m[1])).map((m) => [m[1], m[2], legend.get(m[1])]);
        return common.some(([kind]) => kind === 'r-msgheartbeat') && common;
      },
      null,
      { timeout: 10_000, polling: 100 },
    )
  ).jsonValue();
  for (const [kind, ring, diagram] of both) assert.equal(diagram, ring, `${kind}: the diagram's colour is the ring's`);
  // The pointer on a follower's countdown arc names it in the ring's tooltip.
  const follower = first.id === 1 ? 2 : 1;
  const box = await ctx.page.locator('.ring-box').boundingBox();
  const [w, h] = [box.width - 2, box.height - 2];
  const scale = Math.min(w, h) / 500;
  const angle = -Math.PI / 2 + (2 * Math.PI * (follower - 1)) / 5;
  const [x, y] = [250 + 180 * Math.cos(angle), 250 + 180 * Math.sin(angle) - 45];
  let title = '';
  for (let i = 0; i < 20 && !/ms left$/.test(title); i++) {
    // The title follows the pointer's moves: nudge it until the arc is under it.
    await ctx.page.mouse.move(box.x + 1 + (w - 500 * scale) / 2 + x * scale + (i % 2), box.y + 1 + (h - 500 * scale) / 2 + y * scale);
    await ctx.page.waitForTimeout(100);
    title = (await ctx.page.locator('.ring-box').getAttribute('title')) ?? '';
  }
  assert.match(title, new RegExp(`^n${follower}: election timeout: \\d+ ms left$`));
  assert.equal(await ctx.page.evaluate(() => document.body.title + document.querySelector('main').title), '', 'the tooltip is the ring’s, not the page’s');
  await ctx.page.mouse.move(0, 0);
  await ctx.page.waitForTimeout(250);
  await ctx.shot('raft-leader.png');
});

test('killing the leader brings a new leader in a higher term', async () => {
  await ctx.page.getByRole('button', { name: `kill n${first.id}` }).click();
  await ctx.page.waitForFunction((id) => document.querySelector(`[data-testid=status-n${id}]`).textContent === 'dead', first.id);
  const next = await waitForLeader(first.id, 15_000);
  assert.notEqual(next.id, first.id);
  assert.ok(next.term > first.term, `new term ${next.term} > old term ${first.term}`);
  await ctx.page.waitForTimeout(250);
  await ctx.shot('raft-new-leader.png');
});

/** Commit index a node card shows. */
const commitOf = async (id) =>
  Number(/commit (\d+)/.exec(await ctx.page.getByTestId(`summary-n${id}`).textContent())?.[1] ?? NaN);

const send = async (id, words) => {
  await ctx.page.locator(`.node-card[data-node="${id}"] .summary`).click();
  await ctx.page.getByRole('textbox', { name: 'client command' }).fill(words);
  await ctx.page.getByRole('button', { name: 'send the command' }).click();
};

test('a partitioned minority cannot commit; after heal its entry is overwritten and it catches up', async () => {
  // Bring the killed node back so the majority side has three live voters.
  await ctx.page.getByRole('button', { name: `restart n${first.id}` }).click();
  await ctx.page.waitForFunction((id) => document.querySelector(`[data-testid=status-n${id}]`).textContent === 'up', first.id);
  const leader = await waitForLeader(undefined, 15_000);
  const up = await ctx.page.evaluate(() =>
    [...document.querySelectorAll('.node-card:not(.down)')].map((c) => Number(c.dataset.node)),
  );
  const follower = up.find((id) => id !== leader.id);
  for (const id of [leader.id, follower]) {
    await ctx.page.getByRole('checkbox', { name: `put n${id} on side B` }).check();
  }
  await ctx.page.getByRole('button', { name: 'partition side B from the rest' }).click();
  await send(leader.id, 'propose lost=1');
  const majority = up.filter((id) => id !== leader.id && id !== follower);
  // The three nodes on the majority side elect their own leader.
  const deadline = Date.now() + 15_000;
  let next;
  while (Date.now() < deadline && !next) {
    next = (await leaders()).find((l) => majority.includes(l.id) && l.term > leader.term);
    await ctx.page.waitForTimeout(100);
  }
  assert.ok(next, 'the majority side elects a leader in a higher term');
  await send(next.id, 'propose kept=1');
  await ctx.page.waitForFunction(
    ([a, b]) => {
      const c = (id) => Number(/commit (\d+)/.exec(document.querySelector(`[data-testid=summary-n${id}]`).textContent)?.[1]);
      return c(a) > c(b);
    },
    [next.id, leader.id],
    { timeout: 10_000 },
  );
  const stuck = await commitOf(leader.id);
  await ctx.page.waitForTimeout(500);
  assert.equal(await commitOf(leader.id), stuck, 'the minority does not commit');
  const lostCells = () =>
    ctx.page.evaluate(
      (id) => [...document.querySelectorAll(`[data-testid=log-n${id}] .cell`)].filter((c) => c.title.includes('lost=1')).map((c) => c.classList.contains('committed')),
      leader.id,
    );
  assert.deepEqual(await lostCells(), [false], 'the old leader holds its proposal, uncommitted');
  await ctx.shot('raft-partition.png');
  await ctx.page.getByRole('button', { name: 'heal the network' }).click();
  await ctx.page.waitForFunction(
    ([a, b]) => {
      const c = (id) => Number(/commit (\d+)/.exec(document.querySelector(`[data-testid=summary-n${id}]`).textContent)?.[1]);
      return c(a) === c(b);
    },
    [next.id, leader.id],
    { timeout: 15_000 },
  );
  await ctx.page.waitForFunction(
    (id) => ![...document.querySelectorAll(`[data-testid=log-n${id}] .cell`)].some((c) => c.title.includes('lost=1')),
    leader.id,
    { timeout: 10_000 },
  );
  await ctx.shot('raft-healed.png');
});

test('the URL names the run', async () => {
  const hash = await ctx.page.evaluate(() => location.hash);
  assert.equal(hash, '#v=1&engine=raft&seed=11&nodes=5');
});

test('no errors in the console', () => {
  assert.deepEqual(ctx.errors, []);
});
