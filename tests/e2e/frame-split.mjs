// Where a full-speed frame's wall time goes (run by hand, not a test): from the page, the time between
// posting a message to the orchestrator (an `Advance`) and the frame that answers it (the orchestrator's
// part, with its node workers), and between that frame's arrival and the next post (the page's part:
// decoding, drawing, pacing). A 5-node Raft run, with a worker per node, then inline.
//
//   node tests/e2e/frame-split.mjs [seconds, default 5]
//
// Serves dist/ (or $QUORATE_DIST) on 127.0.0.1, cross-origin isolated, and drives headless Chromium.
import { serve } from './serve.mjs';
import { launch } from './browser.mjs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const seconds = Number(process.argv[2] ?? 5);
if (!(seconds > 0)) {
  console.error(`frame-split: seconds must be a positive number, not ${process.argv[2]}`);
  process.exit(2);
}
const server = await serve(process.env.QUORATE_DIST ?? join(here, '..', '..', 'dist'), { isolated: true });
const browser = await launch();
try {
  const page = await browser.context.newPage();
  // Every worker the page makes gets a listener first, so arrivals are timed before the app handles them.
  await page.addInitScript(() => {
    const times = { posts: [], arrivals: [] };
    window.__split = times;
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (...args) {
      times.posts.push(performance.now());
      return post.apply(this, args);
    };
    const Original = window.Worker;
    window.Worker = function (...args) {
      const worker = new Original(...args);
      worker.addEventListener('message', () => times.arrivals.push(performance.now()));
      return worker;
    };
    window.Worker.prototype = Original.prototype;
  });
  for (const host of ['workers', 'inline']) {
    await page.goto('about:blank');
    await page.goto(`${server.url}#v=1&engine=raft&seed=1&nodes=5&host=${host}`);
    await page.getByTestId('status-n5').waitFor({ timeout: 30_000 });
    await page.getByRole('slider', { name: /speed/ }).fill('3.1');
    await page.waitForTimeout(2_000);
    await page.evaluate(() => {
      window.__split.posts.length = 0;
      window.__split.arrivals.length = 0;
    });
    await page.waitForTimeout(seconds * 1000);
    const { posts, arrivals } = await page.evaluate(() => window.__split);
    let orchestrator = 0;
    let pageMs = 0;
    let frames = 0;
    for (let i = 0; i + 1 < arrivals.length; i++) {
      const next = posts.find((t) => t > arrivals[i]);
      if (next === undefined || next > arrivals[i + 1]) continue;
      pageMs += next - arrivals[i];
      orchestrator += arrivals[i + 1] - next;
      frames += 1;
    }
    if (frames === 0) throw new Error(`${host}: no frame answered a post in ${seconds} s`);
    console.log(
      `${host.padEnd(8)} ${frames} frames: orchestrator ${(orchestrator / frames).toFixed(1)} ms, ` +
        `page ${(pageMs / frames).toFixed(1)} ms per frame`,
    );
  }
} finally {
  await browser.close();
  await server.close();
}
