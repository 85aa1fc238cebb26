// Where the page's main thread spends its time while a run plays (run by hand): a CPU profile through
// CDP, printed as the functions with the most self time. Build with the app's wasm-opt off to keep names.
//
//   node tests/e2e/profile-page.mjs [page fragment, default ''] [seconds, default 6]
import { serve } from './serve.mjs';
import { launch } from './browser.mjs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.QUORATE_DIST ?? join(here, '..', '..', 'dist');
const path = process.argv[2] ?? '';
const seconds = Number(process.argv[3] ?? 6);

const server = await serve(dist);
const browser = await launch();
try {
  const page = await browser.context.newPage();
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  await page.goto(server.url + path);
  await page.waitForTimeout(seconds * 1000);
  const { profile } = await cdp.send('Profiler.stop');
  const self = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = profile.timeDeltas;
  let total = 0;
  profile.samples.forEach((id, i) => {
    const n = byId.get(id);
    const name = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}`;
    const ms = (dt[i] ?? 0) / 1000;
    total += ms;
    self.set(name, (self.get(name) ?? 0) + ms);
  });
  console.log(`profile: ${total.toFixed(0)} ms sampled`);
  for (const [name, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 45)) {
    console.log(`${ms.toFixed(0).padStart(7)} ms  ${name.slice(0, 110)}`);
  }
} finally {
  await browser.close();
  server.close();
}
