// Raft in the page: five nodes elect a leader; killing it (its state is gone) brings a new leader in a
// higher term. Screenshots of each step land in tests/e2e/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { serve } from './serve.mjs';
import { launch } from './browser.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', '..', 'dist');
const artifacts = join(here, 'artifacts');

let server;
let browser;
let page;
const errors = [];

before(async () => {
  await mkdir(artifacts, { recursive: true });
  server = await serve(dist);
  browser = await launch();
  page = await browser.context.newPage();
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
  page.on('pageerror', (err) => errors.push(String(err)));
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** The nodes whose role reads "leader", with their terms. */
const leaders = () =>
  page.evaluate(() =>
    [...document.querySelectorAll('.node-card')]
      .filter((card) => card.querySelector('.role')?.textContent === 'leader' && !card.classList.contains('down'))
      .map((card) => ({
        id: Number(card.dataset.node),
        term: Number(/term (\d+)/.exec(card.querySelector('.summary').textContent)?.[1]),
      })),
  );

const waitForLeader = async (exclude, timeout) => {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const found = (await leaders()).filter((l) => l.id !== exclude);
    if (found.length === 1) return found[0];
    await page.waitForTimeout(100);
  }
  throw new Error(`no single leader within ${timeout} ms: ${JSON.stringify(await leaders())}`);
};

let first;

test('five nodes elect one leader', async () => {
  await page.goto(server.url + '#engine=raft&seed=11&nodes=5');
  await page.getByTestId('status-n5').waitFor({ timeout: 20_000 });
  first = await waitForLeader(undefined, 15_000);
  assert.ok(first.term >= 1);
  await page.waitForTimeout(250);
  await page.screenshot({ path: join(artifacts, 'raft-leader.png') });
});

test('killing the leader brings a new leader in a higher term', async () => {
  await page.getByRole('button', { name: `kill n${first.id}` }).click();
  await page.waitForFunction((id) => document.querySelector(`[data-testid=status-n${id}]`).textContent === 'dead', first.id);
  const next = await waitForLeader(first.id, 15_000);
  assert.notEqual(next.id, first.id);
  assert.ok(next.term > first.term, `new term ${next.term} > old term ${first.term}`);
  await page.waitForTimeout(250);
  await page.screenshot({ path: join(artifacts, 'raft-new-leader.png') });
});

/** Commit index a node card shows. */
const commitOf = async (id) =>
  Number(/commit (\d+)/.exec(await page.getByTestId(`summary-n${id}`).textContent())?.[1] ?? NaN);

const send = async (id, words) => {
  await page.locator(`.node-card[data-node="${id}"] .summary`).click();
  await page.getByRole('textbox', { name: 'client command' }).fill(words);
  await page.getByRole('button', { name: 'send the command' }).click();
};

test('a partitioned minority cannot commit; after heal it catches up', async () => {
  // Bring the killed node back so the majority side has three live voters.
  await page.getByRole('button', { name: `restart n${first.id}` }).click();
  await page.waitForFunction((id) => document.querySelector(`[data-testid=status-n${id}]`).textContent === 'up', first.id);
  const leader = await waitForLeader(undefined, 15_000);
  const up = await page.evaluate(() =>
    [...document.querySelectorAll('.node-card:not(.down)')].map((c) => Number(c.dataset.node)),
  );
  const follower = up.find((id) => id !== leader.id);
  for (const id of [leader.id, follower]) {
    await page.getByRole('checkbox', { name: `put n${id} on side B` }).check();
  }
  await page.getByRole('button', { name: 'partition side B from the rest' }).click();
  await send(leader.id, 'propose lost=1');
  const majority = up.filter((id) => id !== leader.id && id !== follower);
  // The three nodes on the majority side elect their own leader.
  const deadline = Date.now() + 15_000;
  let next;
  while (Date.now() < deadline && !next) {
    next = (await leaders()).find((l) => majority.includes(l.id) && l.term > leader.term);
    await page.waitForTimeout(100);
  }
  assert.ok(next, 'the majority side elects a leader in a higher term');
  await send(next.id, 'propose kept=1');
  await page.waitForFunction(
    ([a, b]) => {
      const c = (id) => Number(/commit (\d+)/.exec(document.querySelector(`[data-testid=summary-n${id}]`).textContent)?.[1]);
      return c(a) > c(b);
    },
    [next.id, leader.id],
    { timeout: 10_000 },
  );
  const stuck = await commitOf(leader.id);
  await page.waitForTimeout(500);
  assert.equal(await commitOf(leader.id), stuck, 'the minority does not commit');
  await page.screenshot({ path: join(artifacts, 'raft-partition.png') });
  await page.getByRole('button', { name: 'heal the network' }).click();
  await page.waitForFunction(
    ([a, b]) => {
      const c = (id) => Number(/commit (\d+)/.exec(document.querySelector(`[data-testid=summary-n${id}]`).textContent)?.[1]);
      return c(a) === c(b);
    },
    [next.id, leader.id],
    { timeout: 15_000 },
  );
  await page.screenshot({ path: join(artifacts, 'raft-healed.png') });
});

test('the URL names the run', async () => {
  const hash = await page.evaluate(() => location.hash);
  assert.equal(hash, '#engine=raft&seed=11&nodes=5');
});

test('no errors in the console', () => {
  assert.deepEqual(errors, []);
});
