// Hosting in the browser (DESIGN.md): each node's engine in its own Web Worker, ordered by the
// orchestrator, gives the same trace as the inline mode and as the native simulator; killing a node ends
// its worker, restarting it boots a fresh worker from the durable state; a crashing worker is reported
// and the run goes on; scrubbing back and forth lands on identical states, and a fork keeps both
// branches. Screenshots land in tests/e2e/artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { drawn, leaders, usePage } from './harness.mjs';
import { serve } from './serve.mjs';
import { launch } from './browser.mjs';

const ctx = usePage();
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SEEDS = Number(process.env.QUORATE_E2E_SEEDS ?? 20);
const dist = process.env.QUORATE_DIST ?? join(root, 'dist');

const text = (id) => ctx.page.getByTestId(id).textContent();
const click = (name) => ctx.page.getByRole('button', { name, exact: true }).click();

/** Waits until the digest has not changed for `quiet` ms: every queued command has been answered. */
async function settle(quiet = 400) {
  let last = await text('digest');
  let since = Date.now();
  while (Date.now() - since < quiet) {
    await ctx.page.waitForTimeout(100);
    const now = await text('digest');
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
  return last;
}

async function open(fragment) {
  await ctx.page.goto('about:blank');
  await ctx.page.goto(ctx.url + fragment);
  await ctx.page.getByTestId('status-n1').waitFor({ timeout: 30_000 });
  await drawn(ctx.page);
}

const leaderOf = () =>
  ctx.page.evaluate(() => {
    const card = [...document.querySelectorAll('.node-card:not(.down)')].find(
      (c) => c.querySelector('.role')?.textContent === 'leader',
    );
    return card ? Number(card.dataset.node) : null;
  });

/** The same scripted run for a seed; returns the link to where it ended. */
async function scripted(engine, seed, host) {
  const nodes = engine === 'raft' ? 5 : 6;
  await open(`#v=1&engine=${engine}&seed=${seed}&nodes=${nodes}&host=${host}&at=0.0`);
  if (engine === 'raft') {
    await click('run until the next leader');
    await ctx.page.getByTestId('reached').waitFor({ timeout: 20_000 });
    await settle();
    const leader = await leaderOf();
    assert.ok(leader, `seed ${seed}: a leader`);
    await click(`kill n${leader}`);
    await click('run until the next leader');
    await settle();
    const next = await leaderOf();
    await ctx.page.locator(`.node-card[data-node="${next}"] .summary`).click();
    await ctx.page.getByRole('textbox', { name: 'client command' }).fill('propose x=1');
    await click('send the command');
    await click('run until the next commit');
  } else {
    await click('run until the next membership change');
    await settle();
    await click('kill n3');
    await click('run until the next membership change');
    await click('run until the next membership change');
    await ctx.page.locator('.node-card[data-node="1"] .summary').click();
    await ctx.page.getByRole('textbox', { name: 'client command' }).fill('event deploy v1');
    await click('send the command');
  }
  for (let i = 0; i < 10; i++) await click('step one event');
  const digest = await settle();
  await click('link to this moment');
  const link = await ctx.page.evaluate(() => location.href);
  return { link, digest, events: await text('events') };
}

const native = (link) =>
  JSON.parse(
    execFileSync('cargo', ['run', '--locked', '-q', '-p', 'quorate-cli', '--', 'link', '--json', link], {
      cwd: root,
      encoding: 'utf8',
    }),
  );

for (const engine of ['raft', 'gossip']) {
  test(`${engine}: worker per node, inline and native give the same digest (${SEEDS} seeds)`, async () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const live = await scripted(engine, seed, 'workers');
      assert.match(await text('workers'), /workers/, 'the run had a worker per node');
      assert.equal(
        await ctx.page.getByTestId('workers').getAttribute('data-channel'),
        'shared memory',
        'served cross-origin isolated, node workers answer over shared memory',
      );
      // The same run driven live inline.
      const inline = await scripted(engine, seed, 'inline');
      assert.equal(await text('workers'), 'inline');
      assert.deepEqual(
        [inline.digest, inline.events],
        [live.digest, live.events],
        `${engine} seed ${seed}: inline vs per-node (open ${live.link})`,
      );
      const theirs = native(live.link);
      assert.equal(theirs.digest, live.digest, `${engine} seed ${seed}: native vs browser (quorate link '${live.link}')`);
    }
  });
}

test('served without cross-origin isolation, node workers answer by message: same digests', async () => {
  // A host that cannot set headers (a plain static site): no shared memory, the message path.
  const plain = await serve(dist, { isolated: false });
  const url = ctx.url;
  try {
    ctx.url = plain.url;
    for (const engine of ['raft', 'gossip']) {
      for (let seed = 1; seed <= 3; seed++) {
        const live = await scripted(engine, seed, 'workers');
        assert.equal(await ctx.page.getByTestId('workers').getAttribute('data-channel'), 'messages');
        const inline = await scripted(engine, seed, 'inline');
        assert.deepEqual(
          [inline.digest, inline.events],
          [live.digest, live.events],
          `${engine} seed ${seed}: inline vs per-node over messages (open ${live.link})`,
        );
      }
    }
  } finally {
    ctx.url = url;
    await plain.close();
  }
});

test("served without the isolation headers, the page's service worker isolates its next load: shared memory, same digests", async () => {
  // A host that cannot set headers, and a browser that lets the page register its service worker
  // (www/isolate.js; the other tests block it to stay on what their server sends). What the worker
  // does with each request is checked request by request in isolate.test.mjs.
  const served = [];
  const plain = await serve(dist, { isolated: false, onServe: (path) => served.push(path) });
  const browser = await launch({ serviceWorkers: 'allow' });
  const [page, url] = [ctx.page, ctx.url];
  try {
    ctx.page = await browser.context.newPage();
    ctx.url = plain.url;
    const errors = [];
    ctx.page.on('pageerror', (err) => errors.push(String(err)));
    const isolated = () => ctx.page.evaluate(() => crossOriginIsolated);
    const channel = () => ctx.page.getByTestId('workers').getAttribute('data-channel');

    await open('#v=1&engine=raft&seed=2&nodes=5&host=workers');
    assert.deepEqual([await isolated(), await channel()], [false, 'messages'], 'a first visit runs by message');
    const scope = await ctx.page.evaluate(() =>
      Promise.race([
        navigator.serviceWorker.ready.then((registration) => registration.scope),
        new Promise((_, fail) => setTimeout(() => fail(new Error('no service worker is ready 10 s after the load')), 10_000)),
      ]),
    );
    assert.equal(scope, plain.url, 'the playground registered its service worker for its folder');

    // From the next load on the page is isolated, and a worker per node gives the trace it gives anywhere.
    const live = await scripted('raft', 2, 'workers');
    assert.deepEqual([await isolated(), await channel()], [true, 'shared memory'], 'the next load shares memory');
    assert.match(await text('workers'), /^\d workers$/, 'node workers running, none crashed');
    // Chromium took the worker's routes: the page's own files came straight from the network.
    const routed = await ctx.page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .filter((entry) => /\.(wasm|css)$/.test(new URL(entry.name).pathname))
        .map((entry) => entry.workerMatchedSourceType),
    );
    assert.ok(routed.length >= 2 && routed.every((source) => source === 'network'), `routes taken: ${routed}`);
    const inline = await scripted('raft', 2, 'inline');
    assert.deepEqual([inline.digest, inline.events], [live.digest, live.events], `inline vs per-node (open ${live.link})`);
    assert.equal(native(live.link).digest, live.digest, `native vs browser (quorate link '${live.link}')`);

    // The other pages are left as the host serves them: the player and the lab are not isolated.
    for (const other of ['embed.html#lesson=election', 'lab.html']) {
      await ctx.page.goto('about:blank');
      served.length = 0;
      await ctx.page.goto(plain.url + other);
      await ctx.page.waitForLoadState('load');
      const path = '/' + other.split('#')[0];
      assert.equal(served.filter((p) => p === path).length, 1, `${other} is fetched once`);
      assert.equal(await ctx.page.evaluate(() => navigator.serviceWorker.controller !== null), true, `${other} is under the worker`);
      assert.equal(await isolated(), false, `${other} is served as the host sends it`);
    }
    assert.deepEqual(errors, [], 'no page errors');
  } finally {
    ctx.page = page;
    ctx.url = url;
    await browser.close();
    await plain.close();
  }
});

/** Dedicated workers the browser is running for this page (the orchestrator and the node workers). */
async function workerTargets() {
  const cdp = await ctx.page.context().newCDPSession(ctx.page);
  const { targetInfos } = await cdp.send('Target.getTargets');
  await cdp.detach();
  return targetInfos.filter((t) => t.type === 'worker').length;
}

/** The worker count once it is `n`, or after 3 s (a worker ends, or starts, a little after the page says so). */
async function workersBecome(n) {
  let count = await workerTargets();
  for (let i = 0; i < 30 && count !== n; i++) {
    await ctx.page.waitForTimeout(100);
    count = await workerTargets();
  }
  return count;
}

test('the hosting menu moves a running run into workers and back, and the run goes on', async () => {
  await open('#v=1&engine=raft&seed=4&nodes=5&host=inline');
  await ctx.page.waitForFunction(() => document.querySelectorAll('.node-card.r-leader').length === 1, null, {
    timeout: 20_000,
  });
  assert.equal(await text('workers'), 'inline');
  assert.equal(await workerTargets(), 1, 'the orchestrator alone');
  const menu = ctx.page.getByRole('combobox', { name: 'where the nodes run' });
  const goesOn = async () => {
    const before = Number(await text('events'));
    await ctx.page.waitForFunction((b) => Number(document.querySelector('[data-testid=events]').textContent) > b + 20, before, {
      timeout: 15_000,
    });
  };
  await menu.selectOption('workers');
  await ctx.page.waitForFunction(() => document.querySelector('[data-testid=workers]')?.textContent === '5 workers');
  assert.equal(await workersBecome(6), 6, 'the orchestrator and five node workers');
  await goesOn();
  assert.equal((await leaders(ctx.page)).length, 1, 'the leader is still there');
  await menu.selectOption('inline');
  await ctx.page.waitForFunction(() => document.querySelector('[data-testid=workers]')?.textContent === 'inline');
  assert.equal(await workersBecome(1), 1, 'the node workers ended');
  await goesOn();
  assert.equal((await leaders(ctx.page)).length, 1);
});

test('kill ends the node worker; restart boots a fresh one from the durable state', async () => {
  await open('#v=1&engine=raft&seed=11&nodes=5&host=workers');
  await ctx.page.waitForFunction(() => document.querySelectorAll('.node-card.r-leader').length === 1, null, {
    timeout: 20_000,
  });
  await ctx.page.waitForFunction(() => document.querySelector('[data-testid=workers]')?.textContent === '5 workers');
  assert.equal(await workersBecome(6), 6, 'the orchestrator and five node workers');
  await click('pause');
  const leader = await leaderOf();
  await settle();
  const term = /term (\d+)/.exec(await text(`summary-n${leader}`))[1];
  await click(`kill n${leader}`);
  await ctx.page.waitForFunction((id) => document.querySelector(`[data-testid=status-n${id}]`).textContent === 'dead', leader);
  assert.equal(await text('workers'), '4 workers');
  // The browser confirms: the worker really ended.
  assert.equal(await workersBecome(5), 5, 'one worker fewer');
  assert.match(await text(`summary-n${leader}`), new RegExp(`term ${term} kept`));
  // Selected, it says why it has no state to show.
  await ctx.page.locator(`.node-card[data-node="${leader}"] .summary`).click();
  assert.match(await text('details-gone'), new RegExp(`n${leader} is down: its memory is gone with its worker`));
  await ctx.shot('hosting-killed.png');
  await click(`restart n${leader}`);
  await ctx.page.waitForFunction((id) => document.querySelector(`[data-testid=status-n${id}]`).textContent === 'up', leader);
  await settle();
  assert.equal(await text('workers'), '5 workers');
  assert.equal(await workerTargets(), 6, 'a fresh worker');
  // Term and log survive (durable); the leadership does not (volatile).
  assert.match(await text(`summary-n${leader}`), new RegExp(`term ${term} `));
  assert.equal(await text(`role-n${leader}`), 'follower');
});

test('a panicking node worker is shown as crashed and the others go on', async () => {
  await click('play');
  await ctx.page.locator('.node-card[data-node="2"] .summary').click();
  await click('crash its worker (n2)');
  await ctx.page.waitForFunction(() => document.querySelector('[data-testid=status-n2]').textContent === 'dead', null, {
    timeout: 15_000,
  });
  assert.match(await text('workers'), /4 workers · 1 crashed/);
  assert.match(await ctx.page.locator('p.notice').first().textContent(), /n2's worker crashed/);
  const before = Number(await text('events'));
  await ctx.page.waitForFunction((b) => Number(document.querySelector('[data-testid=events]').textContent) > b + 20, before, {
    timeout: 15_000,
  });
  await ctx.shot('hosting-crashed.png');
  await click('pause');
});

test('scrubbing back 10 s and forward gives identical frames; a fork keeps both branches', async () => {
  await open('#v=1&engine=raft&seed=5&nodes=5&host=workers');
  // 10x speed: 30 s of simulated time in about 3 s.
  await ctx.page.getByRole('slider', { name: 'speed (simulated seconds per second)' }).fill('1');
  await ctx.page.waitForFunction(() => parseFloat(document.querySelector('[data-testid=time]').textContent) > 30, null, {
    timeout: 30_000,
  });
  await click('pause');
  const headDigest = await settle();
  const cards = () => ctx.page.locator('aside.nodes').innerText();
  // The event log shows the moment's last lines, newest first.
  const head = { digest: headDigest, cards: await cards(), time: await text('time'), log: await text('log') };
  const scrubber = ctx.page.getByTestId('scrubber');
  const headMs = Number(await scrubber.getAttribute('max'));
  const seek = async (ms) => {
    await scrubber.fill(String(ms));
    await ctx.page.waitForFunction(
      (t) => Math.abs(parseFloat(document.querySelector('[data-testid=time]').textContent) * 1000 - t) < 1.5,
      ms,
      { timeout: 20_000 },
    );
    return { digest: await settle(), cards: await cards(), time: await text('time'), log: await text('log') };
  };
  const past = await seek(headMs - 10_000);
  assert.match(await text('timeline-state'), /the past/);
  const newest = parseFloat(past.log);
  assert.ok(
    newest <= parseFloat(past.time) && newest > parseFloat(past.time) - 1,
    `the log's newest line (${past.log.split('\n')[0]}) is from just before ${past.time}`,
  );
  // The space-time diagram shows the moment's recent past, not only what is in flight.
  const arrows = () => ctx.page.evaluate(() => Number(document.querySelector('[data-testid=lamport] canvas')?.dataset.arrows));
  assert.ok((await arrows()) >= 20, `arrows after the seek: ${await arrows()}`);
  const back = await seek(headMs);
  assert.deepEqual(back, head, 'forward again: the head, identical');
  assert.equal(await text('timeline-state'), 'live');
  assert.deepEqual(await seek(headMs - 10_000), past, 'back again: the same past frame');
  await ctx.shot('hosting-past.png');
  // A command in the past forks a branch; the first stays reachable.
  await click('kill n4');
  await ctx.page.getByRole('group', { name: 'branches' }).waitFor();
  await click('play');
  await ctx.page.waitForTimeout(800);
  await click('pause');
  const forkDigest = await settle();
  await ctx.page.getByRole('button', { name: /^branch main/ }).click();
  await ctx.page.waitForFunction((d) => document.querySelector('[data-testid=digest]').textContent === d, head.digest, {
    timeout: 20_000,
  });
  assert.equal(await text('status-n4'), 'up');
  await ctx.page.getByRole('button', { name: /^branch b1/ }).click();
  await ctx.page.waitForFunction((d) => document.querySelector('[data-testid=digest]').textContent === d, forkDigest, {
    timeout: 20_000,
  });
  assert.equal(await text('status-n4'), 'dead');
  await ctx.shot('hosting-fork.png');
});

// A channel is polled thousands of times a round. wasm-bindgen wraps an import that may throw in a
// try/catch helper that copies its arguments into a new object on every call, which once made the garbage
// collector a tenth of the orchestrator's time (README, Benchmarks): channel.rs imports these without it.
test("the channels' Atomics calls are not wrapped in the throwing imports' helper", () => {
  for (const script of ['worker.js', 'gossip.js', 'systems.js']) {
    const lines = readFileSync(join(dist, script), 'utf8').split('\n');
    for (const call of ['Atomics.load(', 'Atomics.store(', 'Atomics.notify(']) {
      // Every import that makes the call (a second one, e.g. js-sys's, would be as hot if used).
      const at = lines.flatMap((line, i) => (line.includes(call) ? [i] : []));
      assert.ok(at.length > 0 && at[0] > 0, `${script} calls ${call}`);
      for (const i of at) {
        assert.doesNotMatch(lines[i - 1], /handleError/, `${script}: ${call} goes through handleError`);
      }
    }
  }
});

test('no errors in the console', () => {
  assert.deepEqual(ctx.errors, []);
});
