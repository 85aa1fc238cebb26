// What each page downloads of wasm. Every page is opened in a fresh browser profile (nothing cached)
// and left until its runs or workers are up; the server lists every .wasm it sends, including those the
// orchestrator, node and lab workers fetch, and playwright's `response` events must see the same files.
// Printed per page: each file fetched (requests, gzip -9 bytes of the file), and the sum over the
// distinct files, which is what a page transfers from a host that compresses and caches (README,
// "Hosting the site"). Fails when a page fetches more than its ceiling: a regression, not a goal.
//
//   QUORATE_DIST=/path/to/dist node --test tests/e2e/size.test.mjs
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './serve.mjs';
import { launch } from './browser.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(process.env.QUORATE_DIST ?? join(here, '..', '..', 'dist'));

// Ceilings in gzip -9 bytes (Node's zlib, which packs these files about 1% less tightly than GNU gzip),
// about 3% above what the pages fetched when they were set: a page that starts fetching a binary it did
// not need, or a binary that grows, fails here.
const KB = 1000;
const PAGES = [
  { name: 'playground, Raft', path: '#engine=raft&seed=1&nodes=5', ready: 'digest', ceiling: 593 * KB },
  { name: 'playground, gossip', path: '#engine=gossip&seed=1&nodes=5', ready: 'digest', ceiling: 587 * KB },
  { name: 'playground, Consul', path: '#engine=consul&seed=3&nodes=7', ready: 'status-n7', ceiling: 905 * KB },
  { name: 'playground, etcd', path: '#engine=etcd&seed=3&nodes=7', ready: 'status-n7', ceiling: 905 * KB },
  { name: 'embed.html', path: 'embed.html#lesson=election', ready: 'digest', ceiling: 593 * KB },
  // A gossip lesson: the player loads the gossip build at once, not the Raft build first.
  { name: 'embed.html, gossip', path: 'embed.html#lesson=swim-detection', ready: 'digest', ceiling: 587 * KB },
  { name: 'lab.html', path: 'lab.html', ready: 'markov-summary', ceiling: 320 * KB },
];

const gzipped = new Map();
async function gzipBytes(file) {
  if (!gzipped.has(file)) gzipped.set(file, gzipSync(await readFile(join(dist, file)), { level: 9 }).length);
  return gzipped.get(file);
}

const served = [];
const server = await serve(dist, { onServe: (path, bytes) => path.endsWith('.wasm') && served.push(path) });
after(() => server.close());
const rows = [];
after(() => {
  console.log('\npage                     wasm fetched (requests, gzip -9 bytes)                        total gzip');
  for (const r of rows) console.log(`${r.name.padEnd(24)} ${r.files.padEnd(62)} ${String(r.total).padStart(9)}`);
});

for (const page of PAGES) {
  test(`${page.name} fetches at most ${page.ceiling / KB} KB of wasm (gzip)`, async () => {
    served.length = 0;
    const browser = await launch();
    try {
      const tab = await browser.context.newPage();
      const seen = [];
      tab.on('response', (r) => {
        const path = new URL(r.url()).pathname;
        if (path.endsWith('.wasm')) seen.push(path);
      });
      await tab.goto(server.url + page.path);
      await tab.getByTestId(page.ready).first().waitFor({ timeout: 60_000 });
      // Workers start after the first frame: wait until no new wasm has come for two seconds.
      let count = -1;
      while (count !== served.length) {
        count = served.length;
        await tab.waitForTimeout(2_000);
      }
      const requests = new Map();
      for (const path of served) requests.set(path, (requests.get(path) ?? 0) + 1);
      assert.ok(requests.size > 0, 'the page fetched no wasm');
      let total = 0;
      const files = [];
      for (const [path, n] of requests) {
        const bytes = await gzipBytes(path.slice(1));
        total += bytes;
        files.push(`${path.slice(1).replace(/-[0-9a-f]{16}/, '')} (${n}, ${bytes})`);
      }
      rows.push({ name: page.name, files: files.join(', '), total });
      assert.deepEqual([...new Set(seen)].sort(), [...requests.keys()].sort(), 'the browser saw what the server sent');
      assert.ok(total <= page.ceiling, `${page.name}: ${total} bytes of wasm (gzip), above ${page.ceiling}`);
    } finally {
      await browser.close();
    }
  });
}
