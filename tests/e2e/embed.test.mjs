// Embedding: the example documentation page holds three players that run independently; the host page
// drives one of them through the postMessage API and hears its events; a player ignores requests from
// a host on another origin that did not opt in, and obeys one that did (data-allow-origin); a URL carrying script-like text is refused with a
// message while the player still plays; the built site works from a sub-path (/quorate/); a lesson's
// introduction is on screen before its run has loaded, and before the player asks for its orchestrator;
// the page's own script draws it before any wasm, as the app does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, symlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drawn, usePage } from './harness.mjs';
import { serve } from './serve.mjs';

const ctx = usePage();
const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(process.env.QUORATE_DIST ?? join(here, '..', '..', 'dist'));

const seconds = async (frame) => parseFloat(await frame.getByTestId('time').textContent());
const players = () => ['lesson', 'driven', 'crash'].map((id) => ctx.page.frameLocator(`#${id} iframe`));

test('the example page loads three players that run independently', async () => {
  await ctx.page.goto(ctx.url + 'embed/example.html');
  const [lesson, driven, crash] = players();
  for (const p of [lesson, driven, crash]) await p.getByTestId('digest').waitFor({ timeout: 30_000 });
  await lesson.getByTestId('lesson-page').filter({ hasText: 'Introduction' }).waitFor();
  await crash.getByTestId('lesson-page').filter({ hasText: 'Introduction' }).waitFor();
  assert.match(await lesson.locator('.lesson h2').textContent(), /election/i);
  assert.match(await crash.locator('.lesson h2').textContent(), /crash/i);

  // The gossip player plays; stepping the first lesson moves only that one.
  const t0 = await seconds(driven);
  await ctx.page.waitForFunction(() => true);
  await lesson.getByRole('button', { name: 'next step', exact: true }).click();
  await lesson.getByTestId('lesson-page').filter({ hasText: 'Step 1 of' }).waitFor();
  assert.equal(await seconds(crash), 0, 'the other lesson stays on its introduction');
  await driven.getByRole('button', { name: 'pause', exact: true }).waitFor();
  assert.ok((await seconds(driven)) > t0 || (await seconds(driven)) > 0, 'the gossip run plays on');
  assert.equal(await seconds(lesson), 0.15, 'the first lesson is at the end of its step 1');
  const digests = await Promise.all([lesson, driven, crash].map((p) => p.getByTestId('digest').textContent()));
  assert.notEqual(digests[1], digests[0], 'the gossip run is its own');
  assert.notEqual(digests[1], digests[2], 'the gossip run is its own');
  // The frames sized themselves to their content.
  const heights = await ctx.page.$$eval('.quorate-embed iframe', (fs) => fs.map((f) => parseInt(f.style.height, 10)));
  assert.ok(heights.every((h) => h >= 200 && h < 1500 && h !== 520), `heights ${heights}`);
  await ctx.shot('embed-example.png');
});

test('the host page drives a player with postMessage and hears its events', async () => {
  const [lesson, driven] = players();
  const host = (name) => ctx.page.getByRole('button', { name, exact: true }).click();
  // Let the run get past 1 s (one can only seek where the run has been), then pause it from the page.
  await ctx.page.waitForFunction(
    () => parseFloat(document.querySelector('#driven iframe').contentDocument.querySelector('[data-testid=time]').textContent) > 1.1,
    null,
    { timeout: 20_000 },
  );
  await host('pause');
  await driven.getByRole('button', { name: 'play', exact: true }).waitFor();
  await ctx.page.locator('#events').filter({ hasText: 'paused' }).waitFor();
  await host('seek to 1 s');
  await ctx.page.waitForFunction(
    () => document.querySelector('#driven iframe').contentDocument.querySelector('[data-testid=time]').textContent === '1.000 s',
    null,
    { timeout: 20_000 },
  );
  const events = await ctx.page.locator('#events').textContent();
  assert.match(events, /ready/);
  assert.match(events, /frame t=1000\.0 ms/);
  await host('load seed 9');
  await ctx.page.waitForFunction(() => /seed 9|playing/.test(document.querySelector('#events').textContent));
  await driven.getByRole('button', { name: 'pause', exact: true }).waitFor();
  // The lesson player next to it was not touched.
  await lesson.getByTestId('lesson-page').filter({ hasText: 'Step 1 of' }).waitFor();

  // A lesson page by message, and a malformed request answered with an error.
  await ctx.page.evaluate(() => document.getElementById('lesson').quorate.send({ quorate: 'lesson-step', step: 3 }));
  await lesson.getByTestId('lesson-page').filter({ hasText: 'Step 3 of' }).waitFor();
  const errors = [];
  await ctx.page.exposeFunction('sawError', (m) => errors.push(m));
  await ctx.page.evaluate(() => {
    const el = document.getElementById('crash');
    el.addEventListener('quorate', (e) => e.detail.quorate === 'error' && window.sawError(e.detail.message));
    el.quorate.send({ quorate: 'seek', time_ms: 'soon' });
    el.quorate.send({ quorate: 'load', lesson: '<img src=x onerror=alert(1)>' });
  });
  await ctx.page.waitForFunction(() => true);
  for (let i = 0; i < 50 && errors.length < 2; i++) await ctx.page.waitForTimeout(100);
  assert.equal(errors.length, 2, `errors: ${errors}`);
  assert.match(errors[0], /time_ms/);
  assert.match(errors[1], /lesson name may hold only/);
  await ctx.shot('embed-driven.png');
});

test('a host on another origin is ignored unless it opts in', async () => {
  // A page on origin "null" (about:blank) embeds a player from the test server.
  const tab = await ctx.page.context().newPage();
  await tab.setContent(`<div class="quorate-embed" id="p" data-engine="raft" data-seed="3"></div>
    <script src="${ctx.url}embed/quorate-embed.js"></script>`);
  const player = tab.frameLocator('#p iframe');
  await player.getByRole('button', { name: 'pause', exact: true }).waitFor({ timeout: 30_000 });
  await tab.evaluate(() => document.getElementById('p').quorate.send({ quorate: 'pause' }));
  await tab.waitForTimeout(800);
  assert.equal(await player.getByRole('button', { name: 'pause', exact: true }).count(), 1, 'still playing');
  const heard = await tab.evaluate(
    () => new Promise((ok) => {
      let n = 0;
      document.getElementById('p').addEventListener('quorate', () => n++);
      setTimeout(() => ok(n), 600);
    }),
  );
  assert.equal(heard, 0, 'no events for a host that did not opt in');
  const height = await tab.$eval('#p iframe', (f) => parseInt(f.style.height, 10));
  assert.notEqual(height, 520, 'the height still comes through');
  await tab.close();
});

test('a host on another origin that opts in with data-allow-origin drives the player', async () => {
  // The host page on http://localhost:PORT, the player from http://127.0.0.1:PORT: two origins.
  const tab = await ctx.page.context().newPage();
  const hostUrl = ctx.url.replace('127.0.0.1', 'localhost');
  await tab.goto(hostUrl + 'embed/example.html');
  await tab.evaluate((player) => {
    document.querySelectorAll('.quorate-embed').forEach((e) => e.remove());
    const div = document.createElement('div');
    div.className = 'quorate-embed';
    div.id = 'p';
    div.setAttribute('data-engine', 'demo');
    div.setAttribute('data-seed', '4');
    div.setAttribute('data-allow-origin', location.origin);
    document.body.prepend(div);
    window.heard = [];
    div.addEventListener('quorate', (e) => window.heard.push(e.detail.quorate));
    const script = document.createElement('script');
    script.src = player + 'embed/quorate-embed.js';
    document.body.append(script);
  }, ctx.url);
  const player = tab.frameLocator('#p iframe');
  await player.getByRole('button', { name: 'pause', exact: true }).waitFor({ timeout: 30_000 });
  await tab.evaluate(() => document.getElementById('p').quorate.send({ quorate: 'pause' }));
  await player.getByRole('button', { name: 'play', exact: true }).waitFor({ timeout: 10_000 });
  await tab.waitForFunction(() => window.heard.includes('ready') && window.heard.includes('frame'));
  await tab.close();
});

test('a URL carrying script-like text is refused with a message, and a run still plays', async () => {
  const tab = await ctx.page.context().newPage();
  const dialogs = [];
  tab.on('dialog', (d) => {
    dialogs.push(d.message());
    d.dismiss();
  });
  for (const [fragment, message] of [
    ['#lesson=%3Cscript%3Ealert(1)%3C/script%3E', /lesson name may hold only/],
    ['#engine=%3Cscript%3Ealert(1)%3C/script%3E', /engine in the URL must be/],
    ['#engine=raft&origin=javascript%3Aalert(1)', /not an origin/],
  ]) {
    await tab.goto('about:blank');
    await tab.goto(ctx.url + 'embed.html' + fragment);
    await tab.getByTestId('notice').waitFor({ timeout: 20_000 });
    assert.match(await tab.getByTestId('notice').textContent(), message);
    await tab.getByTestId('digest').waitFor({ timeout: 20_000 });
    const injected = await tab.evaluate(
      () => [...document.scripts].some((s) => s.textContent.includes('alert')) || document.querySelector('img') !== null,
    );
    assert.equal(injected, false, 'nothing from the URL became markup');
  }
  assert.deepEqual(dialogs, []);
  await tab.screenshot({ path: join(here, 'artifacts', 'embed-refused.png') });
  await tab.close();
});

let sub;
let subRoot;
before(async () => {
  // The site under /quorate/, as on a project page.
  subRoot = await mkdtemp(join(tmpdir(), 'quorate-sub-'));
  await symlink(dist, join(subRoot, 'quorate'));
  sub = await serve(subRoot);
});
after(async () => {
  await sub?.close();
  if (subRoot) await rm(subRoot, { recursive: true, force: true });
});

test('the built site works from a sub-path', async () => {
  const tab = await ctx.page.context().newPage();
  await tab.goto(sub.url + 'quorate/#engine=raft&seed=2&nodes=3');
  await tab.getByTestId('status-n3').waitFor({ timeout: 30_000 });
  await drawn(tab);
  await tab.goto(sub.url + 'quorate/embed.html#lesson=election');
  await tab.getByTestId('lesson-page').filter({ hasText: 'Introduction' }).waitFor({ timeout: 30_000 });
  assert.equal(await tab.title(), 'Quorate player');
  await tab.goto(sub.url + 'quorate/embed/example.html');
  await tab.frameLocator('#crash iframe').getByTestId('lesson-page').waitFor({ timeout: 30_000 });
  await tab.close();
});

test("a lesson's introduction is on screen before its run has loaded", async () => {
  // Hold the orchestrator's wasm: the player has the lesson's text, not yet its run. The orchestrator
  // is asked for only once the introduction is on screen, so that it does not hold up that paint.
  let release;
  const held = new Promise((go) => (release = go));
  let asked = false;
  let introFirst;
  await ctx.page.route('**/worker.js', async (route) => {
    introFirst ??= await ctx.page.evaluate(() => Boolean(document.querySelector('.lesson h2')));
    await route.continue();
  });
  await ctx.page.route('**/worker_bg.wasm', async (route) => {
    asked = true;
    await held;
    await route.continue();
  });
  try {
    await ctx.page.goto(ctx.url + 'embed.html#lesson=election');
    await ctx.page.locator('.lesson h2').filter({ hasText: /election/i }).waitFor({ timeout: 30_000 });
    await ctx.page.getByText('Five servers start up.').waitFor();
    for (let i = 0; !asked && i < 300; i++) await ctx.page.waitForTimeout(100);
    assert.ok(asked, 'the orchestrator was held');
    assert.equal(introFirst, true, 'the orchestrator was asked for only once the introduction was on screen');
    assert.equal(await ctx.page.getByTestId('digest').count(), 0, 'no frame yet');
    await ctx.shot('embed-intro-early.png');
  } finally {
    release();
  }
  await ctx.page.getByTestId('digest').waitFor({ timeout: 30_000 });
  await ctx.page.getByTestId('lesson-page').filter({ hasText: 'Introduction' }).waitFor();
  await ctx.page.unroute('**/worker_bg.wasm');
  await ctx.page.unroute('**/worker.js');
});

test("the page's own script draws every lesson's introduction as the app does, before any wasm", async () => {
  const index = await (await fetch(ctx.url + 'lessons/index.txt')).text();
  const names = index.split('\n').map((l) => l.trim()).filter((l) => l.endsWith('.lesson')).map((l) => l.replace(/^\d+-/, '').replace(/\.lesson$/, ''));
  assert.ok(names.length >= 20, `${names.length} lessons in the index`);
  const tab = await ctx.page.context().newPage();
  const errors = [];
  tab.on('pageerror', (err) => errors.push(String(err)));
  // The app's wasm waits until the shell's introduction has been read; no orchestrator ever loads. A gate
  // per page, opened whether or not the wasm was asked for yet (the shell may be read before it is).
  let release = () => {};
  let gate = Promise.resolve();
  const close = () => {
    gate = new Promise((go) => (release = go));
  };
  await tab.route((url) => /\/app-[0-9a-f]+_bg\.wasm$/.test(url.pathname), async (route) => {
    await gate;
    await route.continue().catch(() => {});
  });
  await tab.route((url) => /\/(worker|gossip|systems)\.js$/.test(url.pathname), () => {});
  const intro = () => tab.evaluate(() => [...document.querySelectorAll('main .lesson h2, main .lesson p')].map((e) => e.textContent));
  try {
    for (const name of names) {
      close();
      await tab.goto('about:blank');
      await tab.goto(ctx.url + `embed.html#lesson=${name}`);
      await tab.locator('#shell .lesson h2').waitFor({ timeout: 10_000 });
      const early = await intro();
      assert.equal(await tab.locator('main').count(), 1, `${name}: only the shell`);
      release();
      await tab.waitForFunction(() => !document.getElementById('shell') && document.querySelector('main .lesson h2'), null, { timeout: 30_000 });
      assert.deepEqual(early, await intro(), `${name}: the shell's introduction is the app's`);
    }
  } finally {
    release();
    await tab.close();
  }
  assert.deepEqual(errors, []);
});

test('no errors in the console', () => {
  assert.deepEqual(ctx.errors, []);
});
