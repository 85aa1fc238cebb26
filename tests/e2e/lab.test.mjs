// The lab page: Figure 16 with a few seeds runs on the pool of lab workers until progress reaches 100%,
// the chart is drawn with the paper's points, and Export CSV downloads the CLI's form. Cancel ends the
// pool's workers and the progress stops. The Markov sliders redraw the chain. And a lesson link with a
// step opens that lesson at that step (a step the lesson lacks is refused with a message). A job that
// fails (its worker panics, or cannot read the job) is reported with its seed and the run still ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { usePage } from './harness.mjs';

const ctx = usePage();
const text = (id) => ctx.page.getByTestId(id).textContent();

async function setSeeds(n) {
  const seeds = ctx.page.getByTestId('lab-seeds');
  await seeds.fill(String(n));
  await seeds.press('Tab');
}

test('Figure 16 runs on the worker pool, is drawn and exports CSV', async () => {
  await ctx.page.goto(ctx.url + 'lab.html');
  await ctx.page.getByTestId('markov-summary').filter({ hasText: 'round' }).waitFor({ timeout: 30_000 });
  await ctx.shot('lab-start.png');
  await ctx.page.getByTestId('lab-experiment').selectOption('fig16');
  await setSeeds(2);
  await ctx.page.getByTestId('lab-run').click();
  await ctx.page.getByTestId('lab-done').filter({ hasText: 'of 14 jobs' }).waitFor();
  const poolWorkers = ctx.page.workers().length;
  await ctx.page.getByTestId('lab-progress').filter({ hasText: '100%' }).waitFor({ timeout: 180_000 });
  assert.equal(await text('lab-done'), ' 14 of 14 jobs');
  const chart = ctx.page.getByTestId('fig16-chart');
  const svg = await chart.innerHTML();
  assert.match(svg, /<svg/);
  assert.match(svg, /150-155 ms \(2\)/, 'each range is in the legend with its trials');
  assert.match(svg, /the paper/);
  assert.ok((await chart.locator('circle').count()) >= 4, 'the paper points are drawn');
  await ctx.shot('lab-fig16.png');
  // The run's workers end when it is done; the chain's worker stays.
  for (let i = 0; i < 50 && ctx.page.workers().length > 1; i++) await ctx.page.waitForTimeout(100);
  assert.ok(poolWorkers >= 2, `a pool and the chain's worker ran (${poolWorkers})`);
  assert.equal(ctx.page.workers().length, 1, 'only the chain worker is left');

  const [download] = await Promise.all([ctx.page.waitForEvent('download'), ctx.page.getByTestId('lab-csv').click()]);
  assert.equal(download.suggestedFilename(), 'quorate-lab-fig16.csv');
  const csv = await readFile(await download.path(), 'utf8');
  const lines = csv.trim().split('\n');
  assert.equal(lines[0], 'range_min_ms,range_max_ms,ms,cdf');
  assert.ok(lines.length >= 11, `a row per trial that found a leader (${lines.length - 1})`);
  assert.match(lines.at(-1), /^12,24,\d+\.\d{3},1\.00000$/);
});

test('cancel ends the workers and the progress stops', async () => {
  await ctx.page.getByTestId('lab-experiment').selectOption('detection');
  await setSeeds(30);
  await ctx.page.getByTestId('lab-run').click();
  await ctx.page.getByTestId('lab-done').filter({ hasText: 'of 90 jobs' }).waitFor();
  // Some answers arrive, so the progress is seen moving before it is stopped.
  await ctx.page.waitForFunction(() => parseInt(document.querySelector('[data-testid=lab-done]').textContent) >= 2, null, {
    timeout: 60_000,
  });
  const before = ctx.page.workers().length;
  assert.ok(before >= 2, `the pool is running (${before} workers)`);
  await ctx.page.getByTestId('lab-cancel').click();
  await ctx.page.getByTestId('lab-cancelled').waitFor();
  const stopped = await text('lab-done');
  for (let i = 0; i < 50 && ctx.page.workers().length > 1; i++) await ctx.page.waitForTimeout(100);
  assert.equal(ctx.page.workers().length, 1, 'the pool is gone; the chain worker stays');
  await ctx.page.waitForTimeout(3000);
  assert.equal(await text('lab-done'), stopped, 'no answer arrives after cancel');
  assert.notEqual(await text('lab-progress'), '100%');
  await ctx.shot('lab-cancelled.png');
});

test('the Markov sliders change the chart', async () => {
  const summary = () => text('markov-summary');
  const chart = () => ctx.page.getByTestId('markov-chart').innerHTML();
  const first = [await summary(), await chart()];
  assert.match(first[0], /N = 30, fanout 3, loss 0\.00/);
  await ctx.page.getByTestId('markov-loss').fill('0.5');
  await ctx.page.getByTestId('markov-summary').filter({ hasText: 'loss 0.50' }).waitFor();
  await ctx.page.waitForFunction((old) => document.querySelector('[data-testid=markov-chart]').innerHTML !== old, first[1]);
  await ctx.page.getByTestId('markov-n').fill('80');
  await ctx.page.getByTestId('markov-summary').filter({ hasText: 'N = 80' }).waitFor({ timeout: 30_000 });
  const later = await summary();
  assert.notEqual(later, first[0]);
  assert.match(await chart(), /Serf/);
  await ctx.shot('lab-markov.png');

  // The measured runs join the chart for the same N, f and loss (the CLI's default setting).
  await ctx.page.getByTestId('markov-loss').fill('0');
  await ctx.page.getByTestId('markov-n').fill('30');
  await ctx.page.getByTestId('markov-summary').filter({ hasText: 'N = 30, fanout 3, loss 0.00' }).waitFor({ timeout: 30_000 });
  await ctx.page.getByTestId('lab-experiment').selectOption('convergence');
  await setSeeds(3);
  await ctx.page.getByTestId('lab-run').click();
  await ctx.page.getByTestId('lab-progress').filter({ hasText: '100%' }).waitFor({ timeout: 120_000 });
  await ctx.page.getByTestId('markov-chart').filter({ hasText: 'measured (3 runs)' }).waitFor();
  await ctx.shot('lab-convergence.png');
});

test('first detection, message load and Lifeguard are charted with their theory', async () => {
  // One seed each: the charts' shapes are what is checked here; `quorate lab` measures the figures.
  const run = async (name, jobs) => {
    await ctx.page.getByTestId('lab-experiment').selectOption(name);
    await setSeeds(1);
    await ctx.page.getByTestId('lab-run').click();
    await ctx.page.getByTestId('lab-done').filter({ hasText: `of ${jobs} jobs` }).waitFor();
    const started = Date.now();
    await ctx.page.getByTestId('lab-progress').filter({ hasText: '100%' }).waitFor({ timeout: 300_000 });
    console.log(`${name}: ${jobs} jobs in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const chart = ctx.page.getByTestId(`${name}-chart`);
    const svg = await chart.innerHTML();
    await ctx.shot(`lab-${name}.png`);
    // The charts sit on a white card in either theme.
    await ctx.page.emulateMedia({ colorScheme: 'dark' });
    await ctx.shot(`lab-${name}-dark.png`);
    await ctx.page.emulateMedia({ colorScheme: 'light' });
    console.log(`${name} table:`, (await ctx.page.getByTestId('lab-table').innerText()).replace(/\s+/g, ' '));
    return { chart, svg };
  };
  const detection = await run('detection', 3);
  assert.match(detection.svg, /SWIM first probe, e\/\(e-1\) = 1\.58/);
  assert.match(detection.svg, /e\/\(e-1\) \+ 1 = 2\.58/);
  assert.match(detection.svg, /this engine's model|this engine&apos;s model/);
  assert.match(detection.svg, /measured mean ± sd \(1 run per N/);
  // A dot per run and a mean per N (3 each), three model points, the legend's marks.
  assert.ok((await detection.chart.locator('circle').count()) >= 9, 'runs, means and model are drawn');
  assert.match(await ctx.page.getByTestId('lab-table').innerText(), /engine_model/);

  const load = await run('load', 3);
  assert.match(load.svg, /SWIM: a ping and an ack per member per period = 2/);
  assert.match(load.svg, /measured, probe traffic/);
  assert.match(load.svg, /measured, all traffic/);
  assert.ok((await load.chart.locator('circle').count()) >= 6, 'a point per N for each traffic');

  const lifeguard = await run('lifeguard', 5);
  assert.match(lifeguard.svg, /Lifeguard off \(1 run each\)/);
  assert.match(lifeguard.svg, /Lifeguard on \(1 run each\)/);
  assert.match(lifeguard.svg, /false deaths per 10-minute run/);

  // CSV export still gives the table's rows.
  const [download] = await Promise.all([ctx.page.waitForEvent('download'), ctx.page.getByTestId('lab-csv').click()]);
  assert.equal(download.suggestedFilename(), 'quorate-lab-lifeguard.csv');
  const csv = (await readFile(await download.path(), 'utf8')).trim().split('\n');
  assert.equal(csv[0], 'slow,off_declared,off_seen,on_declared,on_seen');
  assert.equal(csv.length, 6, 'a row per number of slow members');
});

test('a job whose worker dies, cannot read it or never answers fails by name, and the run still finishes', async () => {
  // Test-only hooks of the lab's address (quorate_view::lab::LabHooks): job 2 is sent as a panic (its
  // worker traps), job 5 as bytes that are not a job, job 4 as a loop that never answers (the watchdog
  // gives up on it after 3 s instead of the page's 120).
  await ctx.page.goto('about:blank');
  await ctx.page.goto(ctx.url + 'lab.html#crash-job=2&garble-job=5&hang-job=4&job-limit=3');
  // The page is ready (its chain worker has answered) before the form is changed, as in the first test.
  await ctx.page.getByTestId('markov-summary').filter({ hasText: 'round' }).waitFor({ timeout: 30_000 });
  await ctx.page.getByTestId('lab-experiment').selectOption('fig16');
  await setSeeds(1);
  await ctx.page.getByTestId('lab-run').click();
  await ctx.page.getByTestId('lab-progress').filter({ hasText: '100%' }).waitFor({ timeout: 120_000 });
  assert.equal(await text('lab-done'), ' 7 of 7 jobs');
  assert.equal(await text('lab-failed-count'), '· 3 failed');
  const failed = await text('lab-failed');
  assert.match(failed, /3 jobs failed/);
  assert.match(failed, /job 4 \(Figure 16, 150-175 ms, seed 1\): its worker gave no answer within 3 s and was stopped/);
  assert.match(failed, /job 2 \(Figure 16, 150-151 ms, seed 1\): its worker (panicked: [\s\S]*told to panic|failed: )/);
  assert.match(failed, /job 5 \(Figure 16, 150-200 ms, seed 1\): its worker could not read the job: malformed message/);
  // The other four answered: their ranges are in the chart with one trial each.
  const svg = await ctx.page.getByTestId('fig16-chart').innerHTML();
  assert.match(svg, /150-150 ms \(1\)/);
  assert.doesNotMatch(svg, /150-151 ms/);
  assert.doesNotMatch(svg, /150-175 ms/);
  assert.equal(await ctx.page.getByTestId('lab-run').isDisabled(), false, 'the run is over');
  await ctx.shot('lab-failed-jobs.png');
  for (let i = 0; i < 50 && ctx.page.workers().length > 1; i++) await ctx.page.waitForTimeout(100);
  assert.equal(ctx.page.workers().length, 1, 'the pool is gone, the dead and the stopped worker too; the chain worker stays');

  // A hook the address does not know is named, not ignored.
  await ctx.page.goto('about:blank');
  await ctx.page.goto(ctx.url + 'lab.html#crash-job=two');
  assert.match(await text('lab-address-error'), /crash-job in the lab's address must be a job number from 1, got "two"/);
});

test('a lesson link opens that lesson at that step; a step it lacks is refused', async () => {
  const tab = await ctx.page.context().newPage();
  await tab.goto(ctx.url + '#lesson=leader-crash&step=3');
  await tab.waitForFunction(() => document.querySelector('[data-testid=lesson-page]')?.textContent.startsWith('Step 3 of'), null, {
    timeout: 30_000,
  });
  assert.equal(await tab.evaluate(() => location.hash), '#lesson=leader-crash&step=3');
  await tab.getByRole('button', { name: 'next step' }).click();
  await tab.waitForFunction(() => location.hash === '#lesson=leader-crash&step=4');
  await tab.screenshot({ path: new URL('./artifacts/lab-lesson-link.png', import.meta.url).pathname });
  await tab.close();
  // A fresh tab for each address: a new fragment alone does not reload the page.
  const bad = await ctx.page.context().newPage();
  await bad.goto(ctx.url + '#lesson=leader-crash&step=40');
  await bad.locator('p.notice').filter({ hasText: 'step in the URL' }).waitFor({ timeout: 30_000 });
  assert.match(await bad.locator('p.notice').textContent(), /has steps 1 to 5 .* not 40/);
  await bad.close();
  const tab2 = await ctx.page.context().newPage();
  await tab2.goto(ctx.url + '#lesson=election&step=two');
  await tab2.locator('p.notice').filter({ hasText: 'step in the URL must be a whole number' }).waitFor({ timeout: 30_000 });
  await tab2.close();
  // The Consul and etcd lessons play in the page too.
  for (const [name, steps] of [['consul-lock', 4], ['etcd-lock', 3]]) {
    const t = await ctx.page.context().newPage();
    await t.goto(ctx.url + `#lesson=${name}&step=${steps}`);
    await t.waitForFunction((want) => document.querySelector('[data-testid=lesson-page]')?.textContent.startsWith(want), `Step ${steps} of ${steps}`, {
      timeout: 60_000,
    });
    await t.screenshot({ path: new URL(`./artifacts/lab-lesson-${name}.png`, import.meta.url).pathname });
    assert.equal(await t.locator('p.notice').count(), 0, `${name} plays without an error`);
    await t.close();
  }
});

test('no errors in the console', () => {
  assert.deepEqual(ctx.errors, []);
});
