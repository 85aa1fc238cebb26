// The playground's service worker (www/isolate.js), request by request: which responses it adds the
// cross-origin isolation headers to, and which it leaves to the network. It runs here in a sandbox with
// a stand-in for its global scope (Node has fetch's Request, Response and Headers); hosting.test.mjs
// checks it in Chromium, where it makes a page served without the headers isolated from its next load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import vm from 'node:vm';

const source = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'www', 'isolate.js'), 'utf8');
const SCOPE = 'https://example.test/quorate/';

/** A fresh worker: its listeners, the clients it can look up and the network it fetches from. */
function worker(clients = {}, network = () => new Response('body', { status: 200, headers: { 'content-type': 'text/html', 'x-host': 'kept' } })) {
  const listeners = {};
  const fetched = [];
  const preload = { enabled: false, enable: async () => (preload.enabled = true) };
  const scope = {
    location: new URL(SCOPE + 'isolate.js'),
    registration: { scope: SCOPE, navigationPreload: preload },
    clients: { get: async (id) => clients[id] },
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
  scope.self = scope;
  vm.runInNewContext(source, scope, { filename: 'isolate.js' });
  return { listeners, fetched, preload };
}

/** The headers the worker answers `request` with, or null where it leaves the request to the browser. */
async function answer(request, { clientId = '', clients } = {}) {
  const { listeners } = worker(clients);
  let responded = null;
  listeners.fetch({ request, clientId, respondWith: (promise) => (responded = promise) });
  if (responded === null) return null;
  const response = await responded;
  assert.equal(await response.text(), 'body', "the body is the network's");
  return Object.fromEntries(response.headers);
}

// Node's Request cannot be built with mode 'navigate' or a destination: the worker reads only these.
const request = (url, { mode = 'cors', destination = '', method = 'GET' } = {}) => ({
  url: new URL(url, SCOPE).href,
  mode,
  destination,
  method,
  cache: 'default',
});

const ISOLATED = {
  'content-type': 'text/html',
  'x-host': 'kept',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};
const EMBEDDER = { 'content-type': 'text/html', 'x-host': 'kept', 'cross-origin-embedder-policy': 'require-corp' };

test('the playground page gets both headers, with or without its index.html, a query or a fragment', async () => {
  for (const url of ['', 'index.html', '?x=1', '#v=1&engine=raft&seed=3']) {
    assert.deepEqual(await answer(request(url, { mode: 'navigate', destination: 'document' })), ISOLATED, `page '${url}'`);
  }
});

test('other pages under the same folder, and pages elsewhere on the origin, are left to the browser', async () => {
  for (const url of ['embed.html#lesson=election', 'lab.html', 'embed/example.html', '/other/index.html', '/']) {
    assert.equal(await answer(request(url, { mode: 'navigate', destination: 'document' })), null, `page '${url}'`);
  }
});

test("the playground's workers and their workers get the embedder policy; other pages' workers do not", async () => {
  const clients = {
    page: { type: 'window', url: SCOPE + '#v=1' },
    index: { type: 'window', url: SCOPE + 'index.html' },
    lab: { type: 'window', url: SCOPE + 'lab.html' },
    orchestrator: { type: 'worker', url: SCOPE + 'worker.js' },
  };
  const script = (clientId) => answer(request('worker.js', { destination: 'worker', mode: 'same-origin' }), { clientId, clients });
  assert.deepEqual(await script('page'), EMBEDDER, 'the orchestrator, started by the page');
  assert.deepEqual(await script('index'), EMBEDDER, 'the orchestrator, started by index.html');
  assert.deepEqual(await script('orchestrator'), EMBEDDER, 'a node worker, started by the orchestrator');
  assert.deepEqual(await script('gone'), EMBEDDER, 'a client the worker cannot look up any more');
  assert.deepEqual(
    (await answer(request('lab.js', { destination: 'worker', mode: 'same-origin' }), { clientId: 'lab', clients }))['cross-origin-embedder-policy'],
    undefined,
    "the lab's workers come as the host sends them",
  );
});

test('everything else goes to the network untouched', async () => {
  const cases = [
    ['a script', request('worker.js', { destination: 'script' })],
    ['the wasm', request('worker_bg.wasm')],
    ['a scenario', request('scenarios/partition.scn')],
    ['another origin', request('https://elsewhere.test/quorate/', { mode: 'navigate', destination: 'document' })],
    ["another origin's worker", request('https://elsewhere.test/w.js', { destination: 'worker' })],
    ['a POST', { ...request('', { mode: 'navigate', destination: 'document' }), method: 'POST' }],
  ];
  for (const [name, req] of cases) assert.equal(await answer(req), null, name);
});

test('a response the worker cannot read (a redirect, an opaque one) is passed on as it came', async () => {
  for (const type of ['opaqueredirect', 'opaque']) {
    const came = { status: 0, type, headers: new Headers() };
    const { listeners, fetched } = worker({}, () => came);
    let responded = null;
    listeners.fetch({
      request: request('', { mode: 'navigate', destination: 'document' }),
      clientId: '',
      respondWith: (promise) => (responded = promise),
    });
    assert.equal(await responded, came, type);
    assert.deepEqual(fetched, [SCOPE], 'fetched once, from the network');
  }
});

test("the page's preloaded response is used where the browser made one, and preloading is turned on", async () => {
  const { listeners, fetched, preload } = worker();
  const waited = [];
  listeners.activate({ waitUntil: (promise) => waited.push(promise) });
  await Promise.all(waited);
  assert.equal(preload.enabled, true, 'activating turns navigation preload on');
  let responded = null;
  listeners.fetch({
    request: request('', { mode: 'navigate', destination: 'document' }),
    clientId: '',
    preloadResponse: Promise.resolve(new Response('preloaded', { status: 200 })),
    respondWith: (promise) => (responded = promise),
  });
  const response = await responded;
  assert.equal(await response.text(), 'preloaded');
  assert.equal(response.headers.get('cross-origin-opener-policy'), 'same-origin');
  assert.deepEqual(fetched, [], 'not fetched a second time');
});

test('where the browser routes requests itself, all but pages and worker scripts go straight to the network', async () => {
  const { listeners } = worker();
  const routes = [];
  const waited = [];
  listeners.install({ addRoutes: async (rules) => routes.push(...rules), waitUntil: (promise) => waited.push(promise) });
  await Promise.all(waited);
  assert.deepEqual(JSON.parse(JSON.stringify(routes)), [
    { condition: { not: { or: [{ requestMode: 'navigate' }, { requestDestination: 'worker' }] } }, source: 'network' },
  ]);
  // A browser without routes, or one that refuses these, still installs the worker.
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
