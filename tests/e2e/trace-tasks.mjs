// Main-thread tasks while a page loads and autoplays (run by hand): where Lighthouse's Total Blocking
// Time comes from. Records a Chromium trace through CDP and prints the tasks over 12 ms of wall time (a
// task over 12.5 ms counts as blocking under Lighthouse's 4x mobile CPU throttling), what they spent it
// on, and the main thread's CPU time per message from the orchestrator. Compare builds by the CPU
// figures: on a busy machine wall times grow with the load, thread times much less.
//
//   node tests/e2e/trace-tasks.mjs [page after the site's root, e.g. 'embed.html#lesson=election'] [seconds, default 6]
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
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.start', {
    categories: 'devtools.timeline,disabled-by-default-devtools.timeline,toplevel',
    transferMode: 'ReportEvents',
  });
  const start = Date.now();
  await page.goto(server.url + path);
  await page.waitForTimeout(seconds * 1000);
  await cdp.send('Tracing.end');
  await done;
  // The page's main thread: the one that parsed the page's HTML.
  const parse = events.find((e) => e.name === 'ParseHTML' && String(e.args?.beginData?.url ?? '').startsWith(server.url));
  const main = parse && { pid: parse.pid, tid: parse.tid };
  if (!main) throw new Error('no ParseHTML of the page in the trace');
  const tasks = events
    .filter((e) => e.pid === main?.pid && e.tid === main?.tid && e.name === 'RunTask' && e.dur)
    .map((e) => ({ ts: e.ts, ms: e.dur / 1000, cpu: (e.tdur ?? e.dur) / 1000 }));
  const t0 = Math.min(...tasks.map((t) => t.ts));
  const long = tasks.filter((t) => t.ms > 12);
  const blocking = tasks.reduce((s, t) => s + Math.max(0, t.ms * 4 - 50), 0);
  console.log(`${tasks.length} tasks in ${((Date.now() - start) / 1000).toFixed(1)} s; ${long.length} over 12 ms`);
  console.log(`blocking time at 4x: ${blocking.toFixed(0)} ms (Lighthouse counts from FCP to TTI only)`);
  for (const t of long.slice(0, 40)) console.log(`  at ${((t.ts - t0) / 1000).toFixed(0).padStart(6)} ms: ${t.ms.toFixed(1)} ms`);
  // What the long tasks spend their time on: the trace events nested directly in them, by name.
  const inMain = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur);
  const byName = new Map();
  for (const t of long) {
    const end = t.ts + t.ms * 1000;
    for (const e of inMain) {
      if (e.ts >= t.ts && e.ts + e.dur <= end && e.name !== 'RunTask') {
        byName.set(e.name, (byName.get(e.name) ?? 0) + e.dur / 1000);
      }
    }
  }
  const top = [...byName].sort((a, b) => b[1] - a[1]).slice(0, 14);
  console.log('inside the long tasks (nested events overlap, so sums exceed task time):');
  for (const [name, ms] of top) console.log(`  ${name.padEnd(36)} ${ms.toFixed(0).padStart(7)} ms`);
  // Thread time (CPU) is what a loaded machine does not inflate: the figure to compare builds by.
  const cpu = tasks.map((t) => t.cpu).sort((a, b) => a - b);
  const cq = (p) => cpu[Math.floor((cpu.length - 1) * p)].toFixed(1);
  const busy = cpu.reduce((a, b) => a + b, 0);
  const frames = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.name === 'HandlePostMessage').length;
  console.log(`messages from the orchestrator: ${frames}; main thread CPU per message ${(busy / Math.max(1, frames)).toFixed(2)} ms`);
  console.log(`main thread CPU: ${busy.toFixed(0)} ms in all; per task p90 ${cq(0.9)}, p99 ${cq(0.99)}, max ${cq(1)}; tasks over 12 ms of CPU: ${cpu.filter((c) => c > 12).length}`);
  // The costliest tasks by CPU, and what they did.
  for (const t of [...tasks].sort((a, b) => b.cpu - a.cpu).slice(0, 6)) {
    const end = t.ts + t.ms * 1000;
    const inside = new Map();
    for (const e of inMain) {
      if (e.ts >= t.ts && e.ts + e.dur <= end && e.name !== 'RunTask' && e.name !== 'ThreadControllerImpl::RunTask') {
        const k = e.name + (e.args?.data?.functionName ? ' ' + e.args.data.functionName : '') + (e.args?.data?.url ? ' ' + String(e.args.data.url).split('/').pop() : '');
        inside.set(k, (inside.get(k) ?? 0) + (e.tdur ?? e.dur) / 1000);
      }
    }
    const top = [...inside].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, v]) => `${k} ${v.toFixed(1)}`).join('; ');
    console.log(`  task at ${((t.ts - t0) / 1000).toFixed(0)} ms: ${t.cpu.toFixed(1)} ms CPU: ${top}`);
  }
  const sorted = tasks.map((t) => t.ms).sort((a, b) => a - b);
  const q = (p) => sorted[Math.floor((sorted.length - 1) * p)].toFixed(1);
  console.log(`task ms: median ${q(0.5)}, p90 ${q(0.9)}, p99 ${q(0.99)}, max ${q(1)}`);
} finally {
  await browser.close();
  server.close();
}
