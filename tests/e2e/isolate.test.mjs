// The playground's service worker (www/isolate.js), request by request: which responses it adds the
// cross-origin isolation headers to, and which it leaves as the network sent them. It runs here in a
// sandbox with a stand-in for its global scope (Node has fetch's Response and Headers); hosting.test.mjs
// checks it in Chromium, where it makes a page served without the headers isolated from its next load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import vm from 'node:vm';

const source = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'www', 'isolate.js'), 'utf8');
const SCOPE = 'https://example.test/quorate/';
const NETWORK = () => new Response('body', { status: 200, headers: { 'content-type': 'text/html', 'x-host': 'kept' } });

/** A fresh worker serving `scope`: its listeners, what it fetched, and its navigation preload switch. */
function worker(network = NETWORK, scope = SCOPE) {
  const listeners = {};
  const fetched = [];
  const preload = { enabled: false, enable: async () => (preload.enabled = true) };
  const global = {
    location: new URL(scope + 'isolate.js'),
    registration: { scope, navigationPreload: preload },
    addEventListener: (type, listener) => (listeners[type] = listener),
    skipWaiting: () => {},
    fetch: async (request) => {
      fetched.push(request.url);
      return network(request);
    },
    Headers,
    Response,
    URL,
  };
  global.self = global;
  vm.runInNewContext(source, global, { filename: 'isolate.js' });
  return { listeners, fetched, preload };
}

// Node's Request cannot be built with mode 'navigate' or a destination: the worker reads only these.
const request = (url, { mode = 'navigate', destination = 'document', method = 'GET' } = {}) => ({
  url: new URL(url, SCOPE).href,
  mode,
  destination,
  method,
  cache: 'default',
});

/** What the worker answers `req` with: null where it leaves it to the browser, else body, headers, fetches. */
async function answer(req, { preloaded } = {}) {
  const { listeners, fetched } = worker();
  let responded = null;
  listeners.fetch({ request: req, preloadResponse: preloaded, respondWith: (promise) => (responded = promise) });
  if (responded === null) return null;
  const response = await responded;
  return { body: await response.text(), headers: Object.fromEntries(response.headers), fetched };
}

const HOST = { 'content-type': 'text/html', 'x-host': 'kept' };
const ISOLATED = {
  ...HOST,
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

test('the playground page gets both headers, with or without its index.html or a query', async () => {
  for (const url of ['', 'index.html', '?x=1', 'index.html?visit=2']) {
    const got = await answer(request(url));
    assert.deepEqual(got, { body: 'body', headers: ISOLATED, fetched: [new URL(url, SCOPE).href] }, `page '${url}'`);
  }
});

test('other pages are answered as the network sent them, fetched once', async () => {
  for (const url of ['embed.html#lesson=election', 'lab.html', 'embed/example.html', 'embed/', '/other/index.html', '/']) {
    const got = await answer(request(url));
    assert.deepEqual(got, { body: 'body', headers: HOST, fetched: [new URL(url, SCOPE).href] }, `page '${url}'`);
  }
});

test('a page the browser preloaded is answered from the preload, never fetched again; preloading is on', async () => {
  const preloaded = () => Promise.resolve(new Response('preloaded', { status: 200, headers: HOST }));
  assert.deepEqual(await answer(request(''), { preloaded: preloaded() }), { body: 'preloaded', headers: ISOLATED, fetched: [] });
  assert.deepEqual(await answer(request('lab.html'), { preloaded: preloaded() }), { body: 'preloaded', headers: HOST, fetched: [] });
  // No preload (a browser without it): `preloadResponse` resolves to undefined.
  assert.deepEqual((await answer(request(''), { preloaded: Promise.resolve(undefined) })).fetched, [SCOPE]);
  const { listeners, preload } = worker();
  const waited = [];
  listeners.activate({ waitUntil: (promise) => waited.push(promise) });
  await Promise.all(waited);
  assert.equal(preload.enabled, true, 'activating turns navigation preload on');
});

test('everything else goes to the network untouched', async () => {
  const cases = [
    ["the playground's address, fetched by a script", request('', { mode: 'cors', destination: '' })],
    ['a worker script', request('worker.js', { mode: 'same-origin', destination: 'worker' })],
    ['the wasm', request('worker_bg.wasm', { mode: 'cors', destination: '' })],
    ['a scenario', request('scenarios/partition.scn', { mode: 'cors', destination: '' })],
    ['another origin', request('https://elsewhere.test/quorate/')],
    ['a POST', request('', { method: 'POST' })],
  ];
  for (const [name, req] of cases) assert.equal(await answer(req), null, name);
});

test('a response the worker cannot read (a redirect, an opaque one) is passed on as it came', async () => {
  for (const type of ['opaqueredirect', 'opaque']) {
    const came = { status: 0, type, headers: new Headers() };
    const { listeners, fetched } = worker(() => came);
    let responded = null;
    listeners.fetch({ request: request(''), respondWith: (promise) => (responded = promise) });
    assert.equal(await responded, came, type);
    assert.deepEqual(fetched, [SCOPE], 'fetched once, from the network');
  }
});

/** The routes a worker serving `scope` asks the browser for at install, as plain data. */
async function routes(scope = SCOPE) {
  const { listeners } = worker(NETWORK, scope);
  const rules = [];
  const waited = [];
  listeners.install({ addRoutes: async (added) => rules.push(...added), waitUntil: (promise) => waited.push(promise) });
  await Promise.all(waited);
  return JSON.parse(JSON.stringify(rules));
}

test('where the browser routes requests itself, all but the playground go straight to the network', async () => {
  const playground = (paths) => ({ or: paths.map((pathname) => ({ urlPattern: { pathname } })) });
  assert.deepEqual(await routes(), [
    { condition: { not: playground(['/quorate/', '/quorate/index.html']) }, source: 'network' },
  ]);
  // A folder whose name a URL pattern would read as syntax is matched as written.
  assert.deepEqual(await routes('https://example.test/a:b(c)+d*/'), [
    { condition: { not: playground(['/a\\:b\\(c\\)\\+d\\*/', '/a\\:b\\(c\\)\\+d\\*/index.html']) }, source: 'network' },
  ]);
  // A browser without routes, or one that refuses these, still installs the worker.
  const { listeners } = worker();
  const waited = [];
  listeners.install({ waitUntil: (promise) => waited.push(promise) });
  listeners.install({
    addRoutes: () => {
      throw new TypeError('unknown condition');
    },
    waitUntil: (promise) => waited.push(promise),
  });
  listeners.install({ addRoutes: async () => Promise.reject(new TypeError('unknown condition')), waitUntil: (promise) => waited.push(promise) });
  await Promise.all(waited);
});
