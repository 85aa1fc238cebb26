// Lighthouse scores of the built site, run by hand (not in CI): serves dist/ (or $QUORATE_DIST) on
// 127.0.0.1 and audits the playground and the embeddable player in headless Chromium.
//
//   CHROME_PATH=/usr/bin/chromium node tests/e2e/lighthouse.mjs            # mobile (Lighthouse's default)
//   CHROME_PATH=/usr/bin/chromium node tests/e2e/lighthouse.mjs --desktop
//
// Prints each page's performance and accessibility scores and the audits that cost points; exits 1
// when a score is below 95. Reports go to tests/e2e/artifacts/lighthouse-*.json.
import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { extname, normalize, resolve } from 'node:path';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const artifacts = join(here, 'artifacts');
const desktop = process.argv.includes('--desktop');
const PAGES = [
  ['playground', ''],
  ['embed', 'embed.html#lesson=election'],
];
const WANTED = 95;
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.lesson': 'text/plain; charset=utf-8',
};

/** dist/ served as a static host serves it: gzip, ETag and a cache lifetime (the tests' server has none). */
async function serve(dir) {
  const root = resolve(dir);
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    const file = normalize(join(root, path.endsWith('/') ? path + 'index.html' : path));
    if (!file.startsWith(root)) return res.writeHead(403).end();
    let body;
    try {
      body = await readFile(file);
    } catch {
      return res.writeHead(404).end('not found');
    }
    const etag = '"' + createHash('sha1').update(body).digest('hex') + '"';
    if (req.headers['if-none-match'] === etag) return res.writeHead(304).end();
    const headers = {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': extname(file) === '.html' ? 'no-cache' : 'public, max-age=3600',
      etag,
    };
    if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
      body = gzipSync(body);
      headers['content-encoding'] = 'gzip';
    }
    res.writeHead(200, headers).end(body);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((ok) => server.close(ok)) };
}

await mkdir(artifacts, { recursive: true });
const server = await serve(process.env.QUORATE_DIST ?? join(root, 'dist'));
let failed = false;
try {
  for (const [name, path] of PAGES) {
    const out = join(artifacts, `lighthouse-${name}${desktop ? '-desktop' : ''}.json`);
    const args = [
      join(root, 'node_modules', 'lighthouse', 'cli', 'index.js'),
      server.url + path,
      '--quiet',
      '--output=json',
      `--output-path=${out}`,
      '--only-categories=performance,accessibility',
      '--chrome-flags=--headless --no-sandbox --disable-gpu',
      ...(desktop ? ['--preset=desktop'] : []),
    ];
    await run(process.execPath, args, {
      env: { ...process.env, CHROME_PATH: process.env.CHROME_PATH ?? '/usr/bin/chromium' },
      maxBuffer: 64 << 20,
    });
    const report = JSON.parse(await readFile(out, 'utf8'));
    const scores = Object.fromEntries(
      Object.entries(report.categories).map(([k, c]) => [k, Math.round(c.score * 100)]),
    );
    console.log(`${name} (${desktop ? 'desktop' : 'mobile'}): performance ${scores.performance}, accessibility ${scores.accessibility}`);
    for (const [key, category] of Object.entries(report.categories)) {
      for (const ref of category.auditRefs) {
        const audit = report.audits[ref.id];
        if (ref.weight > 0 && audit.score !== null && audit.score < 0.9) {
          console.log(`  ${key}: ${audit.title}${audit.displayValue ? ` (${audit.displayValue})` : ''}`);
        }
      }
    }
    if (scores.performance < WANTED || scores.accessibility < WANTED) failed = true;
  }
} finally {
  await server.close();
}
process.exit(failed ? 1 : 0);
