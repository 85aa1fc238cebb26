// Where a playing page's main-thread time goes, frame by frame (run by hand, not a test): after the
// page has played for 3 s, records a Chromium trace for a few seconds and prints the main thread's
// thread (CPU) time by trace event (script, paint, layout, style...), in all and per message from the
// orchestrator. Compare builds by alternating runs on the same machine; `&host=inline` in the page
// keeps the node workers from competing with the page for the cores.
//
//   node tests/e2e/frame-cost.mjs ['#v=1&engine=raft&seed=3&nodes=9&host=inline'] [seconds, default 5]
import { serve } from './serve.mjs';
import { launch } from './browser.mjs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.QUORATE_DIST ?? join(here, '..', '..', 'dist');
const path = process.argv[2] ?? '#v=1&engine=raft&seed=3&nodes=9&host=inline';
const seconds = Number(process.argv[3] ?? 5);

const server = await serve(dist);
const browser = await launch();
try {
  const page = await browser.context.newPage();
  await page.goto(server.url + path);
  await page.waitForTimeout(3000);
  const cdp = await browser.context.newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.start', {
    categories: 'devtools.timeline,disabled-by-default-devtools.timeline,toplevel',
    transferMode: 'ReportEvents',
  });
  await page.waitForTimeout(seconds * 1000);
  await cdp.send('Tracing.end');
  await done;
  // The page's main thread: the one that runs its animation frames.
  const raf = events.find((e) => e.name === 'FireAnimationFrame');
  if (!raf) throw new Error('no animation frame in the trace: is the run playing?');
  const mine = events.filter((e) => e.pid === raf.pid && e.tid === raf.tid && e.ph === 'X' && e.dur);
  const messages = mine.filter((e) => e.name === 'HandlePostMessage').length;
  const frames = mine.filter((e) => e.name === 'FireAnimationFrame').length;
  const by = new Map();
  for (const e of mine) by.set(e.name, (by.get(e.name) ?? 0) + (e.tdur ?? e.dur) / 1000);
  console.log(`${messages} messages from the orchestrator, ${frames} animation frames in ${seconds} s (nested events overlap)`);
  for (const [name, ms] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 14)) {
    console.log(`  ${name.padEnd(40)} ${ms.toFixed(0).padStart(6)} ms  ${(ms / Math.max(1, messages)).toFixed(2)} ms per message`);
  }
} finally {
  await browser.close();
  server.close();
}
