// The things around the simulation: the keyboard help, the theme switch and the event-log filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drawn, usePage } from './harness.mjs';

const ctx = usePage();

test('? opens the keyboard help, Escape closes it', async () => {
  await ctx.page.goto(ctx.url + '#v=1&engine=raft&seed=4&nodes=5');
  await ctx.page.getByTestId('status-n5').waitFor({ timeout: 30_000 });
  await drawn(ctx.page);
  await ctx.page.locator('main.playground').focus();
  await ctx.page.keyboard.press('?');
  const help = ctx.page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await help.waitFor();
  assert.match(await help.textContent(), /kill the selected node/);
  await ctx.shot('help.png');
  await ctx.page.keyboard.press('Escape');
  await help.waitFor({ state: 'detached' });
});

test('t switches the theme and the page remembers it', async () => {
  const theme = () => ctx.page.evaluate(() => document.documentElement.dataset.theme);
  const before = await theme();
  await ctx.page.keyboard.press('t');
  await ctx.page.waitForFunction((b) => document.documentElement.dataset.theme !== b, before);
  const after = await theme();
  assert.notEqual(after, before);
  assert.equal(await ctx.page.evaluate(() => localStorage.getItem('quorate-theme')), after);
  await ctx.shot(`theme-${after}.png`);
  await ctx.page.keyboard.press('t');
});

test('switching the theme while paused draws the messages again in its shades', async () => {
  await ctx.page.goto(ctx.url + '#v=1&engine=raft&seed=4&nodes=5');
  await ctx.page.getByTestId('status-n5').waitFor({ timeout: 30_000 });
  await drawn(ctx.page);
  // Paused with heartbeats in flight, so the ring and the diagram hold messages and no frame comes.
  const shades = () =>
    ctx.page.evaluate(() => ({
      theme: document.documentElement.dataset.theme,
      ring: /r-msgheartbeat (#[0-9a-f]{6})/.exec(document.querySelector('.ring-layer')?.dataset.drawn ?? '')?.[1],
      legend: [...document.querySelectorAll('.lamport .legend .kind')]
        .find((k) => k.textContent === 'MsgHeartbeat')
        ?.style.getPropertyValue('--c')
        .trim(),
    }));
  for (let tries = 0; ; tries++) {
    await ctx.page.getByRole('button', { name: 'pause', exact: true }).click();
    await ctx.page.getByRole('button', { name: 'play', exact: true }).waitFor();
    const now = await shades();
    if (now.ring && now.legend) break;
    assert.ok(tries < 20, `no heartbeat in flight at 20 pauses: ${JSON.stringify(now)}`);
    await ctx.page.getByRole('button', { name: 'play', exact: true }).click();
    await ctx.page.waitForTimeout(150);
  }
  // Heartbeats are grey: #6e7781 on the light theme, #8b98a5 on the dark one (www/src/kinds.rs).
  const shade = { light: '#6e7781', dark: '#8b98a5' };
  const before = await shades();
  assert.equal(before.ring, shade[before.theme]);
  assert.equal(before.legend, shade[before.theme]);
  await ctx.page.locator('main.playground').focus();
  await ctx.page.keyboard.press('t');
  const other = before.theme === 'light' ? 'dark' : 'light';
  await ctx.page.waitForFunction(
    ([colour]) =>
      document.querySelector('.ring-layer')?.dataset.drawn?.includes(`r-msgheartbeat ${colour}`) &&
      [...document.querySelectorAll('.lamport .legend .kind')].some(
        (k) => k.textContent === 'MsgHeartbeat' && k.style.getPropertyValue('--c').trim() === colour,
      ),
    [shade[other]],
    { timeout: 5_000 },
  );
  await ctx.page.keyboard.press('t');
  await ctx.page.waitForFunction(
    ([colour]) => document.querySelector('.ring-layer')?.dataset.drawn?.includes(`r-msgheartbeat ${colour}`),
    [shade[before.theme]],
    { timeout: 5_000 },
  );
  await ctx.page.getByRole('button', { name: 'play', exact: true }).click();
});

test('the event log filter keeps the lines with every word', async () => {
  await ctx.page.getByRole('searchbox', { name: 'filter the event log' }).fill('MsgHeartbeat send');
  await ctx.page.waitForTimeout(1_500);
  const lines = (await ctx.page.getByTestId('log').textContent()).split('\n').filter((l) => l.trim());
  assert.ok(lines.length > 0, 'some heartbeats were sent');
  assert.ok(lines.every((l) => l.includes('MsgHeartbeat') && l.includes('send')), lines.slice(0, 3).join('\n'));
});

test('the space-time diagram draws a lane per node and an arrow per message', async () => {
  const diagram = ctx.page.getByTestId('lamport');
  await diagram.waitFor();
  const canvas = diagram.locator('canvas');
  assert.equal(await canvas.getAttribute('data-lanes'), '5');
  await ctx.page.waitForFunction(() => Number(document.querySelector('[data-testid=lamport] canvas')?.dataset.arrows) >= 8, null, {
    timeout: 15_000,
  });
  // Its accessible name says what it shows, not a count or a window that changes every frame (a screen
  // reader would announce it again and again); the caption shows the window.
  const label = await canvas.getAttribute('aria-label');
  assert.match(label, /^space-time diagram of recent messages: one lane per node \(n1, n2, n3, n4, n5\)/);
  await ctx.page.waitForTimeout(700);
  assert.equal(await canvas.getAttribute('aria-label'), label);
  await ctx.shot('lamport.png');
});

test('as fast as possible, a run stops when animation frames stop coming, as in a hidden tab', async () => {
  await ctx.page.goto('about:blank');
  await ctx.page.goto(ctx.url + '#v=1&engine=raft&seed=4&nodes=5&host=inline');
  await ctx.page.getByTestId('status-n5').waitFor({ timeout: 30_000 });
  await drawn(ctx.page);
  await ctx.page.getByRole('slider', { name: /speed/ }).fill('3.1');
  const events = async () => Number(await ctx.page.getByTestId('events').textContent());
  const start = await events();
  await ctx.page.waitForFunction((n) => Number(document.querySelector('[data-testid="events"]').textContent) > n + 50_000, start);
  // What a hidden tab does: no more animation frames. Frames already asked for may still come.
  await ctx.page.evaluate(() => {
    window.requestAnimationFrame = () => 0;
  });
  await ctx.page.waitForTimeout(500);
  const stopped = await ctx.page.evaluate(() => document.querySelector('[data-testid="events"]').textContent);
  // The bar is drawn from frames as they come (every 4th while playing): count them directly.
  const seen = await ctx.page.evaluate(
    () =>
      new Promise((resolve) => {
        let changes = 0;
        const watch = new MutationObserver(() => changes++);
        watch.observe(document.querySelector('main.playground'), { subtree: true, childList: true, characterData: true });
        setTimeout(() => {
          watch.disconnect();
          resolve(changes);
        }, 1_500);
      }),
  );
  assert.equal(seen, 0, `the page kept changing (${seen} changes in 1.5 s after ${stopped} events)`);
});

test('no errors in the console', () => {
  assert.deepEqual(ctx.errors, []);
});
