// What every end-to-end test file shares: dist/ (or $QUORATE_DIST) served on 127.0.0.1, one headless Chromium page, console
// errors collected, and an artifacts folder for screenshots. Everything is closed in `after`, so a failing
// test leaves nothing running.
import { before, after } from 'node:test';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { serve } from './serve.mjs';
import { launch } from './browser.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const artifacts = join(here, 'artifacts');

/** Registers before/after hooks and returns a handle whose fields are filled once `before` ran. */
export function usePage() {
  const handle = { page: undefined, url: undefined, errors: [], shot: (name) => handle.page.screenshot({ path: join(artifacts, name) }) };
  let server;
  let browser;
  before(async () => {
    await mkdir(artifacts, { recursive: true });
    server = await serve(process.env.QUORATE_DIST ?? join(here, '..', '..', 'dist'));
    browser = await launch();
    handle.url = server.url;
    handle.page = await browser.context.newPage();
    handle.page.on('console', (msg) => msg.type() === 'error' && handle.errors.push(msg.text()));
    handle.page.on('pageerror', (err) => handle.errors.push(String(err)));
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  return handle;
}

/** The live nodes whose role reads "leader", with their terms (from the node cards). */
export const leaders = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('.node-card')]
      .filter((card) => card.querySelector('.role')?.textContent === 'leader' && !card.classList.contains('down'))
      .map((card) => ({
        id: Number(card.dataset.node),
        term: Number(/term (\d+)/.exec(card.querySelector('.summary').textContent)?.[1]),
      })),
  );

/** Waits until the playground has drawn every part of its page (`stages.rs` draws it a part per paint). */
export const drawn = (page, timeout = 30_000) =>
  page.locator('main.playground[aria-busy="false"]').waitFor({ timeout });
