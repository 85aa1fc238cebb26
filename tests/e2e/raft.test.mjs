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

test('the URL names the run', async () => {
  const hash = await page.evaluate(() => location.hash);
  assert.equal(hash, '#engine=raft&seed=11&nodes=5');
});

test('no errors in the console', () => {
  assert.deepEqual(errors, []);
});
