// Accessibility: axe-core (the engine Lighthouse uses) on each view, with no serious or critical
// violation allowed. Each failure names the rule, the impact and the first offending elements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { drawn, usePage } from './harness.mjs';

const ctx = usePage();
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

async function audit(name, fragment, ready) {
  await ctx.page.goto('about:blank');
  await ctx.page.goto(ctx.url + fragment);
  await ready();
  await ctx.page.waitForTimeout(500);
  await ctx.page.addScriptTag({ path: axePath });
  const results = await ctx.page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = bad
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('\n    ')}`)
    .join('\n');
  await ctx.shot(`a11y-${name}.png`);
  assert.equal(bad.length, 0, `${name}:\n${report}`);
}

test('the Raft view has no serious or critical violations', () =>
  audit('raft', '#v=1&engine=raft&seed=2&nodes=5', () => ctx.page.getByTestId('status-n5').waitFor({ timeout: 30_000 }).then(() => drawn(ctx.page))));

test('the gossip grid view has none', () =>
  audit('gossip-grid', '#v=1&engine=gossip&seed=2&nodes=100', () => ctx.page.getByTestId('grid').waitFor({ timeout: 30_000 }).then(() => drawn(ctx.page))));

test('the gossip ring view has none', () =>
  audit('gossip', '#v=1&engine=gossip&seed=2&nodes=8', () => ctx.page.getByTestId('status-n8').waitFor({ timeout: 30_000 }).then(() => drawn(ctx.page))));

test('the Consul view has none', () =>
  audit('consul', '#v=1&engine=consul&seed=2', () => ctx.page.getByTestId('status-n1').waitFor({ timeout: 30_000 }).then(() => drawn(ctx.page))));

test('the etcd view has none', () =>
  audit('etcd', '#v=1&engine=etcd&seed=2', () => ctx.page.getByTestId('status-n1').waitFor({ timeout: 30_000 }).then(() => drawn(ctx.page))));

test('the lab page has none', () =>
  audit('lab', 'lab.html', () => ctx.page.getByTestId('markov-summary').filter({ hasText: 'round' }).waitFor({ timeout: 30_000 })));

test('the lab page with a chart and a failed job has none', () =>
  // `crash-job` is the lab's test-only hook (quorate_view::lab::LabHooks): job 1 fails, so the list of
  // failed jobs is audited too.
  audit('lab-detection', 'lab.html#crash-job=1', async () => {
    await ctx.page.getByTestId('lab-experiment').selectOption('detection');
    const seeds = ctx.page.getByTestId('lab-seeds');
    await seeds.fill('1');
    await seeds.press('Tab');
    await ctx.page.getByTestId('lab-run').click();
    await ctx.page.getByTestId('lab-progress').filter({ hasText: '100%' }).waitFor({ timeout: 60_000 });
    await ctx.page.getByTestId('detection-chart').waitFor();
    await ctx.page.getByTestId('lab-failed').waitFor();
  }));
