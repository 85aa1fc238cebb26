// Where the page's main thread spends its time (run by hand): a CPU profile through CDP from the page's
// load, printed as the functions with the most self time and, for every stretch of work longer than
// 50 ms (what Lighthouse counts as blocking), the Rust functions with the most time in it.
//
//   node tests/e2e/profile-page.mjs [page fragment, default ''] [seconds, default 6]
//   QUORATE_THROTTLE=4 node tests/e2e/profile-page.mjs '' 5      # with Lighthouse's 4x CPU slowdown
//
// Function names need a wasm that wasm-opt has not stripped. The cargo output keeps them, and wasm-opt
// does not change the JavaScript glue, so a copy of dist/ with the app's wasm swapped does:
//
//   cp -r dist /tmp/dist-names && sed -i 's/ integrity="[^"]*"//g' /tmp/dist-names/*.html
//   wasm-bindgen --target web --no-typescript --out-dir /tmp/wbg --out-name app \
//     target/wasm32-unknown-unknown/wasm/app.wasm
//   cp /tmp/wbg/app_bg.wasm /tmp/dist-names/app-*_bg.wasm
//   QUORATE_DIST=/tmp/dist-names node tests/e2e/profile-page.mjs
import { serve } from './serve.mjs';
import { launch } from './browser.mjs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.QUORATE_DIST ?? join(here, '..', '..', 'dist');
const path = process.argv[2] ?? '';
const seconds = Number(process.argv[3] ?? 6);
const throttle = Number(process.env.QUORATE_THROTTLE ?? 1);
if (!(seconds > 0) || !(throttle >= 1)) {
  console.error('seconds must be a number above 0 and QUORATE_THROTTLE a number from 1');
  process.exit(2);
}

const server = await serve(dist);
const browser = await launch();
try {
  const page = await browser.context.newPage();
  const cdp = await browser.context.newCDPSession(page);
  if (throttle > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  await page.goto(server.url + path);
  await page.waitForTimeout(seconds * 1000);
  const { profile } = await cdp.send('Profiler.stop');
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Rust's symbols end in a hash; without it the same function reads the same in every build.
  const nameOf = (id) => (byId.get(id).callFrame.functionName || '(anon)').replace(/::h[0-9a-f]{16}\b/g, '');

  const self = new Map();
  let total = 0;
  // Stretches of samples with no idle one between them, and each function's time in them.
  const stretches = [];
  let stretch = null;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i];
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const leaf = nameOf(id);
    if (leaf === '(idle)') {
      if (stretch) stretches.push(stretch);
      stretch = null;
      return;
    }
    total += ms;
    const where = `${leaf} ${byId.get(id).callFrame.url.split('/').pop()}`;
    self.set(where, (self.get(where) ?? 0) + ms);
    stretch ??= { start: at, end: at, time: new Map() };
    stretch.end = at + ms * 1000;
    const seen = new Set();
    for (let node = id; node !== undefined; node = parent.get(node)) {
      const name = nameOf(node);
      if (seen.has(name)) continue;
      seen.add(name);
      stretch.time.set(name, (stretch.time.get(name) ?? 0) + ms);
    }
  });
  if (stretch) stretches.push(stretch);

  console.log(`profile: ${total.toFixed(0)} ms busy in ${seconds} s (CPU slowed ${throttle}x)`);
  for (const [name, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    console.log(`${ms.toFixed(0).padStart(7)} ms  ${name.slice(0, 110)}`);
  }
  const ours = /quorate|yew_agent|gloo|bincode|garbage/;
  for (const s of stretches.filter((s) => (s.end - s.start) / 1000 > 50)) {
    console.log(`\nwork from ${((s.start - profile.startTime) / 1000).toFixed(0)} ms for ${((s.end - s.start) / 1000).toFixed(0)} ms:`);
    for (const [name, ms] of [...s.time].filter(([n]) => ours.test(n)).sort((a, b) => b[1] - a[1]).slice(0, 10)) {
      console.log(`${ms.toFixed(1).padStart(9)} ms  ${name.slice(0, 120)}`);
    }
  }
} finally {
  await browser.close();
  await server.close();
}
