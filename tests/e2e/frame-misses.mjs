// What the missed frames of a playing page are made of (run by hand, not a test): while a run plays,
// a requestAnimationFrame loop runs in the page (as in perf.mjs) and a Chromium trace is recorded. An
// interval between two of its frames above 20 ms is a missed vsync; for each, this prints what the
// page's main thread ran in it (tasks, with their largest nested events) and the CPU every thread of
// the browser used in it, next to the same figures for an average frame that did not miss.
//
//   node tests/e2e/frame-misses.mjs ['#v=1&engine=raft&seed=3&nodes=9'] [seconds, default 6] [misses shown, default 8]
import { serve } from './serve.mjs';
import { launch } from './browser.mjs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.QUORATE_DIST ?? join(here, '..', '..', 'dist');
const path = process.argv[2] ?? '#v=1&engine=raft&seed=3&nodes=9';
const seconds = Number(process.argv[3] ?? 6);
const shown = Number(process.argv[4] ?? 8);

const server = await serve(dist);
const browser = await launch();
try {
  const page = await browser.context.newPage();
  await page.goto(server.url + path);
  await page.getByTestId('status-n1').or(page.getByTestId('grid')).first().waitFor({ timeout: 60_000 });
  await page.getByRole('slider', { name: /speed/ }).fill('0');
  // A style to try without a build, e.g. QUORATE_CSS='.log { display: none }'.
  if (process.env.QUORATE_CSS) await page.addStyleTag({ content: process.env.QUORATE_CSS });
  await page.waitForTimeout(2000);
  const cdp = await browser.context.newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.start', {
    categories: [
      'devtools.timeline',
      'disabled-by-default-devtools.timeline',
      'disabled-by-default-devtools.timeline.frame',
      'toplevel',
      'v8',
      'blink.user_timing',
      '__metadata',
    ].join(','),
    transferMode: 'ReportEvents',
  });
  // The measuring loop: every callback marks itself, so its frames can be found in the trace.
  await page.evaluate(
    (ms) =>
      new Promise((done) => {
        const end = performance.now() + ms;
        const tick = (now) => {
          performance.mark('vsync');
          if (now < end) requestAnimationFrame(tick);
          else done();
        };
        requestAnimationFrame(tick);
      }),
    seconds * 1000,
  );
  await cdp.send('Tracing.end');
  await done;

  const names = new Map();
  for (const e of events) {
    if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args.name);
    if (e.ph === 'M' && e.name === 'process_name') names.set(`${e.pid}`, e.args.name);
  }
  const marks = events.filter((e) => e.name === 'vsync' && (e.cat ?? '').includes('user_timing'));
  if (marks.length < 2) throw new Error('no frames of the measuring loop in the trace');
  const main = { pid: marks[0].pid, tid: marks[0].tid };
  const stamps = [...new Set(marks.map((e) => e.ts))].sort((a, b) => a - b);
  const intervals = stamps.slice(1).map((ts, i) => ({ from: stamps[i], to: ts, ms: (ts - stamps[i]) / 1000 }));
  const sorted = intervals.map((f) => f.ms).sort((a, b) => a - b);
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(1);
  const missed = intervals.filter((f) => f.ms > 20);
  console.log(
    `${intervals.length} frames in ${seconds} s: median ${q(0.5)}, p95 ${q(0.95)}, max ${q(1)} ms; ${missed.length} over 20 ms (${((100 * missed.length) / intervals.length).toFixed(1)}%)`,
  );

  // Top-level slices per thread: RunTask (or the scheduler's own task slice) with their thread time.
  const complete = events.filter((e) => e.ph === 'X' && e.dur);
  const threadOf = (e) => `${e.pid}:${e.tid}`;
  // Outermost task slices only (a RunTask nests in the scheduler's ThreadControllerImpl::RunTask).
  const top = [];
  const reach = new Map();
  for (const e of complete
    .filter((e) => e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask')
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur)) {
    if ((reach.get(threadOf(e)) ?? 0) >= e.ts + e.dur) continue;
    reach.set(threadOf(e), e.ts + e.dur);
    top.push(e);
  }
  const label = (key) => `${names.get(key.split(':')[0]) ?? '?'}/${names.get(key) ?? key}`;
  const cpuIn = (from, to) => {
    const by = new Map();
    for (const e of top) {
      const s = Math.max(e.ts, from);
      const t = Math.min(e.ts + e.dur, to);
      if (t <= s) continue;
      const share = ((t - s) / e.dur) * ((e.tdur ?? e.dur) / 1000);
      by.set(threadOf(e), (by.get(threadOf(e)) ?? 0) + share);
    }
    return by;
  };
  const mainKey = `${main.pid}:${main.tid}`;
  const inMain = complete.filter((e) => threadOf(e) === mainKey);
  const skip = new Set(['RunTask', 'ThreadControllerImpl::RunTask', 'ThreadPool_RunTask']);
  const whatIn = (from, to) => {
    const by = new Map();
    for (const e of inMain) {
      if (skip.has(e.name) || e.ts < from || e.ts >= to) continue;
      const k = e.name + (e.args?.data?.type ? ` ${e.args.data.type}` : '');
      by.set(k, (by.get(k) ?? 0) + (e.tdur ?? e.dur) / 1000);
    }
    return [...by].sort((a, b) => b[1] - a[1]);
  };
  const mainTasks = (from, to) =>
    inMain
      .filter((e) => (e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask') && e.ts < to && e.ts + e.dur > from)
      .filter((e, i, all) => !all.some((o) => o !== e && o.ts <= e.ts && o.ts + o.dur >= e.ts + e.dur && o.dur > e.dur));

  // The average frame that did not miss, for comparison.
  const ok = intervals.filter((f) => f.ms <= 20);
  const avg = (list, fn) => {
    const total = new Map();
    for (const f of list) for (const [k, v] of fn(f.from, f.to)) total.set(k, (total.get(k) ?? 0) + v);
    return [...total].map(([k, v]) => [k, v / Math.max(1, list.length)]).sort((a, b) => b[1] - a[1]);
  };
  const show = (title, list) => {
    console.log(title);
    const threads = avg(list, (a, b) => [...cpuIn(a, b)]).filter(([, v]) => v >= 0.3);
    console.log('  CPU per frame by thread: ' + threads.map(([k, v]) => `${label(k)} ${v.toFixed(1)}`).join(', '));
    const what = avg(list, whatIn).filter(([, v]) => v >= 0.2).slice(0, 14);
    console.log('  main thread per frame: ' + what.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', '));
  };
  // In all: the thread time of the whole window per message from the orchestrator (one frame drawn each).
  const messages = inMain.filter((e) => e.name === 'HandlePostMessage').length;
  const all = [...cpuIn(stamps[0], stamps[stamps.length - 1])].sort((a, b) => b[1] - a[1]).filter(([, v]) => v / messages >= 0.2);
  console.log(`${messages} frames from the orchestrator; thread time per frame: ` + all.map(([k, v]) => `${label(k)} ${(v / messages).toFixed(2)}`).join(', '));
  const allWhat = whatIn(stamps[0], stamps[stamps.length - 1]).filter(([, v]) => v / messages >= 0.1).slice(0, 16);
  console.log('  main thread per frame: ' + allWhat.map(([k, v]) => `${k} ${(v / messages).toFixed(2)}`).join(', '));
  show(`frames that did not miss (${ok.length}), average:`, ok);
  show(`frames that missed (${missed.length}), average:`, missed);
  const t0 = stamps[0];
  for (const f of [...missed].sort((a, b) => b.ms - a.ms).slice(0, shown)) {
    console.log(`missed frame at ${((f.from - t0) / 1000).toFixed(0)} ms, ${f.ms.toFixed(1)} ms long:`);
    for (const t of mainTasks(f.from, f.to)) {
      const inner = whatIn(t.ts, t.ts + t.dur).slice(0, 6).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ');
      console.log(`  +${((t.ts - f.from) / 1000).toFixed(1).padStart(5)} ms task ${(t.dur / 1000).toFixed(1)} ms (cpu ${((t.tdur ?? t.dur) / 1000).toFixed(1)}): ${inner}`);
    }
    const threads = [...cpuIn(f.from, f.to)].sort((a, b) => b[1] - a[1]).filter(([, v]) => v >= 0.5);
    console.log('  CPU by thread: ' + threads.map(([k, v]) => `${label(k)} ${v.toFixed(1)}`).join(', '));
  }
} finally {
  await browser.close();
  server.close();
}
