// The playground's service worker, for hosts that cannot send headers (README, Hosting the site).
//
// With a worker per node, node workers answer the orchestrator over shared memory only where the page is
// cross-origin isolated, which takes two response headers most static hosts (GitHub Pages, for one) do
// not let a site set. The playground registers this worker when its page is not isolated; from the next
// load on, the worker fetches the playground's page itself and adds the headers:
//   Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp,
// and adds the second to the scripts of the workers the playground and its workers start (a worker in an
// isolated page must carry it too). Everything the playground loads is same-origin, so nothing is
// blocked. Other pages (the player, the lab, a host's own pages under the same folder) and their workers
// are fetched untouched: a page that embeds another site's content keeps working. Everything else
// (other requests, other origins, anything but GET) goes to the network as if this worker were not there.
//
// It keeps nothing (no cache): a response is the network's, with headers added. Unregistering it, or a
// host that sends the headers itself (then the page never registers it), leaves the site as it was.

const EMBEDDER = ['Cross-Origin-Embedder-Policy', 'require-corp'];
const OPENER = ['Cross-Origin-Opener-Policy', 'same-origin'];

// A new version takes over at the next load, not at the next restart of the browser. Where the browser
// can route requests itself (Chromium's static routing), those this worker leaves alone go straight to
// the network, without waking it.
self.addEventListener('install', (event) => {
  self.skipWaiting();
  if (typeof event.addRoutes !== 'function') return;
  const mine = { or: [{ requestMode: 'navigate' }, { requestDestination: 'worker' }] };
  try {
    event.waitUntil(event.addRoutes([{ condition: { not: mine }, source: 'network' }]).catch(() => {}));
  } catch {
    // A browser that knows routes but not these conditions: every request comes to the fetch handler.
  }
});

self.addEventListener('activate', (event) => {
  if (self.registration.navigationPreload) event.waitUntil(self.registration.navigationPreload.enable().catch(() => {}));
});

/** Whether `url` is the playground: the folder this worker serves, or its index.html. */
function playground(url) {
  const page = url.origin + url.pathname;
  const scope = self.registration.scope;
  return page === scope || page === scope + 'index.html';
}

/** The response with `headers` added; one the worker cannot read (opaque, a redirect) as it came. */
function withHeaders(response, headers) {
  if (response.status === 0 || response.type === 'opaque' || response.type === 'opaqueredirect') return response;
  const added = new Headers(response.headers);
  for (const [name, value] of headers) added.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers: added });
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    if (!playground(url)) return;
    // The browser's preload (turned on at activation) starts the page's request while this worker starts.
    const page = Promise.resolve(event.preloadResponse).then((preloaded) => preloaded ?? fetch(request));
    event.respondWith(page.then((response) => withHeaders(response, [OPENER, EMBEDDER])));
    return;
  }
  if (request.destination !== 'worker') return;
  event.respondWith(
    forPlayground(event.clientId).then((isolate) =>
      fetch(request).then((response) => (isolate ? withHeaders(response, [EMBEDDER]) : response)),
    ),
  );
});

/** Whether a worker script fetched for client `id` runs for the playground: the page or one of its workers. */
async function forPlayground(id) {
  const client = id ? await self.clients.get(id) : undefined;
  if (!client || client.type !== 'window') return true;
  return playground(new URL(client.url));
}
