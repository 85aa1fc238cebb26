// The playground's service worker, for hosts that cannot send headers (README, Hosting the site).
//
// With a worker per node, node workers answer the orchestrator over shared memory only where the page is
// cross-origin isolated, which takes two response headers most static hosts (GitHub Pages, for one) do
// not let a site set. The playground registers this worker when its page is not isolated; from the next
// load on, the worker fetches the playground's page itself and adds the headers
//   Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp.
// Everything the playground loads is same-origin, so nothing is blocked. Its workers start from blob:
// URLs (gloo-worker's shim, crate/worker's glue.rs), which take the page's policy: no worker script needs
// the headers (one started from a script's own URL would). Other pages (the player, the lab, a host's own
// pages under the same folder) come as the host sends them: a page that embeds another site's content
// keeps working. Nothing but the playground's page is changed (other requests, other origins, anything
// but GET go to the network as if this worker were not there), and nothing is cached.
//
// A host that sends the headers itself never registers it. To retire it, serve an isolate.js that
// unregisters itself: a browser keeps a worker whose script is gone (a 404 on its update check).

const ISOLATION = [
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Embedder-Policy', 'require-corp'],
];

/** The playground's addresses: the folder this worker serves, and its index.html. */
function playgroundPaths() {
  const folder = new URL(self.registration.scope).pathname;
  return [folder, folder + 'index.html'];
}

// A new version takes over at the next load, not at the next restart of the browser. Where the browser
// can route requests itself (Chromium's static routing), everything but the playground's addresses goes
// straight to the network, without waking this worker.
self.addEventListener('install', (event) => {
  self.skipWaiting();
  if (typeof event.addRoutes !== 'function') return;
  const pattern = (path) => ({ urlPattern: { pathname: path.replace(/[\\:*?+(){}]/g, '\\$&') } });
  const playground = { or: playgroundPaths().map(pattern) };
  try {
    event.waitUntil(event.addRoutes([{ condition: { not: playground }, source: 'network' }]).catch(() => {}));
  } catch {
    // A browser that knows routes but not these conditions: every request comes to the fetch handler.
  }
});

// The browser starts a page's request while this worker starts (`preloadResponse`).
self.addEventListener('activate', (event) => {
  if (self.registration.navigationPreload) event.waitUntil(self.registration.navigationPreload.enable().catch(() => {}));
});

/** The response with the isolation headers added; one the worker cannot read (opaque, a redirect) as it came. */
function isolated(response) {
  if (response.status === 0 || response.type === 'opaque' || response.type === 'opaqueredirect') return response;
  const added = new Headers(response.headers);
  for (const [name, value] of ISOLATION) added.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers: added });
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || request.mode !== 'navigate') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // Every page this worker is asked for is answered from the preload where there is one, so that no page
  // is fetched twice; only the playground gets the headers.
  const page = Promise.resolve(event.preloadResponse).then((preloaded) => preloaded ?? fetch(request));
  const playground = playgroundPaths().includes(url.pathname);
  event.respondWith(playground ? page.then(isolated) : page);
});
