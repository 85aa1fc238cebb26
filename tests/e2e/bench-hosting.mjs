// Bench (run by hand, not a test): events per second of a 5-node Raft run with a worker per node versus
// inline, measured side by side in one browser, and the memory of a long run at full speed. A worker per
// node is measured three times: over shared memory (the page served cross-origin isolated), over messages
// (served without those headers, as a host that cannot set them does), and served without them again in a
// browser that lets the page's service worker (www/isolate.js) isolate it from its second load on.
//
//   node tests/e2e/bench-hosting.mjs [seconds per mode, default 10] [long-run seconds, default 60]
//   QUORATE_LONG_HOST=inline node tests/e2e/bench-hosting.mjs 10 120
//   QUORATE_LONG_MESSAGES=1 node tests/e2e/bench-hosting.mjs 2 600   (node workers' memory too)
//
// Then it times the same rounds of calls with no engine at all (bench-rounds.mjs): the most a worker
// per node could reach on this machine.
//
// Serves dist/ on 127.0.0.1 and drives headless Chromium; build dist/ first (./dev.sh test does).
import { serve } from './serve.mjs';
import { launch } from './browser.mjs';
import { HEARTBEAT, ceiling, timeRounds } from './bench-rounds.mjs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const measureSeconds = Number(process.argv[2] ?? 10);
const longSeconds = Number(process.argv[3] ?? 60);

const dist = process.env.QUORATE_DIST ?? join(here, '..', '..', 'dist');
const server = await serve(dist, { isolated: true });
const plain = await serve(dist, { isolated: false });
const browser = await launch();
const withWorker = await launch({ serviceWorkers: 'allow' });
try {
  const blocked = await browser.context.newPage();
  const allowed = await withWorker.context.newPage();
  let page = blocked;
  const events = async () => Number(await page.getByTestId('events').textContent());
  const simTime = async () => parseFloat(await page.getByTestId('time').textContent());
  const open = async (host, url = server.url) => {
    await page.goto('about:blank');
    await page.goto(`${url}#v=1&engine=raft&seed=1&nodes=5&host=${host}`);
    await page.getByTestId('status-n5').waitFor({ timeout: 30_000 });
    // As fast as the page goes: the slider's last notch.
    await page.getByRole('slider', { name: /speed/ }).fill('3.1');
    await page.waitForTimeout(2_000);
  };
  // The bar's counters are drawn every few frames while a run plays (www/src/throttle.rs), so at a
  // given moment they may be a good way behind. Read at the moment they change, in the page, they
  // are exact: the events, the simulated seconds and the page's clock then.
  const edge = () =>
    page.evaluate(
      () =>
        new Promise((resolve, reject) => {
          const read = () => document.querySelector('[data-testid="events"]').textContent;
          const before = read();
          const since = performance.now();
          const poll = () => {
            const now = read();
            if (now === before && performance.now() - since > 30_000) {
              return reject(new Error(`the event count stayed at ${before} for 30 s: the run is not playing`));
            }
            if (now === before) return requestAnimationFrame(poll);
            const time = parseFloat(document.querySelector('[data-testid="time"]').textContent);
            resolve([Number(now), time, performance.now()]);
          };
          requestAnimationFrame(poll);
        }),
    );
  const rates = {};
  for (const [name, host, url, serviceWorker] of [
    ['workers, shared memory', 'workers', server.url, false],
    ['workers, messages', 'workers', plain.url, false],
    ['workers, service worker', 'workers', plain.url, true],
    ['inline', 'inline', server.url, false],
  ]) {
    page = serviceWorker ? allowed : blocked;
    // The other page's run stops first, so that it does not share the cores with this one.
    await (serviceWorker ? blocked : allowed).goto('about:blank');
    if (serviceWorker) {
      // A first visit registers the page's service worker; the load in `open` is the second.
      await page.goto(plain.url);
      await page.evaluate(() => navigator.serviceWorker.ready);
    }
    await open(host, url);
    const isolated = await page.evaluate(() => crossOriginIsolated);
    const [e0, s0, t0] = await edge();
    await page.waitForTimeout(measureSeconds * 1000);
    const [e1, s1, t1] = await edge();
    const wall = (t1 - t0) / 1000;
    rates[name] = (e1 - e0) / wall;
    console.log(
      `${name.padEnd(24)} ${Math.round(rates[name]).toString().padStart(9)} events/s  ` +
        `${((s1 - s0) / wall).toFixed(1).padStart(8)} simulated s per s  (${e1 - e0} events in ${wall.toFixed(1)} s; ` +
        `crossOriginIsolated ${isolated})`,
    );
  }
  page = blocked;
  for (const name of ['workers, shared memory', 'workers, messages', 'workers, service worker']) {
    console.log(`ratio ${name} / inline = ${(rates[name] / rates.inline).toFixed(3)}`);
  }
  // The floor on this machine: the same rounds of calls with no engine, codec or world (bench-rounds.mjs),
  // with the run stopped first so that it does not share the cores.
  await page.goto('about:blank');
  const [floor] = await timeRounds(browser.context, [{ pattern: HEARTBEAT }], measureSeconds);
  const most = ceiling(floor.usPerRound);
  console.log(
    `floor: a heartbeat's rounds of calls with no work at all take ${floor.usPerRound.toFixed(1)} µs each: ` +
      `at most ${Math.round(most)} events/s, ${(most / rates.inline).toFixed(3)} of inline`,
  );

  // Memory over a long run at full speed (QUORATE_LONG_HOST=inline for the faster, longer one;
  // QUORATE_LONG_MESSAGES=1 for a worker per node by message, where the node workers are sampled too).
  const byMessage = process.env.QUORATE_LONG_MESSAGES === '1';
  await open(process.env.QUORATE_LONG_HOST ?? 'workers', byMessage ? plain.url : server.url);
  // `wasm_bindgen` is a global lexical binding of a worker's script, not a property of `self`.
  const wasmBytes = (worker) =>
    worker
      .evaluate(() => (typeof wasm_bindgen === 'undefined' ? 0 : wasm_bindgen.wasm_memory_bytes?.() ?? 0))
      .catch(() => 0);
  const sample = async () => {
    const heap = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? 0);
    // The orchestrator is the page's first worker. Node workers are asked only by message: over shared
    // memory one sleeps in Atomics.wait between calls, and evaluating in it closed the page (Chromium 156).
    const [orchestrator, ...nodes] = page.workers();
    const wasm = orchestrator ? await wasmBytes(orchestrator) : 0;
    const nodeMB = byMessage ? (await Promise.all(nodes.map(wasmBytes))).map((b) => +(b / 1e6).toFixed(1)) : [];
    return { sim: await simTime(), events: await events(), heapMB: heap / 1e6, wasmMB: wasm / 1e6, nodeMB };
  };
  const start = Date.now();
  while (Date.now() - start < longSeconds * 1000) {
    const s = await sample();
    console.log(
      `t+${Math.round((Date.now() - start) / 1000)}s  sim ${s.sim.toFixed(0)} s  events ${s.events}  ` +
        `page JS heap ${s.heapMB.toFixed(1)} MB  orchestrator wasm memory ${s.wasmMB.toFixed(1)} MB` +
        (byMessage ? `  node workers' wasm memory ${s.nodeMB.join(', ')} MB` : ''),
    );
    await page.waitForTimeout(Math.min(10_000, longSeconds * 1000 / 6));
  }
  console.log('final', JSON.stringify(await sample()));
} finally {
  await browser.close();
  await withWorker.close();
  await server.close();
  await plain.close();
}
