// Bench (run by hand, not a test): the cost of a round of calls to node workers over shared memory in
// headless Chromium, with no engine at all. An orchestrator worker writes a request into each called
// node's SharedArrayBuffer and waits for the answers, both ends polling and then sleeping in
// `Atomics.wait` as crate/worker/src/channel.rs does (the same poll counts as glue.rs). A 5-node Raft
// heartbeat period is two dependent rounds: the leader, then its four followers. What this measures is
// the floor under `bench-hosting.mjs`'s worker-per-node figure on this machine: no decoding, no engine,
// no world.
//
//   node tests/e2e/bench-rounds.mjs [seconds per case, default 3] ['[{...}, ...]' extra cases]
//
// `bench-hosting.mjs` measures the heartbeat case too, in its own browser, after its three rates.
//
// A case may set: pattern (rounds of node indices, repeated), work (µs a node spends per call),
// orchestratorWork (µs per round after the answers), overlap (that work done while the nodes work
// instead), orchestratorPoll and nodePoll (polls before sleeping).
import { createServer } from 'node:http';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { launch } from './browser.mjs';

// Cells of a node's buffer: 0 the request number, 1 the number of the request answered last.
const nodeScript = `
onmessage = (e) => {
  const { buffer, poll, work } = e.data;
  const cells = new Int32Array(buffer);
  let last = 0;
  for (;;) {
    let polls = 0;
    let seq;
    for (;;) {
      seq = Atomics.load(cells, 0);
      if (seq !== last) break;
      if (polls++ < poll) continue;
      Atomics.wait(cells, 0, last);
    }
    if (seq < 0) return;
    last = seq;
    const end = performance.now() + work / 1000;
    while (performance.now() < end) {}
    Atomics.store(cells, 1, seq);
    Atomics.notify(cells, 1);
  }
};`;

const orchestratorScript = `
const busy = (us) => { const end = performance.now() + us / 1000; while (performance.now() < end) {} };
onmessage = async (e) => {
  const c = e.data;
  const nodes = [];
  for (let i = 0; i < 5; i++) {
    const buffer = new SharedArrayBuffer(8);
    new Worker('node.js').postMessage({ buffer, poll: c.nodePoll, work: c.work });
    nodes.push({ cells: new Int32Array(buffer), seq: 0 });
  }
  await new Promise((r) => setTimeout(r, 300));
  const ask = (n) => { n.seq++; Atomics.store(n.cells, 0, n.seq); Atomics.notify(n.cells, 0); };
  const collect = (n) => {
    let polls = 0;
    for (;;) {
      const answered = Atomics.load(n.cells, 1);
      if (answered === n.seq) return;
      if (polls++ < c.orchestratorPoll) continue;
      Atomics.wait(n.cells, 1, answered, 1000);
    }
  };
  const start = performance.now();
  let rounds = 0;
  while (performance.now() - start < c.seconds * 1000) {
    const called = c.pattern[rounds % c.pattern.length].map((i) => nodes[i]);
    called.forEach(ask);
    if (c.overlap) busy(c.orchestratorWork);
    called.forEach(collect);
    if (!c.overlap) busy(c.orchestratorWork);
    rounds++;
  }
  const wall = performance.now() - start;
  for (const n of nodes) { Atomics.store(n.cells, 0, -1); Atomics.notify(n.cells, 0); }
  postMessage({ rounds, wall });
};`;

const pageHtml = `<!doctype html><script>
window.measure = (c) => new Promise((resolve) => {
  const w = new Worker('orchestrator.js');
  w.onmessage = (e) => { resolve(e.data); w.terminate(); };
  w.postMessage(c);
});
</script>`;

// A 5-node Raft run with a worker per node takes about 5 events a round (README, Benchmarks).
export const EVENTS_PER_ROUND = 5;

// A heartbeat period: the leader (node 0), then its four followers.
export const HEARTBEAT = [[0], [1, 2, 3, 4]];

const BASE = { pattern: HEARTBEAT, work: 0, orchestratorWork: 0, overlap: false, orchestratorPoll: 20000, nodePoll: 100 };

// Times each case (see the header) for `seconds` in a page of `context`, one after another; returns
// the cases with `usPerRound` and `rounds` added.
export async function timeRounds(context, cases, seconds) {
  const files = {
    '/': ['text/html', pageHtml],
    '/orchestrator.js': ['text/javascript', orchestratorScript],
    '/node.js': ['text/javascript', nodeScript],
  };
  const server = createServer((req, res) => {
    const file = files[req.url];
    if (!file) return res.writeHead(404).end();
    res.writeHead(200, {
      'content-type': file[0],
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    res.end(file[1]);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const page = await context.newPage();
  try {
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    if (!(await page.evaluate(() => crossOriginIsolated))) throw new Error('the page is not cross-origin isolated');
    const results = [];
    for (const c of cases) {
      const r = await page.evaluate((c) => window.measure(c), { ...BASE, seconds, ...c });
      results.push({ ...c, usPerRound: (r.wall * 1000) / r.rounds, rounds: r.rounds });
    }
    return results;
  } finally {
    await page.close();
    server.close();
  }
}

// The most events a second rounds of `usPerRound` allow.
export const ceiling = (usPerRound) => (EVENTS_PER_ROUND / usPerRound) * 1e6;

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const seconds = Number(process.argv[2] ?? 3);
  const extra = process.argv[3] ? JSON.parse(process.argv[3]) : [];
  const cases = [
    { name: 'leader alone', pattern: [[0]] },
    { name: 'one follower after another', pattern: [[1], [2], [3], [4]] },
    { name: 'four followers at once', pattern: [[1, 2, 3, 4]] },
    { name: 'heartbeat: leader, then four followers', pattern: HEARTBEAT },
    ...extra.map((c) => ({ name: JSON.stringify(c), ...c })),
  ];
  console.log(`${availableParallelism()} cores; ${seconds} s per case; no work unless a case says so`);
  const browser = await launch();
  try {
    for (const r of await timeRounds(browser.context, cases, seconds)) {
      console.log(
        `${r.name.padEnd(48)} ${r.usPerRound.toFixed(1).padStart(7)} µs per round  (${r.rounds} rounds; ` +
          `at ${EVENTS_PER_ROUND} events a round at most ${Math.round(ceiling(r.usPerRound)).toLocaleString('en')} events/s)`,
      );
    }
  } finally {
    await browser.close();
  }
}
