// Profile (run by hand, not a test): where each worker's time goes while a 5-node Raft run plays at
// full speed in headless Chromium. Samples every worker's JavaScript and wasm stack with the DevTools
// profiler and sorts the samples: asleep in `Atomics.wait`, waking another worker (`Atomics.notify`),
// polling a channel (`Atomics.load`), the garbage collector, crossing between wasm and JavaScript, and
// the busiest wasm functions. Also prints how busy the page's main thread was.
//
//   node tests/e2e/profile-workers.mjs [host: workers or inline, default workers] [seconds, default 5] [top, default 8]
//
// Sampling slows the run (about half the events a second of an unprofiled one), so read the shares,
// not the rates. Function names need a build that keeps wasm's name section: wasm-opt drops it, so
// build with the worker's `data-wasm-opt="0"` in www/index.html (anything else shows wasm-function[N]).
// Serves dist/ (or QUORATE_DIST) on 127.0.0.1, cross-origin isolated (channels over shared memory).
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './serve.mjs';
import { ARGS } from './browser.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const host = process.argv[2] ?? 'workers';
const seconds = Number(process.argv[3] ?? 5);
const top = Number(process.argv[4] ?? 8);
if (!['workers', 'inline'].includes(host) || !(seconds > 0) || !(top >= 0)) {
  console.error('usage: node tests/e2e/profile-workers.mjs [workers|inline] [seconds > 0] [top >= 0]');
  process.exit(2);
}
const dist = process.env.QUORATE_DIST ?? join(here, '..', '..', 'dist');

// The glue's lines (worker.js) name the Atomics call they make; a sample in one is filed under it.
const glue = readFileSync(join(dist, 'worker.js'), 'utf8').split('\n');
const GLUE_CALLS = [
  ['Atomics.wait', 'asleep in Atomics.wait'],
  ['Atomics.notify', 'waking another worker (Atomics.notify)'],
  ['Atomics.load', 'polling a channel (Atomics.load)'],
];
const category = (frame) => {
  if (frame.url.endsWith('/worker.js')) {
    const near = glue.slice(frame.lineNumber, frame.lineNumber + 3).join(' ');
    for (const [call, name] of GLUE_CALLS) if (near.includes(call)) return name;
    return `worker.js glue (${frame.functionName || `line ${frame.lineNumber + 1}`})`;
  }
  return (frame.functionName || '(anonymous)').replace(/::h[0-9a-f]{16}$/, '');
};

const server = await serve(dist, { isolated: true });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ARGS });
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}#v=1&engine=raft&seed=1&nodes=5&host=${host}`);
  await page.getByTestId('status-n5').waitFor({ timeout: 30_000 });
  await page.getByRole('slider', { name: /speed/ }).fill('3.1');
  await page.waitForTimeout(2_000);

  // Dedicated workers are reached through the browser's target list; commands go to them wrapped in
  // Target.sendMessageToTarget (Playwright's sessions do not speak to a worker's own session).
  const cdp = await browser.newBrowserCDPSession();
  const { targetInfos } = await cdp.send('Target.getTargets');
  const workers = targetInfos.filter((t) => t.type === 'worker');
  if (workers.length === 0) throw new Error('the page has no worker to profile');
  const pending = new Map();
  let next = 0;
  cdp.on('Target.receivedMessageFromTarget', (e) => {
    const m = JSON.parse(e.message);
    if (pending.has(m.id)) {
      const { resolve, reject } = pending.get(m.id);
      pending.delete(m.id);
      m.error ? reject(new Error(`${m.error.message} (${e.sessionId})`)) : resolve(m.result);
    }
  });
  const sessions = [];
  for (const t of workers) {
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: t.targetId, flatten: false });
    const send = (method, params = {}) =>
      new Promise((resolve, reject) => {
        const id = ++next;
        pending.set(id, { resolve, reject });
        cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject);
      });
    // Node workers carry the name "node" (glue.rs); the orchestrator has none.
    sessions.push({ name: t.title === 'node' ? 'node worker' : 'orchestrator', send });
  }
  for (const { send } of sessions) {
    await send('Profiler.enable');
    await send('Profiler.setSamplingInterval', { interval: 100 });
  }
  const pageCdp = await page.context().newCDPSession(page);
  await pageCdp.send('Performance.enable');
  const metrics = async () =>
    Object.fromEntries((await pageCdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const events = async () => Number(await page.getByTestId('events').textContent());

  const [m0, e0] = [await metrics(), await events()];
  await Promise.all(sessions.map(({ send }) => send('Profiler.start')));
  await page.waitForTimeout(seconds * 1000);
  const profiles = await Promise.all(sessions.map(({ send }) => send('Profiler.stop')));
  const [m1, e1] = [await metrics(), await events()];

  console.log(`${host}: ${e1 - e0} events in ${seconds} s while profiled`);
  console.log(
    `page main thread busy ${(((m1.TaskDuration - m0.TaskDuration) / seconds) * 100).toFixed(1)}% of the time ` +
      `(script ${(((m1.ScriptDuration - m0.ScriptDuration) / seconds) * 100).toFixed(1)}%)`,
  );
  // The orchestrator first, then the node workers in the browser's order.
  const later = (i) => Number(sessions[i].name !== 'orchestrator');
  for (const i of [...sessions.keys()].sort((a, b) => later(a) - later(b))) {
    const { profile } = profiles[i];
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const time = new Map();
    profile.samples.forEach((id, k) => {
      const name = category(byId.get(id).callFrame);
      time.set(name, (time.get(name) ?? 0) + (profile.timeDeltas[k] ?? 0));
    });
    const total = [...time.values()].reduce((a, b) => a + b, 0) || 1;
    const asleep = time.get('asleep in Atomics.wait') ?? 0;
    console.log(
      `\n${sessions[i].name}: ${(total / 1e6).toFixed(2)} s sampled, ${((asleep / total) * 100).toFixed(1)}% asleep in Atomics.wait`,
    );
    for (const [name, us] of [...time].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${name.slice(0, 150)}`);
    }
  }
} finally {
  await browser.close();
  await server.close();
}
