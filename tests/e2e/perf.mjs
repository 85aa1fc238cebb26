// Frame times in the browser (run by hand, not a test): the p95 of the interval between animation frames
// while a run plays, for a 9-node Raft run and a 1,000-node gossip run, and the wasm the page transfers
// (gzip). Goals: p95 <= 16.7 ms (Raft), <= 33 ms (gossip at 1,000), wasm <= 600 KB gzip.
//
//   node tests/e2e/perf.mjs [seconds per run, default 10]
import { serve } from './serve.mjs';
import { launch } from './browser.mjs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { readdir, readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.QUORATE_DIST ?? join(here, '..', '..', 'dist');
const seconds = Number(process.argv[2] ?? 10);

let wasm = 0;
for (const name of await readdir(dist)) {
  if (name.endsWith('.wasm')) {
    const size = gzipSync(await readFile(join(dist, name)), { level: 9 }).length;
    console.log(`${name.padEnd(40)} ${(size / 1024).toFixed(0).padStart(5)} KB gzip`);
    wasm += size;
  }
}
console.log(`${'wasm in all'.padEnd(40)} ${(wasm / 1024).toFixed(0).padStart(5)} KB gzip`);

const server = await serve(dist);
const browser = await launch();
try {
  const page = await browser.context.newPage();
  for (const [name, fragment, speed] of [
    ['raft, 9 nodes', '#v=1&engine=raft&seed=3&nodes=9', '0'],
    ['gossip, 1,000 nodes', '#v=1&engine=gossip&seed=3&nodes=1000', '0'],
  ]) {
    await page.goto('about:blank');
    await page.goto(server.url + fragment);
    await page.getByTestId('status-n1').or(page.getByTestId('grid')).first().waitFor({ timeout: 60_000 });
    await page.getByRole('slider', { name: /speed/ }).fill(speed);
    await page.waitForTimeout(2_000);
    const intervals = await page.evaluate(
      (ms) =>
        new Promise((done) => {
          const out = [];
          let last = performance.now();
          const end = last + ms;
          const tick = (now) => {
            out.push(now - last);
            last = now;
            if (now < end) requestAnimationFrame(tick);
            else done(out);
          };
          requestAnimationFrame(tick);
        }),
      seconds * 1000,
    );
    intervals.sort((a, b) => a - b);
    const pct = (p) => intervals[Math.min(intervals.length - 1, Math.floor(p * intervals.length))];
    console.log(
      `${name.padEnd(22)} ${intervals.length} frames: median ${pct(0.5).toFixed(1)} ms, p95 ${pct(0.95).toFixed(1)} ms, max ${pct(1).toFixed(1)} ms  (events ${await page.getByTestId('events').textContent()})`,
    );
  }
} finally {
  await browser.close();
  await server.close();
}
