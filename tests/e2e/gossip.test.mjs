// Gossip at scale in the page: 200 members drawn as a grid; kill one and watch suspicion spread and
// "dead" reach every member's view, beside the theory's curve; then a rumor reaches everyone and its
// chart fills. Screenshots land in tests/e2e/artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usePage } from './harness.mjs';

const ctx = usePage();
const counts = async () => {
  const label = await ctx.page.getByTestId('grid').getAttribute('aria-label');
  const [, up, suspecting, marked, down] = /(\d+) up, (\d+) suspecting, (\d+) know the followed fact, (\d+) down/
    .exec(label)
    .map(Number);
  return { up, suspecting, marked, down };
};
/** Clicks the grid cell of node `id` (cells are laid out row by row). */
const clickCell = async (id, n) => {
  const grid = ctx.page.getByTestId('grid');
  const box = await grid.boundingBox();
  const cols = Math.ceil(Math.sqrt(n));
  const size = Number(await grid.getAttribute('width')) / cols;
  const scale = box.width / Number(await grid.getAttribute('width'));
  const i = id - 1;
  // The canvas has a 6 px padding and a 1 px border inside its box.
  await grid.click({ position: { x: 7 + ((i % cols) + 0.5) * size * scale, y: 7 + (Math.floor(i / cols) + 0.5) * size * scale } });
};

test('200 members: a killed one is suspected, then dead in every view, near the theory', async () => {
  await ctx.page.goto(ctx.url + '#v=1&engine=gossip&seed=7&nodes=200');
  await ctx.page.getByTestId('grid').waitFor({ timeout: 30_000 });
  assert.equal((await counts()).up, 200);
  await ctx.page.getByRole('slider', { name: /speed/ }).fill('1');
  await clickCell(50, 200);
  await ctx.page.getByRole('button', { name: 'kill n50' }).click({ timeout: 10_000 });
  let sawSuspicion = false;
  const deadline = Date.now() + 60_000;
  let c;
  for (;;) {
    c = await counts();
    sawSuspicion ||= c.suspecting > 0 && c.marked < 199;
    if (c.marked === 199 || Date.now() > deadline) break;
    await ctx.page.waitForTimeout(100);
  }
  assert.ok(sawSuspicion, 'members suspected n50 before declaring it dead');
  assert.equal(c.marked, 199, `every live member sees n50 dead: ${JSON.stringify(c)}`);
  assert.match(await ctx.page.getByTestId('spread-now').textContent(), /100%/);
  assert.match(await ctx.page.getByTestId('spread').innerHTML(), /detection \+ suspicion/);
  await ctx.shot('gossip-200-dead.png');
});

test('a rumor reaches every member and the chart fills', async () => {
  await clickCell(1, 200);
  await ctx.page.getByRole('textbox', { name: 'client command' }).fill('event deploy v2');
  await ctx.page.getByRole('button', { name: 'send the command' }).click();
  await ctx.page.waitForFunction(() => /received/.test(document.querySelector('[data-testid=spread] figcaption')?.textContent ?? ''));
  await ctx.page.waitForFunction(() => document.querySelector('[data-testid=spread-now]')?.textContent.includes('100%'), null, {
    timeout: 60_000,
  });
  assert.equal((await counts()).marked, 199);
  await ctx.shot('gossip-200-rumor.png');
});

test('no errors in the console', () => {
  assert.deepEqual(ctx.errors, []);
});
