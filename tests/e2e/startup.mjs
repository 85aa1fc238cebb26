// How soon a person opening the playground sees the run (run by hand, not a test): from navigation to
// the first frame (the node cards drawn), the clock's first move, the first events past the boot (more
// than 10) and the first leader, for a 5-node Raft run with a worker per node and inline, each load in a
// fresh browser (nothing cached: a first visit). Prints each load and the medians.
//
//   node tests/e2e/startup.mjs [loads per hosting, default 3]
//   node tests/e2e/startup.mjs [loads] repeat
//
// `repeat` times the first frame of later visits instead (one browser, everything cached), with a worker
// per node, served three ways: without the isolation headers (by message), without them through the
// page's service worker (www/isolate.js, registered by the first visit), and with them.
//
// Serves dist/ (or $QUORATE_DIST) on 127.0.0.1, cross-origin isolated, and drives headless Chromium.
import { serve } from './serve.mjs';
import { launch } from './browser.mjs';
import { leaders } from './harness.mjs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const loads = Number(process.argv[2] ?? 3);
if (!Number.isInteger(loads) || loads < 1) {
  console.error(`startup: loads must be a positive whole number, not ${process.argv[2]}`);
  process.exit(2);
}
const dist = process.env.QUORATE_DIST ?? join(here, '..', '..', 'dist');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
if (process.argv[3] === 'repeat') {
  await repeatVisits();
  process.exit(0);
} else if (process.argv[3] !== undefined) {
  console.error(`startup: the second argument may only be 'repeat', not ${process.argv[3]}`);
  process.exit(2);
}
const server = await serve(dist, { isolated: true });
try {
  for (const host of ['workers', 'inline']) {
    const rows = [];
    for (let i = 0; i < loads; i++) {
      // A new browser each time: a first visit, nothing cached.
      const browser = await launch();
      const page = await browser.context.newPage();
      const started = Date.now();
      await page.goto(`${server.url}#v=1&engine=raft&seed=${i + 1}&nodes=5&host=${host}`);
      const at = () => Date.now() - started;
      const row = {};
      await page.getByTestId('status-n5').waitFor({ timeout: 30_000 });
      row.frame = at();
      await page.waitForFunction(
        () => parseFloat(document.querySelector('[data-testid="time"]')?.textContent ?? '0') > 0,
        null,
        { timeout: 30_000, polling: 'raf' },
      );
      row.clock = at();
      await page.waitForFunction(
        () => {
          const text = document.querySelector('[data-testid="events"]')?.textContent ?? '';
          return Number(text.replace(/[^0-9]/g, '')) > 10;
        },
        null,
        { timeout: 30_000, polling: 'raf' },
      );
      row.events = at();
      while ((await leaders(page)).length === 0) {
        if (at() > 30_000) throw new Error(`no leader within 30 s (${host}, seed ${i + 1})`);
        await page.waitForTimeout(20);
      }
      row.leader = at();
      rows.push(row);
      console.log(
        `${host.padEnd(8)} seed ${i + 1}: first frame ${row.frame} ms, clock ${row.clock} ms, ` +
          `events ${row.events} ms, leader ${row.leader} ms`,
      );
      await browser.close();
    }
    console.log(
      `${host.padEnd(8)} medians: first frame ${median(rows.map((r) => r.frame))} ms, clock ${median(
        rows.map((r) => r.clock),
      )} ms, events ${median(rows.map((r) => r.events))} ms, leader ${median(rows.map((r) => r.leader))} ms`,
    );
  }
} finally {
  await server.close();
}

/** Later visits' first frames: a first visit, then `loads` more in the same browser, each way served. */
async function repeatVisits() {
  const plain = await serve(dist, { isolated: false });
  const isolated = await serve(dist, { isolated: true });
  try {
    for (const [way, url, serviceWorkers] of [
      ['no headers, by message', plain.url, 'block'],
      ['no headers, service worker', plain.url, 'allow'],
      ['headers', isolated.url, 'block'],
    ]) {
      const browser = await launch({ serviceWorkers });
      const page = await browser.context.newPage();
      // Straight from the last load (a new query makes it a load, not a jump within the page): by way
      // of about:blank an isolated page pays for a new browsing context group each time, about 0.12 s.
      const visit = async (seed) => {
        const started = Date.now();
        await page.goto(`${url}?visit=${seed}#v=1&engine=raft&seed=${seed}&nodes=5&host=workers`);
        await page.getByTestId('status-n5').waitFor({ timeout: 30_000 });
        return Date.now() - started;
      };
      await visit(1);
      if (serviceWorkers === 'allow') await page.evaluate(() => navigator.serviceWorker.ready);
      const frames = [];
      for (let i = 0; i < loads; i++) frames.push(await visit(i + 2));
      const channel = await page.getByTestId('workers').getAttribute('data-channel');
      console.log(`${way.padEnd(28)} first frame ${frames.join(', ')} ms; median ${median(frames)} ms (${channel})`);
      await browser.close();
    }
  } finally {
    await plain.close();
    await isolated.close();
  }
}
