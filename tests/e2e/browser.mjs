// Headless Debian Chromium through playwright-core (never a downloaded browser).
import { chromium } from 'playwright-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// Service workers are blocked unless asked for: the playground registers one where the page is not
// cross-origin isolated (www/isolate.js), and a test or bench of the message path must stay on it from
// one load to the next. `launch({ serviceWorkers: 'allow' })` lets the page's own take over.
export async function launch({ serviceWorkers = 'block' } = {}) {
  const profile = await mkdtemp(join(tmpdir(), 'quorate-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 860 },
    serviceWorkers,
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
