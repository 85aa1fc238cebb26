// The playground end to end: the built site in headless Chromium, the orchestrator in a real Web Worker.
// A person opens the page, sees three nodes beating, kills one, sees it dead while the others go on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drawn, usePage } from './harness.mjs';

const ctx = usePage();

const beats = async (id) => {
  const text = await ctx.page.getByTestId(`summary-n${id}`).textContent();
  const match = /beats (\d+)/.exec(text);
  return match ? Number(match[1]) : NaN;
};

test('the page starts a run in a worker and shows three nodes beating', async () => {
  await ctx.page.goto(ctx.url + '#engine=demo&seed=7&nodes=3');
  await ctx.page.getByTestId('status-n3').waitFor({ timeout: 20_000 });
  await drawn(ctx.page);
  assert.equal(await ctx.page.getByTestId('seed').textContent(), '7');
  assert.ok(ctx.page.workers().length >= 1, 'the orchestrator runs in a Web Worker');
  const before = await beats(1);
  await ctx.page.waitForFunction(
    (b) => /beats (\d+)/.exec(document.querySelector('[data-testid=summary-n1]').textContent)?.[1] > b,
    before,
    { timeout: 10_000 },
  );
  // Beats in flight are drawn along the links.
  await ctx.page.waitForFunction(() => /[1-9]/.test(document.querySelector('.ring-layer')?.dataset.drawn ?? ''), null, { timeout: 10_000 });
});

test('kill marks a node dead and the others continue', async () => {
  await ctx.page.getByRole('button', { name: 'kill n2' }).click();
  await ctx.page.waitForFunction(() => document.querySelector('[data-testid=status-n2]').textContent === 'dead', null, {
    timeout: 5_000,
  });
  assert.equal(await ctx.page.locator('svg.ring .node.down').count(), 1);
  const n1 = await beats(1);
  const n3 = await beats(3);
  await ctx.page.waitForFunction(
    ([a, b]) => {
      const get = (id) => Number(/beats (\d+)/.exec(document.querySelector(`[data-testid=summary-n${id}]`).textContent)?.[1]);
      return get(1) > a && get(3) > b;
    },
    [n1, n3],
    { timeout: 10_000 },
  );
  await ctx.page.waitForTimeout(300);
  await ctx.shot('kill.png');
  assert.equal(await ctx.page.getByTestId('status-n2').textContent(), 'dead', 'n2 stays dead');
});

test('restart brings the node back with its durable beat count', async () => {
  const durable = Number(/durable beats (\d+)/.exec(await ctx.page.getByTestId('summary-n2').textContent())[1]);
  await ctx.page.getByRole('button', { name: 'restart n2' }).click();
  await ctx.page.waitForFunction(() => document.querySelector('[data-testid=status-n2]').textContent === 'up', null, {
    timeout: 5_000,
  });
  assert.ok((await beats(2)) > durable, 'the restarted node continues its count');
  await ctx.shot('restart.png');
});

test('pause stops time and step advances one event', async () => {
  await ctx.page.getByRole('button', { name: 'pause', exact: true }).click();
  await ctx.page.waitForTimeout(200);
  const t0 = await ctx.page.getByTestId('time').textContent();
  await ctx.page.waitForTimeout(400);
  assert.equal(await ctx.page.getByTestId('time').textContent(), t0, 'paused: simulated time stands still');
  const e0 = Number(await ctx.page.getByTestId('events').textContent());
  await ctx.page.getByRole('button', { name: 'step one event' }).click();
  await ctx.page.waitForFunction((e) => Number(document.querySelector('[data-testid=events]').textContent) === e + 1, e0, {
    timeout: 5_000,
  });
});

test('the speed slider sets simulated seconds per second', async () => {
  await ctx.page.getByRole('button', { name: 'play', exact: true }).click();
  await ctx.page.getByRole('slider', { name: /speed/ }).fill('0');
  await ctx.page.waitForFunction(() => document.querySelector('.speed output').textContent === '1.0×', null, {
    timeout: 5_000,
  });
  const t0 = Number.parseFloat(await ctx.page.getByTestId('time').textContent());
  await ctx.page.waitForTimeout(1_000);
  const t1 = Number.parseFloat(await ctx.page.getByTestId('time').textContent());
  // About one simulated second per wall second (the page is paced by animation frames).
  assert.ok(t1 - t0 > 0.5 && t1 - t0 < 1.5, `advanced ${t1 - t0} s in 1 s at 1x`);
});

test('no errors in the console', () => {
  assert.deepEqual(ctx.errors, []);
});
