// The page does not jump while it starts: the static shell, the app's waiting view and the first frames
// keep their boxes, so the layout shifts the browser reports (the score behind Lighthouse's CLS) stay
// near zero on a phone-sized and a desktop-sized window, for the playground and the embedded player;
// and nothing makes the page wider than the window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { usePage, artifacts } from './harness.mjs';

const ctx = usePage();
// Lighthouse calls a page "good" below 0.1; the pages should sit far under it.
const MOST = 0.05;

/** Loads `path` in a fresh page at `width` × `height` and sums the layout shifts of its first `ms`. */
async function shifts(path, width, height, ms) {
  const page = await ctx.page.context().newPage();
  try {
    await page.setViewportSize({ width, height });
    await page.addInitScript(() => {
      window.__shifts = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          if (e.hadRecentInput) continue;
          const what = e.sources.map((s) => s.node?.nodeName + '.' + (s.node?.className?.baseVal ?? s.node?.className ?? ''));
          window.__shifts.push({ at: Math.round(e.startTime), value: e.value, what });
        }
      }).observe({ type: 'layout-shift', buffered: true });
    });
    await page.goto(ctx.url + path);
    await page.getByTestId('time').first().waitFor({ timeout: 60_000 });
    await page.waitForTimeout(ms);
    const name = `layout-${path.startsWith('embed') ? 'embed' : 'playground'}-${width}.png`;
    await page.screenshot({ path: join(artifacts, name) });
    return await page.evaluate(() => ({ list: window.__shifts, scrollWidth: document.documentElement.scrollWidth }));
  } finally {
    await page.close();
  }
}

for (const [width, height] of [
  [412, 823],
  [1350, 940],
]) {
  for (const path of ['#v=1&engine=raft&seed=18301114668627231234&nodes=5', 'embed.html#lesson=election']) {
    test(`${path.startsWith('embed') ? 'the player' : 'the playground'} at ${width}×${height} starts without layout shifts`, async (t) => {
      const { list, scrollWidth } = await shifts(path, width, height, 4_000);
      assert.ok(scrollWidth <= width, `the page is ${scrollWidth} px wide in a ${width} px window (it scrolls sideways)`);
      const total = list.reduce((sum, s) => sum + s.value, 0);
      t.diagnostic(`layout shifts: ${total.toFixed(4)}`);
      assert.ok(
        total < MOST,
        `layout shifts add up to ${total.toFixed(3)}:\n${list.map((s) => `  ${s.at} ms ${s.value.toFixed(4)} ${s.what.join(' ')}`).join('\n')}`,
      );
    });
  }
}

test('on a phone the ring is on the first screen, and "More" shows the other controls', async () => {
  const page = await ctx.page.context().newPage();
  try {
    await page.setViewportSize({ width: 412, height: 823 });
    await page.goto(ctx.url + '#v=1&engine=raft&seed=18301114668627231234&nodes=5');
    const ring = page.locator('svg.ring');
    await ring.waitFor({ timeout: 60_000 });
    const box = await ring.boundingBox();
    assert.ok(box.y + box.height <= 823, `the ring spans ${Math.round(box.y)}–${Math.round(box.y + box.height)} px of an 823 px screen`);
    const exportButton = page.getByRole('button', { name: 'export the trace as JSON' });
    assert.equal(await exportButton.isVisible(), false, 'export waits behind "More"');
    assert.equal(await page.getByTestId('digest').isVisible(), false);
    await page.getByRole('button', { name: 'more controls' }).click();
    await exportButton.waitFor({ state: 'visible', timeout: 5_000 });
    assert.equal(await page.getByTestId('digest').isVisible(), true);
    await page.screenshot({ path: join(artifacts, 'layout-playground-412-more.png') });
    // Closed again; a desktop window shows everything and no "More".
    await page.getByRole('button', { name: 'more controls' }).click();
    await exportButton.waitFor({ state: 'hidden', timeout: 5_000 });
    await page.setViewportSize({ width: 1350, height: 940 });
    await exportButton.waitFor({ state: 'visible', timeout: 5_000 });
    assert.equal(await page.getByRole('button', { name: 'more controls' }).isVisible(), false);
  } finally {
    await page.close();
  }
});
