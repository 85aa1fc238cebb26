// The lesson player: a lesson named in the URL opens on its introduction; next, back and a jump to any
// step land on identical states (same time, events and trace digest, because a step is the lesson's
// scenario run to the step's end); each step outlines what it points at; "try it yourself" hands the
// controls over and the run goes on live. A lesson name carrying script-like text is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usePage } from './harness.mjs';

const ctx = usePage();

const text = (id) => ctx.page.getByTestId(id).textContent();
const click = (name) => ctx.page.getByRole('button', { name, exact: true }).click();

/** Waits for the page title, then for the frame to stop changing; returns what the header shows. */
async function at(title) {
  await ctx.page.waitForFunction((t) => document.querySelector('[data-testid=lesson-page]')?.textContent.startsWith(t), title, {
    timeout: 20_000,
  });
  let last = '';
  for (;;) {
    await ctx.page.waitForTimeout(150);
    const now = [await text('time'), await text('events'), await text('digest')].join(' ');
    if (now === last) return now;
    last = now;
  }
}

test('next, back and jumps land on identical states', async () => {
  await ctx.page.goto(ctx.url + '#lesson=leader-crash');
  const intro = await at('Introduction');
  assert.match(intro, /^0\.000 s /, 'the introduction is the run at time zero');
  assert.match(await ctx.page.locator('.lesson h2').textContent(), /crash/i);

  const forward = [];
  for (let step = 1; step <= 4; step++) {
    await click('next step');
    forward.push(await at(`Step ${step} of`));
  }
  assert.equal(new Set(forward).size, 4, 'each step is a different moment');

  // Step 2 points at n1: its ring node and card are outlined.
  await click('previous step');
  assert.equal(await at('Step 3 of'), forward[2], 'back = step 3 as it was');
  await click('previous step');
  assert.equal(await at('Step 2 of'), forward[1], 'back twice = step 2 as it was');
  assert.equal(await ctx.page.getByTestId('lesson-look').textContent(), 'n1, timer');
  const outline = await ctx.page.locator('.node-card[data-node="1"]').evaluate((e) => getComputedStyle(e).outlineStyle);
  assert.equal(outline, 'solid');
  const others = await ctx.page.locator('.node-card[data-node="2"]').evaluate((e) => getComputedStyle(e).outlineStyle);
  assert.equal(others, 'none');
  await ctx.shot('lesson-step.png');

  // Jumps, out of order.
  await ctx.page.getByRole('button', { name: /^jump to step 4:/ }).click();
  assert.equal(await at('Step 4 of'), forward[3]);
  await ctx.page.getByRole('button', { name: /^jump to step 1:/ }).click();
  assert.equal(await at('Step 1 of'), forward[0]);
  await ctx.page.getByRole('button', { name: /^jump to step 3:/ }).click();
  assert.equal(await at('Step 3 of'), forward[2]);
  await ctx.page.getByRole('button', { name: 'Introduction', exact: true }).click();
  assert.equal(await at('Introduction'), intro);

  // Try it yourself: the run plays on from the last step's end, with the controls.
  await ctx.page.getByRole('button', { name: 'Try it yourself', exact: true }).click();
  await ctx.page.getByTestId('lesson-page').filter({ hasText: 'Try it yourself' }).waitFor();
  const start = parseFloat(await text('time'));
  await ctx.page.waitForFunction((t) => parseFloat(document.querySelector('[data-testid=time]').textContent) > t + 0.05, start, {
    timeout: 20_000,
  });
  assert.equal(await ctx.page.getByRole('button', { name: 'pause', exact: true }).count(), 1, 'it plays');
  await ctx.shot('lesson-try.png');
});

test('a lesson picked from the menu plays; a script-like lesson name is refused', async () => {
  await ctx.page.getByTestId('lesson-picker').selectOption('election');
  await at('Introduction');
  assert.match(await ctx.page.locator('.lesson h2').textContent(), /election/i);
  assert.equal(await ctx.page.evaluate(() => location.hash), '#lesson=election');

  const tab = await ctx.page.context().newPage();
  await tab.goto(ctx.url + '#lesson=%3Cscript%3Ealert(1)%3C/script%3E');
  await tab.locator('p.notice').waitFor({ timeout: 20_000 });
  assert.match(await tab.locator('p.notice').textContent(), /lesson name may hold only/);
  await tab.getByTestId('digest').waitFor();
  await tab.close();
});

test('no errors in the console', () => {
  assert.deepEqual(ctx.errors, []);
});
