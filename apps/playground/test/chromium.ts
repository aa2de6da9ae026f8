import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Where a system Chromium is looked for (Playwright's own browser download is not used). */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The Chromium binary to drive: `VLM_CHROMIUM`, else Debian's, else none. */
export function findChromium(): string | undefined {
  const forced = process.env.VLM_CHROMIUM;
  if (forced) return existsSync(forced) ? forced : undefined;
  return CANDIDATES.find((path) => existsSync(path));
}

/** The one command that installs what `findChromium` looks for (what `.ci/run` does). */
export const ENABLE_CHROMIUM = 'apt-get install -y chromium';

/**
 * Starts headless Chromium with a fresh, empty profile (removed on close). The flags keep it off the network (this machine's
 * network is closed, and background services would otherwise retry connections at every start).
 */
export async function launchChromium(executablePath: string, extraArgs: string[] = []): Promise<{ browser: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'vlm-chromium-'));
  // Playwright passes the profile as --user-data-dir itself.
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
